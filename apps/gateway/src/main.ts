import 'reflect-metadata';
import { launch } from '#app/infra';
import { startGateway } from './gateway.app.js';

await launch([startGateway]);
