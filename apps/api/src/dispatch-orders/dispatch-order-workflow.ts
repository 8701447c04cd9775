import type { DispatchOrderStatus } from '#app/dispatch';

export const DISPATCH_ACTIONS = ['approve', 'reject', 'cancel', 'end'] as const;
export type DispatchAction = (typeof DISPATCH_ACTIONS)[number];

/** Longest time window an order may cover. */
export const MAX_ORDER_MS = 7 * 24 * 3_600_000;

export interface OrderState {
  status: DispatchOrderStatus;
  start: Date;
  end: Date;
}

/**
 * What may happen next to an order, in one place: a request is approved, rejected or cancelled (until its
 * window is over); an approved order is cancelled before it starts, or ended early while it runs (once it
 * has started, cancelling would retroactively unauthorise the part already driven, so it is ended instead).
 */
export function allowedActions(order: OrderState, now: Date): DispatchAction[] {
  const over = now.getTime() >= order.end.getTime();
  const started = now.getTime() >= order.start.getTime();
  switch (order.status) {
    case 'requested':
      return over ? ['reject'] : ['approve', 'reject', 'cancel'];
    case 'approved':
      if (over) return [];
      return started ? ['end'] : ['cancel'];
    default:
      return [];
  }
}

export const RESULT_STATUS: Record<DispatchAction, DispatchOrderStatus> = {
  approve: 'approved',
  reject: 'rejected',
  cancel: 'cancelled',
  end: 'ended',
};
