import { PolicyCalendar, OFFICIAL_SCHEDULES, scheduleDays } from '#app/calendar';
import { drive, envOf, runRule, track } from './rule-test-kit.js';
import { offHoursRule } from './rules/off-hours.rule.js';
import type { Rule } from './rule.types.js';

/** The shipped 2026 schedule only: 2027's notice is not loaded. */
function calendar2026Only(): PolicyCalendar {
  const schedule = OFFICIAL_SCHEDULES.find((s) => s.year === 2026)!;
  return new PolicyCalendar(scheduleDays(schedule), [2026]);
}

describe('findings judged without the year’s official holiday schedule', () => {
  const rule = offHoursRule as unknown as Rule<unknown>;

  it('are marked as judged without it (2027, no notice loaded)', () => {
    const env = envOf();
    env.ctx.calendar = calendar2026Only();
    // Saturday 2 January 2027, 15:00 local: a weekend day by the plain rule, whatever the notice will say.
    const { opened } = runRule(rule, track('2027-01-02 15:00:00', drive(19, 10, 40)), env);
    expect(opened).toHaveLength(1);
    expect(opened[0].finding.evidence.calendar).toEqual({
      year: 2027,
      confirmed: false,
      note: 'no official holiday schedule was loaded for 2027',
    });
  });

  it('carry no mark when the schedule of their year is loaded (2026)', () => {
    const env = envOf();
    env.ctx.calendar = calendar2026Only();
    const { opened } = runRule(rule, track('2026-11-28 15:00:00', drive(19, 10, 40)), env);
    expect(opened).toHaveLength(1);
    expect(opened[0].finding.evidence).not.toHaveProperty('calendar');
  });
});
