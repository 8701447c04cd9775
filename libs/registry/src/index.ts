export { bindingOn, boundTerminalOn, bindingHistory } from './bindings.js';
export type { Binding, RegistrySqlRunner } from './bindings.js';
export { currentDriver, tripDriver, TRIP_DRIVER_JOIN } from './driver-card.js';
export type { CardDriver } from './driver-card.js';
