export * from './fence.types.js';
