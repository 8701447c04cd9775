import { allowedActions, type OrderState } from './dispatch-order-workflow.js';

const NOW = new Date('2026-03-02T04:00:00Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

describe('dispatch order workflow', () => {
  it.each<[string, OrderState, string[]]>([
    ['a request before its window', { status: 'requested', start: at(1), end: at(2) }, ['approve', 'reject', 'cancel']],
    [
      'a request during its window',
      { status: 'requested', start: at(-1), end: at(2) },
      ['approve', 'reject', 'cancel'],
    ],
    ['a request whose window is over', { status: 'requested', start: at(-3), end: at(-1) }, ['reject']],
    ['an approved order not started', { status: 'approved', start: at(1), end: at(2) }, ['cancel']],
    ['an approved order running', { status: 'approved', start: at(-1), end: at(2) }, ['end']],
    ['an approved order that is over', { status: 'approved', start: at(-3), end: at(-1) }, []],
    ['a rejected order', { status: 'rejected', start: at(1), end: at(2) }, []],
    ['a cancelled order', { status: 'cancelled', start: at(1), end: at(2) }, []],
    ['an ended order', { status: 'ended', start: at(-1), end: at(2) }, []],
  ])('allows on %s: %j', (_, order, expected) => {
    expect(allowedActions(order, NOW)).toEqual(expected);
  });
});
