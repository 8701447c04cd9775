export { bindingOn, boundTerminalOn, bindingHistory } from './bindings.js';
export type { Binding, RegistrySqlRunner } from './bindings.js';
