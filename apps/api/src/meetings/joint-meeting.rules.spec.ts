import {
  attendanceChanges,
  ballotRefusal,
  decide,
  decisionRefusal,
  hasQuorum,
  outcome,
  presentMembers,
  quorumNeeded,
  tally,
} from './joint-meeting.rules.js';

describe('joint meeting rules', () => {
  it.each([
    [1, 0, false],
    [1, 1, true],
    [4, 2, false],
    [4, 3, true],
    [5, 2, false],
    [5, 3, true],
    [7, 4, true],
  ])('with %i members and %i present, quorum is %s (more than half)', (members, present, expected) => {
    expect(hasQuorum(members, present)).toBe(expected);
    expect(present >= quorumNeeded(members)).toBe(expected);
  });

  it.each([
    [3, 2, 'approved'],
    [3, 1, 'rejected'],
    [4, 2, 'rejected'],
    [4, 3, 'approved'],
    [5, 3, 'approved'],
    [2, 1, 'rejected'],
  ])('with %i present and %i approving, the request is %s (a tie rejects)', (present, approvals, expected) => {
    expect(decide(present, approvals)).toBe(expected);
  });
});

describe('attendance, ballots and decisions', () => {
  const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
  const at = (hhmm: string) => new Date(`2026-12-03T${hhmm}:00+08:00`);

  it('reads who is in the room from timed arrivals and departures, whatever order they were recorded in', () => {
    const events = [
      { userId: 'm1', present: true, at: at('09:00') },
      { userId: 'm2', present: true, at: at('09:00') },
      { userId: 'm3', present: true, at: at('09:40') }, // late arrival, recorded first below would not matter
      { userId: 'm2', present: false, at: at('10:30') }, // early leave
      { userId: 'm4', present: false, at: at('10:00') },
      { userId: 'm4', present: true, at: at('09:05') }, // recorded after the departure, happened before it
    ];
    expect([...presentMembers(events)].sort()).toEqual(['m1', 'm3']);
    expect(attendanceChanges(new Set(['m1', 'm2']), new Set(['m1', 'm3']))).toEqual({ arrived: ['m3'], left: ['m2'] });
  });

  it.each([
    { who: 'a stranger', voter: 'x9', present: ['m1', 'm2', 'm3'], refusal: 'NOT_A_MEMBER' },
    { who: 'an absent member', voter: 'm4', present: ['m1', 'm2', 'm3'], refusal: 'NOT_PRESENT' },
    { who: 'a member present without quorum (2 of 5)', voter: 'm1', present: ['m1', 'm2'], refusal: 'NO_QUORUM' },
    { who: 'a member present with quorum (3 of 5)', voter: 'm1', present: ['m1', 'm2', 'm3'], refusal: null },
  ])('answers the ballot of $who with refusal $refusal', ({ voter, present, refusal }) => {
    expect(ballotRefusal({ members, present: new Set(present), voter })).toBe(refusal);
  });

  it('decides only when everyone present voted or abstained, or with a reason for closing the vote', () => {
    const present = new Set(['m1', 'm2', 'm3', 'm4']);
    const partial = tally(members, present, [
      { userId: 'm1', vote: 'approve' },
      { userId: 'm2', vote: 'approve' },
      { userId: 'm3', vote: 'approve' },
    ]);
    expect(partial).toMatchObject({ present: 4, approve: 3, notVoted: 1, notVotedBy: ['m4'] });
    expect(decisionRefusal(partial)).toBe('VOTES_MISSING');
    expect(decisionRefusal(partial, '  ')).toBe('VOTES_MISSING');
    expect(decisionRefusal(partial, 'm4 declined to vote')).toBeNull();
    const full = tally(members, present, [
      { userId: 'm1', vote: 'approve' },
      { userId: 'm2', vote: 'approve' },
      { userId: 'm3', vote: 'reject' },
      { userId: 'm4', vote: 'abstain' },
    ]);
    expect(decisionRefusal(full)).toBeNull();
    expect(outcome(full, [])).toEqual({ decision: 'rejected', standardsBroken: [] }); // 2 of 4 is a tie
  });

  it('refuses to decide without quorum, even with a reason', () => {
    const t = tally(members, new Set(['m1', 'm2']), [{ userId: 'm1', vote: 'approve' }]);
    expect(decisionRefusal(t, 'closing')).toBe('NO_QUORUM');
  });

  it('sets aside the ballot of a member who left before the decision', () => {
    const t = tally(members, new Set(['m1', 'm2', 'm3']), [
      { userId: 'm1', vote: 'approve' },
      { userId: 'm2', vote: 'approve' },
      { userId: 'm3', vote: 'reject' },
      { userId: 'm5', vote: 'reject' },
    ]);
    expect(t).toMatchObject({ present: 3, approve: 2, reject: 1, setAside: 1, notVoted: 0 });
    expect(outcome(t, [])).toEqual({ decision: 'approved', standardsBroken: [] });
  });

  it('rejects a request that breaks a standard even when every member approves', () => {
    const t = tally(
      members,
      new Set(members),
      members.map((userId) => ({ userId, vote: 'approve' as const })),
    );
    expect(outcome(t, ['price', 'engine'])).toEqual({ decision: 'rejected', standardsBroken: ['price', 'engine'] });
  });
});
