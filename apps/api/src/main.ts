import 'reflect-metadata';
import { launch } from '#app/infra';
import { startApi } from './api.app.js';

await launch([startApi]);
