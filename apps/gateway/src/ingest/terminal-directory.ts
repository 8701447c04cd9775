import type pg from 'pg';

export interface TerminalEntry {
  active: boolean;
  /** The car of the terminal's open binding; null while no car is bound. */
  vehicleId: string | null;
}

const REFRESH_MS = 10_000;

/**
 * Registered terminals and their open bindings, cached in memory and refreshed every 10 s; an id not in the
 * cache is looked up once before its messages are rejected (and not again until the next refresh).
 */
export class TerminalDirectory {
  private entries = new Map<string, TerminalEntry>();
  private missing = new Set<string>();
  private loadedAt = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  get(terminalId: string): TerminalEntry | undefined {
    return this.entries.get(terminalId);
  }

  /** Makes sure every id is either cached or known to be missing; runs on the flush's connection. */
  async prepare(db: pg.ClientBase, terminalIds: Iterable<string | null>): Promise<void> {
    if (this.now() - this.loadedAt >= REFRESH_MS) {
      const { rows } = await db.query<{ terminal_id: string; active: boolean; vehicle_id: string | null }>(LOOKUP);
      this.entries = new Map(rows.map((r) => [r.terminal_id, { active: r.active, vehicleId: r.vehicle_id }]));
      this.missing.clear();
      this.loadedAt = this.now();
      return;
    }
    // Nearly every id of a flush is cached: only the others are collected (no set of the whole flush's ids).
    let unseen: Set<string> | undefined;
    for (const id of terminalIds) {
      if (id === null || this.entries.has(id) || this.missing.has(id)) continue;
      (unseen ??= new Set()).add(id);
    }
    if (!unseen) return;
    const { rows } = await db.query<{ terminal_id: string; active: boolean; vehicle_id: string | null }>(
      `${LOOKUP} WHERE t.terminal_id = ANY($1::text[])`,
      [[...unseen]],
    );
    for (const r of rows) this.entries.set(r.terminal_id, { active: r.active, vehicleId: r.vehicle_id });
    for (const id of unseen) if (!this.entries.has(id)) this.missing.add(id);
  }
}

const LOOKUP = `
  SELECT t.terminal_id, t.active, b.vehicle_id
  FROM terminals t
  LEFT JOIN terminal_bindings b ON b.terminal_id = t.terminal_id AND b.valid_to IS NULL`;
