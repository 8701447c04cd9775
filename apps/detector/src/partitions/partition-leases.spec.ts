import { fairShare, isLeaseLost, leaseArrays, LEASE_LOST } from './partition-leases.js';

describe('partition shares', () => {
  it.each([
    [16, 1, 16],
    [16, 2, 8],
    [16, 3, 6],
    [16, 5, 4],
    [16, 16, 1],
    [16, 40, 1],
    [1, 2, 1],
  ])('of %i partitions among %i detectors, each aims at %i, so every partition can be held', (n, live, share) => {
    expect(fairShare(n, live)).toBe(share);
    expect(fairShare(n, live) * live).toBeGreaterThanOrEqual(n);
  });

  it('counts a detector that sees no one alive as alone', () => {
    expect(fairShare(16, 0)).toBe(16);
  });

  it('lists leases in partition order, the order every lock on lease rows follows', () => {
    const held = new Map([
      [9, '41'],
      [2, '7'],
      [5, '12'],
    ]);
    expect(leaseArrays(held)).toEqual({ partitions: [2, 5, 9], tokens: ['7', '12', '41'] });
    expect(leaseArrays(held, [9, 2])).toEqual({ partitions: [2, 9], tokens: ['7', '41'] });
  });

  it('tells a refused commit from other database errors by its SQLSTATE', () => {
    expect(isLeaseLost(Object.assign(new Error('lost'), { code: LEASE_LOST }))).toBe(true);
    expect(isLeaseLost(Object.assign(new Error('unique'), { code: '23505' }))).toBe(false);
    expect(isLeaseLost(null)).toBe(false);
  });
});
