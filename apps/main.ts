import 'reflect-metadata';
import { launch } from '#app/infra';
import { startApi } from './api/src/api.app.js';
import { startDetector } from './detector/src/detector.app.js';
import { startGateway } from './gateway/src/gateway.app.js';
import { startScheduler } from './scheduler/src/scheduler.app.js';

// The embedded default: all four apps in one process, sharing one database and broker.
await launch([startDetector, startGateway, startScheduler, startApi]);
