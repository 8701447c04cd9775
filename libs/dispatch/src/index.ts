export {
  approvedOrdersFor,
  approvedOrdersByVehicle,
  approvedOrdersQuery,
  ordersByVehicle,
  DISPATCH_ORDER_STATUSES,
} from './approved-orders.js';
export type { DispatchOrderStatus, SqlRunner } from './approved-orders.js';
