/**
 * The joint meeting's rules in one place, as pure functions of what was recorded.
 * Quorum: more than half of the members are present. Approval: more than half of those present vote
 * approve; a tie (or abstentions) rejects. Attendance is a timed record of arrivals and departures that may
 * change until an item is decided; a ballot is taken only while a quorum is present; an item is decided
 * only when every member present has voted or abstained, or with a recorded reason for closing the vote.
 * A request that breaks a standard (price, engine, quota) can only be rejected.
 */
export function quorumNeeded(members: number): number {
  return Math.floor(members / 2) + 1;
}

export function hasQuorum(members: number, present: number): boolean {
  return present >= quorumNeeded(members);
}

export function decide(present: number, approvals: number): 'approved' | 'rejected' {
  return approvals * 2 > present ? 'approved' : 'rejected';
}

export type Ballot = 'approve' | 'reject' | 'abstain';

/** One arrival (`present: true`) or departure of a member, at the time it happened. */
export interface AttendanceEvent {
  userId: string;
  present: boolean;
  at: Date;
}

/** Who is in the room: each member's latest event by time (ties: the later record); no event = absent. */
export function presentMembers(events: readonly AttendanceEvent[]): Set<string> {
  const latest = new Map<string, AttendanceEvent>();
  for (const event of events) {
    const before = latest.get(event.userId);
    if (!before || event.at.getTime() >= before.at.getTime()) latest.set(event.userId, event);
  }
  return new Set([...latest.values()].filter((e) => e.present).map((e) => e.userId));
}

/** The arrivals and departures that turn the room `before` into `after`. */
export function attendanceChanges(
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
): { arrived: string[]; left: string[] } {
  return {
    arrived: [...after].filter((u) => !before.has(u)).sort(),
    left: [...before].filter((u) => !after.has(u)).sort(),
  };
}

export type BallotRefusal = 'NOT_A_MEMBER' | 'NOT_PRESENT' | 'NO_QUORUM';

/** Why a member's ballot cannot be taken now, or null when it can. */
export function ballotRefusal(input: {
  members: readonly string[];
  present: ReadonlySet<string>;
  voter: string;
}): BallotRefusal | null {
  if (!input.members.includes(input.voter)) return 'NOT_A_MEMBER';
  if (!input.present.has(input.voter)) return 'NOT_PRESENT';
  if (!hasQuorum(input.members.length, input.present.size)) return 'NO_QUORUM';
  return null;
}

export interface Tally {
  members: number;
  present: number;
  approve: number;
  reject: number;
  abstain: number;
  notVoted: number;
  /** Members present who have not voted. */
  notVotedBy: string[];
  /** Ballots of members who left before the decision: kept in the record, not counted. */
  setAside: number;
}

/** Counts the ballots of the members present at the decision. */
export function tally(
  members: readonly string[],
  present: ReadonlySet<string>,
  ballots: readonly { userId: string; vote: Ballot }[],
): Tally {
  const counted = ballots.filter((b) => present.has(b.userId));
  const voted = new Set(counted.map((b) => b.userId));
  const count = (v: Ballot) => counted.filter((b) => b.vote === v).length;
  return {
    members: members.length,
    present: present.size,
    approve: count('approve'),
    reject: count('reject'),
    abstain: count('abstain'),
    notVoted: present.size - voted.size,
    notVotedBy: [...present].filter((u) => !voted.has(u)).sort(),
    setAside: ballots.length - counted.length,
  };
}

export type DecisionRefusal = 'NO_QUORUM' | 'VOTES_MISSING';

/** Why an item cannot be decided now, or null. A reason to close the vote lets it go without every ballot. */
export function decisionRefusal(t: Tally, closeVoteReason?: string | null): DecisionRefusal | null {
  if (!hasQuorum(t.members, t.present)) return 'NO_QUORUM';
  if (t.notVoted > 0 && !closeVoteReason?.trim()) return 'VOTES_MISSING';
  return null;
}

export type Standard = 'price' | 'engine' | 'quota';

/** The meeting's decision: a request that breaks a standard can only be rejected, whatever the ballots. */
export function outcome(
  t: Tally,
  standardsBroken: readonly Standard[],
): { decision: 'approved' | 'rejected'; standardsBroken: Standard[] } {
  if (standardsBroken.length > 0) return { decision: 'rejected', standardsBroken: [...standardsBroken] };
  return { decision: decide(t.present, t.approve), standardsBroken: [] };
}
