import { decide, hasQuorum, quorumNeeded } from './joint-meeting.rules.js';

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
