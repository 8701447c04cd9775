export { seedDemoHistory } from './demo-history.js';
export type { DemoHistoryResult } from './demo-history.js';
