import type { EntityManager } from 'typeorm';
import type { HistoryService } from '#app/history';
import type { Finding } from '#app/rules';

/** A prompt is for a car still there: a finding from older data (a blind-area upload) sends none. */
export const PROMPT_FRESH_MS = 15 * 60_000;
const ACTOR = 'system:detector';

/**
 * Queues the forbidden-venue rule's voice prompt for the car's terminal (sent by the gateway over JT/T 808,
 * recorded in the history like any command). Returns whether one was queued.
 */
export async function queueVoicePrompt(
  m: EntityManager,
  history: HistoryService,
  finding: Finding,
  text: string,
  now: number,
): Promise<boolean> {
  if (!text || now - finding.end > PROMPT_FRESH_MS) return false;
  const rows = (await m.query(
    `INSERT INTO terminal_commands (vehicle_id, terminal_id, kind, params, reason, requested_by, status, expires_at)
     SELECT $1, b.terminal_id, 'text', $2, $3, $4, 'queued', now() + interval '10 minutes'
       FROM terminal_bindings b WHERE b.vehicle_id = $1 AND b.valid_to IS NULL
     RETURNING id, terminal_id`,
    [finding.vehicleId, { text, tts: true }, `forbidden venue ${finding.place ?? ''}`.trim(), ACTOR],
  )) as { id: string; terminal_id: string }[];
  const [row] = rows;
  if (!row) return false;
  await history.append(m, {
    entityType: 'terminal_command',
    entityId: row.id,
    action: 'requested',
    actor: ACTOR,
    data: {
      vehicleId: finding.vehicleId,
      terminalId: row.terminal_id,
      kind: 'text',
      params: { text, tts: true },
      rule: finding.rule,
    },
  });
  await m.query(`SELECT pg_notify('terminal_commands', $1)`, [row.terminal_id]);
  return true;
}
