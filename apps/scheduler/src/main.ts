import 'reflect-metadata';
import { launch } from '#app/infra';
import { startScheduler } from './scheduler.app.js';

await launch([startScheduler]);
