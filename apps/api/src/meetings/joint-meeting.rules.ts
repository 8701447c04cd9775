/**
 * The joint meeting's decision rules in one place.
 * Quorum: more than half of the members are present. Approval: more than half of those present vote
 * approve; a tie (or abstentions) rejects.
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
