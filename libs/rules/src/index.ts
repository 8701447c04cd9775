export type * from './context.types.js';
