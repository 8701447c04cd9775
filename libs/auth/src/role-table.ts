import { ROLES, type Role } from '#app/db';

/**
 * What each role may do: the one table the guard enforces, the OpenAPI document describes and
 * docs/roles.md prints. A route names one of these duties (`@May('cases.work')`); nobody passes a route
 * that names none, and `admin` passes only where a duty lists it. IT administration (accounts, settings,
 * the registry) and discipline work (cases, audit marks, pre-reviews, meeting decisions) are kept apart:
 * a person who does both holds both roles.
 */
export const ROLE_TABLE = {
  'own-account': { roles: ROLES, what: 'see who they are signed in as; change their own password' },
  accounts: { roles: ['admin'], what: 'create, change and disable users; reset passwords; issue and revoke API keys' },
  settings: { roles: ['admin'], what: 'change the audit grace period and the purchase price and engine standards' },
  'registry.read': {
    roles: ['centre', 'inspector', 'finance', 'admin'],
    what: 'read units, cars, terminals and terminal bindings',
  },
  'vehicles.read': {
    roles: ['centre', 'inspector', 'finance', 'admin', 'unit'],
    what: 'read cars and their terminals (a unit clerk: their own unit’s cars only)',
  },
  'registry.write': {
    roles: ['centre', 'admin'],
    what: 'register units, cars and terminals; bind and unbind terminals; decommission cars',
  },
  'fences.read': { roles: ['centre', 'inspector', 'admin'], what: 'read fences' },
  'fences.write': { roles: ['centre', 'admin'], what: 'draw, import, change and delete fences' },
  'calendar.read': { roles: ROLES, what: 'read the working calendar of a year' },
  'calendar.write': { roles: ['centre', 'admin'], what: 'load a year’s holiday schedule and working periods' },
  'fleet.watch': { roles: ['centre', 'inspector', 'admin'], what: 'see the live fleet and a car’s track' },
  'terminals.diagnose': { roles: ['centre', 'admin'], what: 'read the messages the gateway rejected' },
  'terminals.command': {
    roles: ['centre'],
    what: 'send terminals a text or voice prompt, a position query, or vehicle control (confirmed by a colleague)',
  },
  'trips.read': { roles: ['centre', 'inspector'], what: 'read a car’s trips' },
  'violations.read': { roles: ['centre', 'inspector'], what: 'read violations found by the detector' },
  'cases.read': { roles: ['inspector', 'centre'], what: 'read cases, their attachments and evidence files' },
  'cases.work': {
    roles: ['inspector'],
    what: 'move cases through their states, assign them, add notes, attachments and evidence files',
  },
  'history.read': { roles: ['inspector'], what: 'read the hash-chained history' },
  'history.verify': { roles: ['inspector', 'admin'], what: 'verify the history chain and the evidence files' },
  'dispatch.request': { roles: ['centre', 'unit'], what: 'request, cancel and end dispatch orders' },
  'dispatch.read': { roles: ['centre', 'unit', 'inspector'], what: 'read dispatch orders' },
  'dispatch.decide': { roles: ['centre'], what: 'approve or reject dispatch orders' },
  'payment.check': { roles: ['finance'], what: 'ask the payment gate whether an expense may be paid' },
  'payment.read': { roles: ['finance', 'centre', 'inspector'], what: 'read past payment-gate checks' },
  'audits.read': { roles: ['centre', 'inspector'], what: 'read weekly audits and their settings' },
  'audits.draw': { roles: ['centre'], what: 'draw the week’s audit' },
  'audits.mark': { roles: ['inspector'], what: 'mark audit items compliant or issue found' },
  'audits.verify': {
    roles: ['centre', 'inspector', 'finance', 'member', 'unit'],
    what: 'check that a week’s draw follows from its seed and roster',
  },
  'stats.read': { roles: ['centre', 'inspector'], what: 'read the oversight statistics' },
  'reports.activity': {
    roles: ['centre', 'inspector', 'unit'],
    what: 'make activity reports of cars: trips, stops, distance, off-hours distance, findings (a unit clerk: their own unit’s cars only)',
  },
  'reports.oversight': {
    roles: ['centre', 'inspector'],
    what: 'make the weekly audit report and the monthly oversight report for the district leaders',
  },
  'reports.jobs': {
    roles: ['centre', 'inspector', 'unit'],
    what: 'queue reports as jobs, follow them and download their files (each kind as its duty allows; a unit clerk: their own unit’s)',
  },
  'purchases.request': {
    roles: ['unit'],
    what: 'request a car purchase for their unit; withdraw it before its meeting',
  },
  'purchases.read': { roles: ['unit', 'centre', 'member', 'inspector'], what: 'read purchase requests and standards' },
  'purchases.pre-review': { roles: ['centre'], what: 'pre-review purchase requests' },
  'meetings.read': { roles: ['centre', 'member', 'inspector'], what: 'read joint meetings' },
  'meetings.run': {
    roles: ['centre'],
    what: 'convene, adjourn and cancel joint meetings; keep the agenda, attendance and minutes; record decisions',
  },
  'meetings.vote': { roles: ['member'], what: 'vote on agenda items of a meeting they attend' },
  'notifications.manage': {
    roles: ['centre', 'admin'],
    what: 'set who hears about which finding and how: notification rules, webhooks, contacts; re-send dead letters',
  },
  'notifications.read': {
    roles: ['centre', 'inspector', 'admin'],
    what: 'read the notification rules, webhooks (never their secrets), contacts and the log of messages sent',
  },
} as const satisfies Record<string, { roles: readonly Role[]; what: string }>;

export type Duty = keyof typeof ROLE_TABLE;

export const DUTIES = Object.keys(ROLE_TABLE) as Duty[];

export function rolesFor(duty: Duty): readonly Role[] {
  return ROLE_TABLE[duty].roles;
}

/** docs/roles.md, printed from the table; a test keeps the file and the table the same. */
export function renderRoleTable(): string {
  const head = `| duty | what it allows | ${ROLES.join(' | ')} |`;
  const rule = `|---|---|${ROLES.map(() => ':-:').join('|')}|`;
  const rows = DUTIES.map((duty) => {
    const { roles, what } = ROLE_TABLE[duty];
    const marks = ROLES.map((role) => ((roles as readonly Role[]).includes(role) ? '✓' : ''));
    return `| \`${duty}\` | ${what} | ${marks.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}
