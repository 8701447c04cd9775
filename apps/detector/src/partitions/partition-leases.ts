import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { returnedRows } from '#app/db';
import { handoffPartition } from '#app/handoff';
import { rootLogger, type Logger } from '#app/logging';
import { rowsOf, type Sql } from '../detection/detection.store.js';

/** Told, in order, what the detector gained and lost; each call is awaited before the next. */
export interface LeaseListener {
  /** Partitions just taken, with their tokens: whatever was known of their cars may be stale. */
  gained(leases: ReadonlyMap<number, string>): Promise<void>;
  /** Partitions no longer held, or about to be released once this resolves. */
  lost(partitions: number[]): Promise<void>;
}

/** The SQLSTATE detector_leases_held raises when a commit would write for a partition held by another detector. */
export const LEASE_LOST = 'OVL01';

export function isLeaseLost(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === LEASE_LOST;
}

/** How many partitions each of `live` detectors aims at: all of them are held when every one holds its share. */
export function fairShare(partitions: number, live: number): number {
  return Math.ceil(partitions / Math.max(1, live));
}

/** A statement's list of partitions and tokens, in partition order (the order every lock on lease rows follows). */
export function leaseArrays(leases: ReadonlyMap<number, string>, partitions?: Iterable<number>) {
  const list = [...(partitions ?? leases.keys())].sort((a, b) => a - b);
  return { partitions: list, tokens: list.map((p) => leases.get(p)!) };
}

/**
 * The detector's share of the cars: leases in `detector_leases` on partitions of the cars (a stable hash of the
 * car's id, the same as the gateway's hand-off topics), renewed every third of the lease time. Each detector
 * aims at an equal share of the partitions among the detectors alive; one holding more releases the surplus
 * (after its listeners have let go), one holding less takes partitions whose lease ran out or was released. So a
 * second detector gets half the cars within a few renewals, and the cars of one that died are taken over once
 * its leases run out. A commit proves its leases with `fence` (see the migration).
 */
@Injectable()
export class PartitionLeases {
  /** This detector's name in the lease table: host, process and a random part (two in one process differ). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly partitions: number;
  private readonly leaseMs: number;
  private readonly log: Logger;
  /** What the last renewal or take confirmed: partition → token. */
  private held = new Map<number, string>();
  /** Partitions being let go: the listeners are told first, the lease is released after. */
  private readonly releasing = new Set<number>();
  /** Until this local time the leases held are surely still ours (the lease time after the renewal was sent). */
  private validUntil = 0;
  private readonly listeners: LeaseListener[] = [];
  /** Listener calls, in order. */
  private notifying: Promise<void> = Promise.resolve();
  private ticking: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.partitions = config.detector.partitions;
    this.leaseMs = config.detector.leaseSeconds * 1000;
    this.log = rootLogger(config.logLevel).child({ component: 'detector-leases', owner: this.owner });
    this.log.level = config.logLevel;
  }

  listen(listener: LeaseListener): void {
    this.listeners.push(listener);
  }

  partitionOf(vehicleId: string): number {
    return handoffPartition(vehicleId, this.partitions);
  }

  /** The partitions held, as the lease table last confirmed. */
  heldPartitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Prepares the lease table for this partition count, takes this detector's share and tells the listeners. */
  async start(): Promise<void> {
    await this.prepareTable();
    await this.tick();
    await this.notifying;
    this.timer = setInterval(() => this.checkSoon(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** Renews, balances and takes now (also when a commit found a lease gone). */
  checkSoon(): void {
    if (this.stopped) return;
    if (Date.now() > this.validUntil && this.held.size > 0) {
      // Renewals fail or hang: past the lease time another detector may hold these partitions.
      this.log.warn(
        { partitions: this.heldPartitions() },
        'letting go of partitions whose leases could not be renewed',
      );
      this.forget(this.heldPartitions());
    }
    if (this.ticking) {
      // What prompted this call may have happened after the running tick read the table.
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.log.warn({ err }, 'partition leases could not be renewed; retrying'))
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.checkSoon();
        }
      });
  }

  /** Releases every lease at once (the listeners have saved what they hold), so others take over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.notifying;
    await this.db.query(
      `UPDATE detector_leases SET owner = NULL, expires_at = '-infinity'
        WHERE partition IN (SELECT partition FROM detector_leases WHERE owner = $1 ORDER BY partition FOR UPDATE)`,
      [this.owner],
    );
    await this.db.query(`DELETE FROM detector_instances WHERE owner = $1`, [this.owner]);
    if (this.held.size > 0) this.log.info({ partitions: this.heldPartitions() }, 'released partitions');
    this.held = new Map();
  }

  /**
   * A statement that fails the transaction unless this detector still holds these leases, and keeps them from
   * being taken until the transaction ends. `literal` quotes the owner for statements sent as plain text.
   */
  fence(
    leases: ReadonlyMap<number, string>,
    partitions: Iterable<number>,
    literal?: (value: string) => string,
  ): { sql: string; params: unknown[] } {
    const { partitions: list, tokens } = leaseArrays(leases, partitions);
    if (literal) {
      return {
        sql: `SELECT detector_leases_held(${literal(this.owner)}, '{${list.join(',')}}'::int[], '{${tokens.join(',')}}'::bigint[])`,
        params: [],
      };
    }
    return { sql: `SELECT detector_leases_held($1, $2::int[], $3::bigint[])`, params: [this.owner, list, tokens] };
  }

  /** Creates the partitions' rows, or renumbers them when no detector holds any lease of another count. */
  private async prepareTable(): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query('LOCK TABLE detector_leases IN SHARE ROW EXCLUSIVE MODE');
      const counts = rowsOf<{ partitions: number; rows: number; held: number }>(
        await m.query(
          `SELECT partitions, count(*)::int AS rows, count(*) FILTER (WHERE expires_at > now())::int AS held
             FROM detector_leases GROUP BY partitions`,
        ),
      );
      const others = counts.filter((c) => c.partitions !== this.partitions);
      if (others.some((c) => c.held > 0)) {
        throw new Error(
          `DETECTOR_PARTITIONS is ${this.partitions}, but running detectors share the cars in ${others[0].partitions} ` +
            'partitions: give every detector and gateway the same DETECTOR_PARTITIONS (to change it, stop every detector first)',
        );
      }
      if (others.length > 0) {
        await m.query('DELETE FROM detector_leases WHERE partitions <> $1', [this.partitions]);
        this.log.warn(
          { from: others.map((c) => c.partitions), to: this.partitions },
          'the cars are now shared in a different number of partitions',
        );
      }
      await m.query(
        `INSERT INTO detector_leases (partition, partitions) SELECT p, $1 FROM generate_series(0, $1 - 1) p
         ON CONFLICT (partition) DO NOTHING`,
        [this.partitions],
      );
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const sent = Date.now();
    const db: Sql = this.db;
    try {
      // Alive, and how many others are: the share this detector aims at.
      const [{ others }] = rowsOf<{ others: number }>(
        await db.query(
          `WITH me AS (
             INSERT INTO detector_instances (owner, partitions, seen_until)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (owner) DO UPDATE SET partitions = excluded.partitions, seen_until = excluded.seen_until
           )
           SELECT count(*)::int AS others FROM detector_instances
            WHERE owner <> $1 AND partitions = $2 AND seen_until > now()`,
          [this.owner, this.partitions, this.leaseMs / 1000],
        ),
      );
      const mine = leaseArrays(this.held);
      const renewed = new Set(
        returnedRows<{ partition: number }>(
          await db.query(
            `UPDATE detector_leases l SET expires_at = now() + make_interval(secs => $4)
               FROM (SELECT l2.partition FROM detector_leases l2
                       JOIN unnest($2::int[], $3::bigint[]) AS h(partition, token)
                         ON l2.partition = h.partition AND l2.token = h.token AND l2.owner = $1
                      ORDER BY l2.partition FOR UPDATE OF l2) mine
              WHERE l.partition = mine.partition
             RETURNING l.partition`,
            [this.owner, mine.partitions, mine.tokens, this.leaseMs / 1000],
          ),
        ).map((r) => r.partition),
      );
      this.validUntil = sent + this.leaseMs;
      // (A partition released meanwhile is no longer this detector's to lose.)
      const gone = mine.partitions.filter(
        (p, i) => !renewed.has(p) && this.held.get(p) === mine.tokens[i] && !this.releasing.has(p),
      );
      if (gone.length > 0) {
        this.log.warn({ partitions: gone }, 'lost partitions: their leases ran out and another detector took them');
        this.forget(gone);
      }

      const share = fairShare(this.partitions, others + 1);
      const keeping = [...this.held.keys()].filter((p) => !this.releasing.has(p));
      if (keeping.length > share) {
        // The surplus goes from the top, so detectors keep the low partitions they have (fewer moves).
        this.release(keeping.sort((a, b) => b - a).slice(0, keeping.length - share));
      } else if (keeping.length < share && this.releasing.size === 0) {
        await this.take(share - keeping.length);
      }
      await db.query(`DELETE FROM detector_instances WHERE seen_until < now() - interval '1 day'`);
    } catch (error) {
      if (Date.now() > this.validUntil && this.held.size > 0) {
        this.log.warn(
          { partitions: this.heldPartitions() },
          'letting go of partitions whose leases could not be renewed',
        );
        this.forget(this.heldPartitions());
      }
      throw error;
    }
  }

  private async take(count: number): Promise<void> {
    const taken = returnedRows<{ partition: number; token: string }>(
      await this.db.query(
        `UPDATE detector_leases l
            SET owner = $1, token = nextval('detector_lease_tokens'), expires_at = now() + make_interval(secs => $4),
                taken_at = now()
           FROM (SELECT partition FROM detector_leases WHERE partitions = $2 AND expires_at <= now()
                  ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED) free
          WHERE l.partition = free.partition
         RETURNING l.partition, l.token::text AS token`,
        [this.owner, this.partitions, count, this.leaseMs / 1000],
      ),
    );
    if (taken.length === 0) return;
    const gained = new Map(taken.map((t) => [t.partition, t.token]));
    for (const [p, token] of gained) this.held.set(p, token);
    this.log.info({ partitions: leaseArrays(gained).partitions }, 'took partitions');
    this.tell((l) => l.gained(gained));
  }

  /** Tells the listeners to let go, then releases the leases (while the listeners work, they are renewed). */
  private release(partitions: number[]): void {
    for (const p of partitions) this.releasing.add(p);
    this.tell(async (l) => l.lost(partitions));
    this.notifying = this.notifying.then(async () => {
      const leases = leaseArrays(
        this.held,
        partitions.filter((p) => this.held.has(p)),
      );
      try {
        if (!this.stopped && leases.partitions.length > 0) {
          await this.db.query(
            `UPDATE detector_leases l SET owner = NULL, expires_at = '-infinity'
               FROM (SELECT l2.partition FROM detector_leases l2
                       JOIN unnest($2::int[], $3::bigint[]) AS h(partition, token)
                         ON l2.partition = h.partition AND l2.token = h.token AND l2.owner = $1
                      ORDER BY l2.partition FOR UPDATE OF l2) mine
              WHERE l.partition = mine.partition`,
            [this.owner, leases.partitions, leases.tokens],
          );
          this.log.info({ partitions: leases.partitions }, 'released partitions to share the cars');
        }
      } catch (err) {
        // Not released: the lease runs out by itself.
        this.log.warn({ err, partitions: leases.partitions }, 'could not release partitions');
      } finally {
        for (const p of partitions) {
          this.held.delete(p);
          this.releasing.delete(p);
        }
      }
    });
  }

  private forget(partitions: number[]): void {
    for (const p of partitions) {
      this.held.delete(p);
      this.releasing.delete(p);
    }
    this.tell((l) => l.lost(partitions));
  }

  private tell(call: (listener: LeaseListener) => Promise<void>): void {
    this.notifying = this.notifying.then(async () => {
      for (const listener of this.listeners) {
        await call(listener).catch((err: unknown) => this.log.error({ err }, 'a partition change was not applied'));
      }
    });
  }
}
