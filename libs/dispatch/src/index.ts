export { approvedOrdersFor, approvedOrdersByVehicle, DISPATCH_ORDER_STATUSES } from './approved-orders.js';
export type { DispatchOrderStatus, SqlRunner } from './approved-orders.js';
