import { CASE_STATUSES, NEXT_STATUSES, planTransition, type CaseStatus } from './case-workflow.js';

describe('case workflow', () => {
  const valid: [CaseStatus, CaseStatus][] = [
    ['open', 'investigating'],
    ['investigating', 'confirmed'],
    ['confirmed', 'outcome_recorded'],
    ['outcome_recorded', 'rectified'],
    ['rectified', 'closed'],
    ['investigating', 'dismissed'],
  ];

  it('allows exactly the transitions of the design', () => {
    const all = CASE_STATUSES.flatMap((from) => NEXT_STATUSES[from].map((to) => [from, to]));
    expect(all.sort()).toEqual([...valid].sort());
  });

  it.each(
    CASE_STATUSES.flatMap((from) =>
      CASE_STATUSES.filter((to) => !NEXT_STATUSES[from].includes(to)).map((to) => [from, to] as const),
    ),
  )('refuses %s → %s and names the allowed next states', (from, to) => {
    const plan = planTransition(from, { to });
    expect(plan).toMatchObject({ ok: false, problem: 'not-allowed', allowed: NEXT_STATUSES[from] });
    if (!plan.ok && plan.problem === 'not-allowed') {
      for (const next of NEXT_STATUSES[from]) expect(plan.message).toContain(next);
    }
  });

  it('needs a reason to dismiss', () => {
    expect(planTransition('investigating', { to: 'dismissed', reason: '  ' })).toEqual({
      ok: false,
      problem: 'invalid',
      errors: ['reason is required to dismiss a case'],
    });
    expect(planTransition('investigating', { to: 'dismissed', reason: 'approved order found' })).toEqual({
      ok: true,
      changes: { status: 'dismissed', dismissReason: 'approved order found' },
    });
  });

  it('needs an outcome and a responsible person, and a sanction kind only for a disciplinary sanction', () => {
    const missing = planTransition('confirmed', { to: 'outcome_recorded' });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problem === 'invalid' && missing.errors).toHaveLength(2);
    const noKind = planTransition('confirmed', {
      to: 'outcome_recorded',
      outcome: 'disciplinary_sanction',
      responsiblePerson: '张三',
    });
    expect(noKind).toMatchObject({ ok: false, errors: [expect.stringMatching(/^sanctionKind is required/)] });
    const strayKind = planTransition('confirmed', {
      to: 'outcome_recorded',
      outcome: 'admonishment_talk',
      sanctionKind: 'warning',
      responsiblePerson: '张三',
    });
    expect(strayKind).toMatchObject({
      ok: false,
      errors: ['sanctionKind applies only to the outcome disciplinary_sanction'],
    });
    expect(
      planTransition('confirmed', {
        to: 'outcome_recorded',
        outcome: 'disciplinary_sanction',
        sanctionKind: 'demerit',
        responsiblePerson: ' 张三 ',
      }),
    ).toEqual({
      ok: true,
      changes: {
        status: 'outcome_recorded',
        outcome: 'disciplinary_sanction',
        sanctionKind: 'demerit',
        responsiblePerson: '张三',
      },
    });
  });

  it('needs a rectification note to mark a case rectified and refuses fields of other steps', () => {
    expect(planTransition('outcome_recorded', { to: 'rectified' })).toMatchObject({ ok: false, problem: 'invalid' });
    expect(planTransition('open', { to: 'investigating', rectificationNote: 'x' })).toEqual({
      ok: false,
      problem: 'invalid',
      errors: ['rectificationNote applies only to a transition to rectified'],
    });
  });
});
