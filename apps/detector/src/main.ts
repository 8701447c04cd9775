import 'reflect-metadata';
import { launch } from '#app/infra';
import { startDetector } from './detector.app.js';

await launch([startDetector]);
