import type { FindingKind, RuleName } from '#app/rules';

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * How much each rule's violation matters to the people told about it. High: the car is where it must not be,
 * or its terminal was tampered with; medium: misuse to follow up; low: what may wait for the next look at
 * the dashboard. A suspicion (the lunchtime restaurant stay) is always low: it asks for a review, not action.
 */
export const RULE_SEVERITY: Record<RuleName, Severity> = {
  leaving_jurisdiction: 'high',
  forbidden_venue: 'high',
  holiday_sealing: 'high',
  terminal_tampering: 'high',
  off_hours: 'medium',
  designated_parking: 'medium',
  speeding: 'medium',
  trip_without_order: 'medium',
  terminal_silent: 'medium',
  driver_mismatch: 'medium',
  lunchtime_restaurant: 'low',
};

export function severityOf(rule: string, kind: FindingKind): Severity {
  if (kind === 'suspicion') return 'low';
  return RULE_SEVERITY[rule as RuleName] ?? 'medium';
}

export const atLeast = (severity: Severity, minimum: Severity): boolean =>
  SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
