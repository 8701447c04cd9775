import type { CardHolder } from '../context.types.js';
import { at, drive, envOf, order, park, runRule, track, type Leg } from '../rule-test-kit.js';
import type { Rule, RuleEnv } from '../rule.types.js';
import { driverMismatchRule, sameDriver } from './driver-mismatch.rule.js';

const rule = driverMismatchRule as Rule<unknown>;
// Parked 10:00–10:04, then 10:04:00–10:06:20 driving east at 36 km/h (1.4 km): one trip.
const legs: Leg[] = [...park(3, 120), ...drive(15, 10, 36, 0)];

/** The env with a card history: [local time, holder name or null for a removal]. */
function withCards(env: RuleEnv, swipes: [string, string | null][]): RuleEnv {
  const events = swipes.map(([local, name]) => ({ at: at(local), name }));
  env.ctx.driverAt = (_vehicleId, t): CardHolder | null => {
    const last = events.filter((e) => e.at <= t).at(-1);
    return last?.name ? { name: last.name, certificateNo: null, since: last.at } : null;
  };
  return env;
}

describe('driver card differs from the dispatch order', () => {
  const orderBy = (driver: string | null) =>
    envOf({ orders: [order('2026-11-26 09:00:00', '2026-11-26 12:00:00', { driver })] });

  it('raises when the card in at the start of an ordered trip names someone else than the order', () => {
    const env = withCards(orderBy('王五'), [['2026-11-26 08:50:00', '张三']]);
    const { opened } = runRule(rule, track('2026-11-26 10:00:00', legs), env);
    expect(opened).toHaveLength(1);
    expect(opened[0].finding).toMatchObject({ rule: 'driver_mismatch', kind: 'suspicion' });
    expect(opened[0].finding.evidence.details).toMatchObject({ cardDriver: '张三', orderDrivers: ['王五'] });
  });

  it('is silent when the card names the order’s driver (spaces and case aside)', () => {
    const env = withCards(orderBy('张 三'), [['2026-11-26 08:50:00', '张三']]);
    expect(runRule(rule, track('2026-11-26 10:00:00', legs), env).opened).toHaveLength(0);
  });

  it('judges the card inserted after setting off when none was in at the start', () => {
    const env = withCards(orderBy('王五'), [['2026-11-26 10:04:30', '张三']]);
    expect(runRule(rule, track('2026-11-26 10:00:00', legs), env).opened).toHaveLength(1);
  });

  it('is silent with no card, with a card removed before the trip, without an order, or with an order naming no driver', () => {
    expect(runRule(rule, track('2026-11-26 10:00:00', legs), withCards(orderBy('王五'), [])).opened).toHaveLength(0);
    const removed = withCards(orderBy('王五'), [
      ['2026-11-26 08:50:00', '张三'],
      ['2026-11-26 09:30:00', null],
    ]);
    expect(runRule(rule, track('2026-11-26 10:00:00', legs), removed).opened).toHaveLength(0);
    expect(
      runRule(rule, track('2026-11-26 10:00:00', legs), withCards(envOf(), [['2026-11-26 08:50:00', '张三']])).opened,
    ).toHaveLength(0);
    expect(
      runRule(rule, track('2026-11-26 10:00:00', legs), withCards(orderBy(null), [['2026-11-26 08:50:00', '张三']]))
        .opened,
    ).toHaveLength(0);
  });

  it('does not run where driver cards are not read', () => {
    expect(rule.applies(envOf())).toBe(false);
    expect(sameDriver('', '')).toBe(false);
  });
});
