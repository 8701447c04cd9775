/**
 * The life of a violation case (DESIGN §4), in one place:
 * open → investigating → dismissed (reason required) | confirmed → outcome_recorded → rectified → closed.
 */
export const CASE_STATUSES = [
  'open',
  'investigating',
  'dismissed',
  'confirmed',
  'outcome_recorded',
  'rectified',
  'closed',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const NEXT_STATUSES: { readonly [s in CaseStatus]: readonly CaseStatus[] } = {
  open: ['investigating'],
  investigating: ['dismissed', 'confirmed'],
  dismissed: [],
  confirmed: ['outcome_recorded'],
  outcome_recorded: ['rectified'],
  rectified: ['closed'],
  closed: [],
};

/** Outcomes an inspector records, with the names the policy uses. */
export const OUTCOMES = {
  criticism_education: '批评教育',
  admonishment_talk: '诫勉谈话',
  public_notice: '通报',
  disciplinary_sanction: '纪律处分',
} as const;
export type Outcome = keyof typeof OUTCOMES;

/** Kinds of disciplinary sanction (党纪/政务处分). */
export const SANCTION_KINDS = {
  warning: '警告',
  serious_warning: '严重警告',
  demerit: '记过',
  major_demerit: '记大过',
  demotion: '降级',
  removal_from_post: '撤职',
  probation: '留党察看',
  expulsion: '开除',
} as const;
export type SanctionKind = keyof typeof SANCTION_KINDS;

export interface TransitionRequest {
  to: CaseStatus;
  reason?: string;
  outcome?: Outcome;
  sanctionKind?: SanctionKind;
  responsiblePerson?: string;
  rectificationNote?: string;
}

/** Column changes a transition makes besides the status. */
export interface CaseChanges {
  status: CaseStatus;
  dismissReason?: string;
  outcome?: Outcome;
  sanctionKind?: SanctionKind | null;
  responsiblePerson?: string;
  rectificationNote?: string;
}

export type TransitionPlan =
  | { ok: true; changes: CaseChanges }
  | { ok: false; problem: 'not-allowed'; allowed: readonly CaseStatus[]; message: string }
  | { ok: false; problem: 'invalid'; errors: string[] };

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** Whether a case in `from` may move as requested, and what it then records. Pure. */
export function planTransition(from: CaseStatus, request: TransitionRequest): TransitionPlan {
  const allowed = NEXT_STATUSES[from];
  if (!allowed.includes(request.to)) {
    const next = allowed.length > 0 ? `allowed next: ${allowed.join(', ')}` : 'no transition is allowed from it';
    return {
      ok: false,
      problem: 'not-allowed',
      allowed,
      message: `a case that is ${from} cannot become ${request.to}; ${next}`,
    };
  }
  const errors: string[] = [];
  const onlyFor = (field: keyof TransitionRequest, target: CaseStatus) => {
    if (request[field] !== undefined && request.to !== target) {
      errors.push(`${field} applies only to a transition to ${target}`);
    }
  };
  onlyFor('outcome', 'outcome_recorded');
  onlyFor('responsiblePerson', 'outcome_recorded');
  onlyFor('sanctionKind', 'outcome_recorded');
  onlyFor('rectificationNote', 'rectified');

  const changes: CaseChanges = { status: request.to };
  switch (request.to) {
    case 'dismissed':
      if (!present(request.reason)) errors.push('reason is required to dismiss a case');
      else changes.dismissReason = request.reason.trim();
      break;
    case 'outcome_recorded':
      if (!request.outcome) errors.push(`outcome is required: one of ${Object.keys(OUTCOMES).join(', ')}`);
      if (!present(request.responsiblePerson)) errors.push('responsiblePerson is required to record an outcome');
      if (request.outcome === 'disciplinary_sanction' && !request.sanctionKind) {
        errors.push(
          `sanctionKind is required for disciplinary_sanction: one of ${Object.keys(SANCTION_KINDS).join(', ')}`,
        );
      }
      if (request.outcome && request.outcome !== 'disciplinary_sanction' && request.sanctionKind) {
        errors.push('sanctionKind applies only to the outcome disciplinary_sanction');
      }
      changes.outcome = request.outcome;
      changes.sanctionKind = request.outcome === 'disciplinary_sanction' ? request.sanctionKind : null;
      changes.responsiblePerson = request.responsiblePerson?.trim();
      break;
    case 'rectified':
      if (!present(request.rectificationNote)) errors.push('rectificationNote is required to mark a case rectified');
      else changes.rectificationNote = request.rectificationNote.trim();
      break;
    default:
      break;
  }
  return errors.length > 0 ? { ok: false, problem: 'invalid', errors } : { ok: true, changes };
}
