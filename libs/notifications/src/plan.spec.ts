import { planDeliveries, retryDelayMs, type NotificationRule, type Person, type PlanContext } from './plan.js';

const UNIT = 'u-1';
const person = (id: string, extra: Partial<Person> = {}): Person => ({
  id,
  username: id,
  roles: ['inspector'],
  active: true,
  email: `${id}@example.gov.cn`,
  phone: '+8613800000000',
  quietHours: null,
  ...extra,
});
const rule = (extra: Partial<NotificationRule> = {}): NotificationRule => ({
  id: 'r-1',
  name: 'rule',
  active: true,
  findingRules: [],
  unitIds: [],
  minSeverity: 'low',
  recipients: [{ role: 'inspector', channels: ['email'] }],
  quietHours: null,
  ...extra,
});
const finding = { id: 'f-1', rule: 'leaving_jurisdiction', kind: 'violation' as const, unitId: UNIT };
const DAYTIME = new Date('2026-11-19T10:00:00+08:00');
const NIGHT = new Date('2026-11-19T23:30:00+08:00');
const context = (extra: Partial<PlanContext> = {}): PlanContext => ({
  now: DAYTIME,
  timeZone: 'Asia/Shanghai',
  people: [person('li'), person('wang'), person('zhao', { roles: ['finance'] })],
  webhooks: new Map([['w-1', { id: 'w-1', name: 'jjjc', url: 'https://jjjc.example/hook', active: true }]]),
  liveRoles: ['centre', 'inspector', 'admin'],
  ...extra,
});
const summary = (ds: ReturnType<typeof planDeliveries>) =>
  ds.map((d) => `${d.channel} ${d.recipientKey} ${d.status}`).sort();

describe('planning the messages of a finding', () => {
  it("reaches every active holder of a role on each of the recipient's channels", () => {
    const rules = [rule({ recipients: [{ role: 'inspector', channels: ['email', 'dashboard'] }] })];
    expect(summary(planDeliveries(finding, rules, context()))).toEqual([
      'dashboard user:li sent',
      'dashboard user:wang sent',
      'email user:li pending',
      'email user:wang pending',
    ]);
  });

  it.each([
    ['another finding rule', { findingRules: ['speeding'] }],
    ['another unit', { unitIds: ['u-2'] }],
    ['a higher minimum severity than a suspicion has', { minSeverity: 'medium' as const }],
    ['a rule switched off', { active: false }],
  ])('matches nothing under %s', (_, extra: Partial<NotificationRule>) => {
    const f =
      'minSeverity' in extra ? { ...finding, rule: 'lunchtime_restaurant', kind: 'suspicion' as const } : finding;
    expect(planDeliveries(f, [rule(extra)], context())).toEqual([]);
  });

  it('sends one message per person and channel when rules overlap, planned by the rule that lets it go soonest', () => {
    const quiet = rule({ id: 'quiet', quietHours: { from: '22:00', to: '07:00' } });
    const byName = rule({ id: 'now', recipients: [{ userId: 'li', channels: ['email'] }] });
    const planned = planDeliveries(finding, [quiet, byName], context({ now: NIGHT }));
    expect(summary(planned)).toEqual(['email user:li pending', 'email user:wang held']);
    expect(planned.find((d) => d.recipientKey === 'user:li')!.ruleId).toBe('now');
  });

  it('holds e-mail and SMS through quiet hours, but not the dashboard or a webhook', () => {
    const rules = [
      rule({
        quietHours: { from: '22:00', to: '07:00' },
        recipients: [{ userId: 'li', channels: ['email', 'sms', 'dashboard'] }, { webhookId: 'w-1' }],
      }),
    ];
    const planned = planDeliveries(finding, rules, context({ now: NIGHT }));
    expect(summary(planned)).toEqual([
      'dashboard user:li sent',
      'email user:li held',
      'sms user:li held',
      'webhook webhook:w-1 pending',
    ]);
    expect(planned.find((d) => d.channel === 'email')!.nextAttemptAt).toEqual(new Date('2026-11-20T07:00:00+08:00'));
  });

  it("drops a low-severity message in the recipient's own quiet hours", () => {
    const suspicion = { ...finding, rule: 'lunchtime_restaurant', kind: 'suspicion' as const };
    const people = [person('li', { quietHours: { from: '12:00', to: '13:30' } })];
    const planned = planDeliveries(
      suspicion,
      [rule()],
      context({ people, now: new Date('2026-11-19T12:40:00+08:00') }),
    );
    expect(summary(planned)).toEqual(['email user:li suppressed']);
    expect(planned[0].severity).toBe('low');
  });

  it('logs what cannot be addressed instead of losing it silently', () => {
    const people = [
      person('li', { email: null }),
      person('gone', { active: false }),
      person('clerk', { roles: ['unit'] }),
    ];
    const rules = [
      rule({
        recipients: [
          { userId: 'li', channels: ['email'] },
          { userId: 'gone', channels: ['email'] },
          { userId: 'clerk', channels: ['dashboard'] },
          { userId: 'nobody', channels: ['email'] },
          { webhookId: 'w-missing' },
        ],
      }),
    ];
    const notes = planDeliveries(finding, rules, context({ people })).map((d) => [d.recipientKey, d.status, d.note]);
    expect(notes).toEqual([
      ['user:li', 'skipped', 'the user has no e-mail address'],
      ['user:gone', 'skipped', 'the user is disabled'],
      ['user:clerk', 'skipped', 'the user has no role that may open the live map'],
      ['user:nobody', 'skipped', 'the user no longer exists'],
      ['webhook:w-missing', 'skipped', 'the webhook no longer exists'],
    ]);
  });
});

describe('the wait between attempts', () => {
  it('doubles after each failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 30_000, 600_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
  });
});
