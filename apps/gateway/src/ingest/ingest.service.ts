import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { INFRA, type Infrastructure } from '#app/infra';
import { rootLogger, type Logger } from '#app/logging';
import { decodePositionMessage } from '#app/telemetry';
import {
  foldLive,
  packedAgeMs,
  restoreLive,
  upsertLive,
  writeFlush,
  type FlushOutcome,
  type LiveStates,
  type PendingMessage,
} from './flush-writer.js';
import { HandoffPublisher } from './handoff-publisher.js';
import { IngestMetrics } from './ingest-metrics.js';
import { ManualAckSubscriber, type InboundMessage } from './manual-ack-subscriber.js';
import { BROKER_DROPPED_TOPIC, ingestSubscriptions, retiringSubscriptions } from './subscriptions.js';
import { TerminalDirectory } from './terminal-directory.js';

const METRICS_LOG_MS = Number(process.env.INGEST_METRICS_LOG_MS ?? 30_000);
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/**
 * How often vehicle_live is written: at most every LIVE_BEHIND_MS while the gateway is behind (more is
 * waiting), every LIVE_CAUGHT_UP_MS otherwise — and with every flush that carries a status message (a link state
 * is acknowledged only once it is stored). The positions table is the record; the live table is the map's view of
 * it, at most this far behind. The periodic write is a statement of its own on its own connection, beside the
 * flushes: inside a flush it held up every flush behind it (a 400-car upsert took 12–20 ms, twice a second, on
 * the path of every position to the detector). While behind, it upserts about one row per terminal (10,000 in
 * the benchmark); every 2 s that took a quarter of the database time of the positions, every 5 s a tenth.
 */
const LIVE_BEHIND_MS = 5000;
const LIVE_CAUGHT_UP_MS = 500;
/**
 * Flushes in the database at once. A second one starts only while a full batch waits behind the first (the
 * gateway is behind), so the next batch's COPY overlaps the previous one's commit and acknowledgements;
 * otherwise the next batch gathers while one flush runs. Commits are acknowledged and handed off in the
 * order their flushes began, whatever order the database finishes them in.
 */
const PARALLEL_FLUSHES = 2;
/** How long a stop waits for the database to take what is buffered. */
const DRAIN_MAX_MS = 20_000;
/**
 * A retiring gateway is done when, with its filters given up, nothing has come for this long and nothing is
 * uncommitted: the broker sends what it holds for a session as fast as acknowledgements free its window.
 */
const RETIRE_QUIET_MS = 3_000;

/** What a retiring gateway took over from its session before leaving the group. */
export interface RetireSummary {
  messages: number;
  accepted: number;
}

/** One flush on its way through the database. */
interface Flight {
  /** What was written, in order (a batch the database refuses for its content is written in parts). */
  written: { batch: PendingMessage[]; outcome: FlushOutcome }[];
  done: boolean;
  /** Writes the live state: runs with no other flush beside it, so live rows are written in message order. */
  exclusive: boolean;
  /** Settles when the flush has finished (retries included). */
  finished?: Promise<void>;
}

/**
 * Terminals → positions table. Messages are decoded as they arrive, written in batches (by size or after
 * flushMs), and acknowledged to the broker only after their batch is committed. While maxUncommitted
 * messages wait for the database, reading from the broker stops (the broker's queue is the buffer).
 */
@Injectable()
export class IngestService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly metrics = new IngestMetrics();
  private readonly log: Logger;
  private readonly pool: pg.Pool;
  private readonly directory = new TerminalDirectory();
  private subscriber?: ManualAckSubscriber;
  private handoff?: HandoffPublisher;
  private buffer: PendingMessage[] = [];
  private bufferedPositions = 0;
  private timer?: NodeJS.Timeout;
  /** Flushes begun and not yet settled, in the order they began. */
  private flights: Flight[] = [];
  private stopping = false;
  /** Shutting down: nothing new is taken (what is not acknowledged is sent again later), the rest is committed. */
  private draining = false;
  private detachIntake?: () => void;
  private metricsTimer?: NodeJS.Timeout;
  private droppedBaseline?: number;
  private live: LiveStates = new Map();
  private liveWrittenAt = 0;
  private liveTimer?: NodeJS.Timeout;
  /** The periodic live write under way, if any. */
  private liveWriting: Promise<void> | null = null;
  private offlineTimer?: NodeJS.Timeout;
  private readonly resumeListeners = new Set<() => void>();
  private lastMessageAt = 0;
  /** When the broker confirmed, on the current connection, that this retiring gateway's filters are gone. */
  private unsubscribedAt?: number;
  private retiredSummary?: RetireSummary;

  /** The receive time stamped on each message (and judged against its fix time); tests pin it. */
  receiveClock: () => number = Date.now;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'ingest' });
    // One connection per flush in flight, one for the live state and one for the offline sweep.
    this.pool = new pg.Pool({
      connectionString: infra.databaseUrl,
      max: PARALLEL_FLUSHES + 2,
      connectionTimeoutMillis: 5_000,
    });
    this.pool.on('error', (error) => this.log.warn({ err: error }, 'idle database connection lost'));
  }

  onApplicationBootstrap(): void {
    const { ingest } = this.config;
    const intake = this.infra.terminalIntake;
    if (intake) {
      // The broker lives in this process: terminals' messages come straight from it, and their PUBACK waits
      // for the commit like every other acknowledgement here.
      this.detachIntake = intake.attach((message) => void this.receive({ ...message, qos: 1 }));
    }
    const protocolVersion = ingest.mqttProtocolVersion ?? (this.infra.embeddedBroker ? 4 : 5);
    const subscriptions = intake
      ? { subscribe: [], unsubscribe: [] }
      : ingest.retire
        ? retiringSubscriptions(ingest.shareGroup)
        : ingestSubscriptions(ingest.shareGroup);
    this.subscriber = new ManualAckSubscriber(
      this.infra.mqttUrl,
      {
        topics: subscriptions.subscribe,
        unsubscribe: subscriptions.unsubscribe,
        onRefused: (error) =>
          this.log.error(
            { err: error, topics: subscriptions.subscribe },
            'the broker refused the subscriptions: no terminal message comes to this gateway',
          ),
        onSubscribed: () => {
          this.log.info(
            {
              subscribed: subscriptions.subscribe,
              unsubscribed: subscriptions.unsubscribe,
              shareGroup: ingest.shareGroup,
            },
            'ingest subscribed',
          );
          if (ingest.retire) this.unsubscribedAt = Date.now();
        },
        clientId: ingest.clientId,
        clean: false,
        protocolVersion,
        // MQTT 5: the session outlives a restart, and the broker may send as much as it likes unacknowledged:
        // acknowledgements wait for the commit, so a window smaller than a batch would make every batch wait
        // for the flush timer. What the gateway holds is bounded by maxUncommitted (it stops reading).
        properties: protocolVersion === 5 ? { sessionExpiryInterval: 7 * 86_400, receiveMaximum: 65_535 } : undefined,
        username: this.infra.mqttUsername,
        password: this.infra.mqttPassword,
        keepalive: ingest.keepaliveSeconds,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
      },
      (message) => this.receive(message),
    );
    this.subscriber.client.on('connect', (connack) => {
      this.log.info({ url: this.infra.mqttUrl, clientId: ingest.clientId }, 'ingest connected to the broker');
      if (ingest.retire && !connack.sessionPresent) {
        this.log.warn(
          { clientId: ingest.clientId },
          'the broker holds no session for this client id: nothing to take over (is INGEST_CLIENT_ID right?)',
        );
      }
      this.unsubscribedAt = undefined;
      this.forgetDeadConnections();
    });
    this.subscriber.client.on('offline', () => this.log.warn('ingest lost the broker; reconnecting'));
    this.subscriber.client.on('error', (error) => this.log.warn({ err: error }, 'ingest MQTT error'));
    this.handoff = new HandoffPublisher(
      this.infra.mqttUrl,
      `${ingest.clientId}-handoff`,
      this.infra.mqttUsername,
      this.infra.mqttPassword,
      this.log,
      this.config.detector.partitions,
    );
    this.subscriber.start();
    this.metricsTimer = setInterval(() => this.log.info(this.metrics.snapshot(), 'ingest metrics'), METRICS_LOG_MS);
    this.metricsTimer.unref();
    const sweepEvery = Math.min(30_000, (ingest.offlineAfterSeconds * 1000) / 2);
    this.offlineTimer = setInterval(() => {
      this.markSilentOffline().catch((error: unknown) => this.log.warn({ err: error }, 'offline sweep failed'));
    }, sweepEvery);
    this.offlineTimer.unref();
  }

  /**
   * A terminal that loses power often sends no last will: after `offlineAfterSeconds` in which nothing was
   * heard from it (position, status, JT/T 808 heartbeat), its live row turns offline. Returns how many rows changed.
   */
  async markSilentOffline(now = new Date()): Promise<number> {
    const result = await this.pool.query(
      `UPDATE vehicle_live SET online = false, online_changed_at = $1
       WHERE online AND GREATEST(heard_at, received_at, online_changed_at) < $1::timestamptz - make_interval(secs => $2)`,
      [now, this.config.ingest.offlineAfterSeconds],
    );
    return result.rowCount ?? 0;
  }

  /**
   * A clean stop: take nothing new, commit and acknowledge what is buffered or in flight, write the live state,
   * then close the connections. Messages that arrive meanwhile are not acknowledged, so their senders (or the
   * broker's persistent session) send them again to the next gateway. A database that stays down past
   * DRAIN_MAX_MS leaves the rest unacknowledged in the same way.
   */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    this.detachIntake?.();
    const deadline = setTimeout(() => {
      this.log.warn({ uncommitted: this.metrics.uncommitted }, 'stopping before the database took everything');
      this.stopping = true;
    }, DRAIN_MAX_MS);
    try {
      await this.drain();
    } finally {
      clearTimeout(deadline);
    }
    this.stopping = true;
    clearTimeout(this.timer);
    clearTimeout(this.liveTimer);
    clearInterval(this.metricsTimer);
    clearInterval(this.offlineTimer);
    // The last PUBACKs are queued on the socket; a graceful end sends them before DISCONNECT. A gateway that
    // has retired ends its session with it: nothing is left in it, and no filter would fill it again.
    await this.subscriber?.stop(this.retiredSummary !== undefined);
    await Promise.allSettled(this.flights.map((f) => f.finished));
    await this.liveWriting;
    await this.handoff?.close();
    await this.pool.end();
  }

  /** Flushes until nothing is buffered or in flight, then writes the carried live state. */
  private async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const settle = async () => {
      while (!this.stopping && (this.buffer.length > 0 || this.flights.length > 0)) {
        if (this.buffer.length > 0 && this.mayStart()) this.startFlush();
        const running = this.flights.map((f) => f.finished);
        if (running.length > 0) await Promise.race(running);
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    await settle();
    await this.liveWriting;
    if (this.live.size > 0 && !this.stopping) await this.writeLiveState();
  }

  /** Whether the subscriber is currently holding the broker off. */
  get paused(): boolean {
    return this.subscriber?.paused ?? false;
  }

  /**
   * A gateway leaving its group for good (`npm run gateway:retire`): with its filters given up, it commits and
   * acknowledges what the broker still holds in its session, and resolves once that is empty. New messages
   * already go to the other members.
   */
  async retired(): Promise<RetireSummary> {
    if (!this.config.ingest.retire) throw new Error('this gateway was not started to retire');
    for (;;) {
      const now = Date.now();
      if (
        this.unsubscribedAt !== undefined &&
        now - this.unsubscribedAt >= RETIRE_QUIET_MS &&
        now - this.lastMessageAt >= RETIRE_QUIET_MS &&
        this.buffer.length === 0 &&
        this.flights.length === 0 &&
        this.metrics.uncommitted === 0 &&
        this.subscriber?.client.connected === true
      ) {
        this.retiredSummary = { messages: this.metrics.acked, accepted: this.metrics.accepted };
        return this.retiredSummary;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private receive(message: InboundMessage): boolean {
    if (this.draining) return true; // not acknowledged: it comes again after the restart
    if (message.topic === BROKER_DROPPED_TOPIC) {
      this.watchDropped(message.payload.toString());
      return true;
    }
    this.lastMessageAt = Date.now();
    const receivedAt = this.receiveClock();
    const decoded = decodePositionMessage(message.topic, message.payload, receivedAt, message.contentType);
    const { topic, payload, ack, alive } = message;
    return this.take({ topic, payload, receivedAt, decoded, ack, alive });
  }

  /**
   * Another way in (the JT/T 808 listener): a message decoded elsewhere joins the same batches — same
   * registry check, rejection record, duplicate key and hand-off — and its `ack` runs only after its commit.
   * Returns 'refused' while stopping (not taken: its sender resends it to the next gateway), 'full' when taken
   * but the caller should stop reading until `onResume` fires.
   */
  submit(message: PendingMessage): 'taken' | 'full' | 'refused' {
    if (this.draining) return 'refused';
    return this.take(message) ? 'taken' : 'full';
  }

  /** Called whenever the uncommitted count falls back below the limit; returns the detach function. */
  onResume(listener: () => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  private resumeIntake(): void {
    this.subscriber?.resume();
    for (const listener of this.resumeListeners) listener();
  }

  private take(message: PendingMessage): boolean {
    const { decoded } = message;
    this.buffer.push(message);
    this.bufferedPositions += decoded.positions.length;
    const m = this.metrics;
    m.messages++;
    m.uncommitted++;
    if (m.uncommitted > m.uncommittedHighWater) m.uncommittedHighWater = m.uncommitted;
    if (this.bufferedPositions >= this.config.ingest.batchSize) this.flushSoon(0);
    else this.flushSoon(this.config.ingest.flushMs);
    if (m.uncommitted >= this.config.ingest.maxUncommitted) {
      m.pauses++;
      return false;
    }
    return true;
  }

  /**
   * Messages of a lost connection that are not yet being written are dropped from memory: they were never
   * acknowledged, so the broker sends them again on the new connection (persistent session). This keeps
   * the uncommitted count bounded across reconnects.
   */
  private forgetDeadConnections(): void {
    const kept = this.buffer.filter((m) => m.alive());
    const dropped = this.buffer.length - kept.length;
    if (dropped === 0) return;
    this.buffer = kept;
    this.bufferedPositions = kept.reduce((sum, m) => sum + m.decoded.positions.length, 0);
    this.metrics.uncommitted -= dropped;
    this.log.info({ dropped }, 'left unacknowledged messages of the lost connection to the broker’s redelivery');
    if (this.metrics.uncommitted < this.config.ingest.maxUncommitted) this.resumeIntake();
  }

  /** The gateway's MQTT connection (read-only use: tests watch the packets it sends). */
  get brokerClient(): MqttClient | undefined {
    return this.subscriber?.client;
  }

  private flushSoon(delayMs: number): void {
    if (this.stopping || !this.mayStart()) return; // a flush that ends looks again
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startFlush();
    }, delayMs);
  }

  /** Whether another flush may begin now: none in flight, or a second one while a full batch waits. */
  private mayStart(): boolean {
    const n = this.flights.length;
    if (n === 0) return true;
    return (
      n < PARALLEL_FLUSHES &&
      !this.flights.some((f) => f.exclusive) &&
      this.bufferedPositions >= this.config.ingest.batchSize
    );
  }

  private startFlush(): void {
    if (this.stopping || !this.mayStart()) return;
    // At most one batch per transaction, so reading from the broker overlaps the database work.
    let weight = 0;
    let positions = 0;
    let n = 0;
    let hasStatus = false;
    while (n < this.buffer.length) {
      const message = this.buffer[n];
      const w = Math.max(1, message.decoded.positions.length);
      if (n > 0 && weight + w > this.config.ingest.batchSize) break;
      weight += w;
      positions += message.decoded.positions.length;
      if (message.decoded.online !== undefined) hasStatus = true;
      n++;
    }
    if (n === 0) return;
    // A status message's link state is written in its flush, which runs alone in the database: it waits for
    // those in flight.
    const writeLive = hasStatus;
    if (writeLive && this.flights.length > 0) return;
    const batch = this.buffer.splice(0, n);
    this.bufferedPositions -= positions;
    const flight: Flight = { written: [], done: false, exclusive: writeLive };
    this.flights.push(flight);
    flight.finished = this.writeWithRetry(batch, true, flight, writeLive)
      .catch((error: unknown) => this.log.error({ err: error }, 'flush failed'))
      .finally(() => {
        flight.done = true;
        this.settleFlights();
        this.lookAgain();
      });
    // Still a full batch behind: the next one may go beside this one.
    if (this.bufferedPositions >= this.config.ingest.batchSize) this.flushSoon(0);
  }

  /** Commits are acknowledged and handed off in the order their flushes began. */
  private settleFlights(): void {
    while (this.flights.length > 0 && this.flights[0].done) {
      const flight = this.flights.shift()!;
      for (const { batch, outcome } of flight.written) {
        try {
          this.afterCommit(batch, outcome);
        } catch (error) {
          this.log.error({ err: error }, 'post-commit bookkeeping failed');
        }
      }
    }
  }

  private lookAgain(): void {
    if (this.stopping) return;
    if (this.buffer.length > 0) {
      const full = this.bufferedPositions >= this.config.ingest.batchSize;
      const age = Date.now() - this.buffer[0].receivedAt;
      this.flushSoon(full ? 0 : Math.max(0, this.config.ingest.flushMs - age));
    } else if (this.live.size > 0) this.scheduleLiveWrite();
  }

  /**
   * Writes a batch, retrying with backoff for as long as the database is unreachable (nothing is dropped,
   * nothing acknowledged). A batch the database refuses for its content — which validation should make
   * impossible — is written message by message, and a message refused on its own is recorded as rejected,
   * so one bad message can never stop the pipeline.
   */
  private async writeWithRetry(
    batch: PendingMessage[],
    splitOnDataError: boolean,
    flight: Flight,
    writeLive: boolean,
  ): Promise<void> {
    let delay = RETRY_MIN_MS;
    for (;;) {
      try {
        flight.written.push({ batch, outcome: await this.writeOnce(batch, writeLive) });
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && /^(22|23|54)/.test(code) && code !== '23505') {
          this.log.error({ err: error, messages: batch.length }, 'the database refused a batch for its content');
          if (splitOnDataError && batch.length > 1) {
            for (const message of batch) await this.writeWithRetry([message], true, flight, writeLive);
            return;
          }
          const [message] = batch;
          message.decoded = {
            ...message.decoded,
            positions: [],
            online: undefined,
            rejections: [
              {
                reason: 'SCHEMA',
                detail: `the database refused the message (SQLSTATE ${code})`,
                terminalId: message.decoded.terminalId,
                payload: message.payload,
              },
            ],
          };
          if (splitOnDataError) return this.writeWithRetry([message], false, flight, writeLive);
        }
        this.metrics.flushFailures++;
        this.log.error({ err: error, messages: batch.length, retryInMs: delay }, 'flush failed; retrying');
        if (this.stopping) return; // not acknowledged: the broker redelivers after restart
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.stopping) return;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** One attempt at a batch on a connection of its own; returns only after COMMIT. */
  private async writeOnce(batch: PendingMessage[], writeLive: boolean): Promise<FlushOutcome> {
    const client = await this.pool.connect();
    const onError = (error: Error) => this.log.warn({ err: error }, 'database connection failed mid-flush');
    client.on('error', onError);
    try {
      const outcome = await writeFlush(
        client,
        this.directory,
        batch,
        // A status flush writes its own messages' link states; the carried state is the periodic write's.
        writeLive,
        this.config.ingest.shareGroup !== undefined,
        Date.now() - packedAgeMs(this.config.positions.packAfterMinutes),
      );
      client.off('error', onError);
      client.release();
      return outcome;
    } catch (error) {
      client.off('error', onError);
      client.release(true);
      throw error;
    }
  }

  private afterCommit(batch: PendingMessage[], outcome: FlushOutcome): void {
    const committedAt = Date.now();
    const m = this.metrics;
    // Folded even when the flush wrote its link states: the periodic write repeats them, harmlessly.
    foldLive(this.live, batch);
    this.scheduleLiveWrite();
    m.batches++;
    m.observeFlush(batch.length);
    for (const [step, ms] of Object.entries(outcome.timings)) m.flushMs[step as keyof typeof m.flushMs] += ms;
    m.accepted += outcome.inserted;
    m.duplicates += outcome.duplicates;
    m.statuses += outcome.statuses;
    for (const [reason, count] of Object.entries(outcome.rejectedByReason)) {
      m.rejected[reason as keyof typeof m.rejected] += count;
    }
    // Only now, with the batch committed, does the broker hear that these messages are safe. Corked, the
    // PUBACKs of a batch leave in one write instead of one system call each.
    const stream = this.subscriber?.client.stream;
    stream?.cork();
    try {
      for (const message of batch) {
        if (message.ack()) m.acked++;
        else m.ackSkipped++;
        m.observeLatency(committedAt - message.receivedAt);
      }
    } finally {
      if (stream) process.nextTick(() => stream.uncork());
    }
    m.uncommitted -= batch.length;
    if (m.uncommitted < this.config.ingest.maxUncommitted) this.resumeIntake();
    this.handoff?.publish(outcome.accepted);
  }

  /** Makes sure carried live state is written within LIVE_CAUGHT_UP_MS (LIVE_BEHIND_MS while behind). */
  private scheduleLiveWrite(): void {
    if (this.liveTimer || this.liveWriting || this.stopping) return;
    const behind = this.bufferedPositions >= this.config.ingest.batchSize;
    const wait = Math.max(0, this.liveWrittenAt + (behind ? LIVE_BEHIND_MS : LIVE_CAUGHT_UP_MS) - Date.now());
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      if (this.bufferedPositions >= this.config.ingest.batchSize && Date.now() - this.liveWrittenAt < LIVE_BEHIND_MS) {
        this.scheduleLiveWrite();
        return;
      }
      void this.writeLiveState();
    }, wait);
  }

  /**
   * Writes the carried live state on a connection of its own, beside the flushes. What fails to be written is
   * carried on and tried again at the next turn.
   */
  private writeLiveState(): Promise<void> {
    if (this.liveWriting) return this.liveWriting;
    if (this.live.size === 0) return Promise.resolve();
    const states = this.live;
    this.live = new Map();
    this.liveWrittenAt = Date.now();
    this.liveWriting = (async () => {
      try {
        const client = await this.pool.connect();
        try {
          await upsertLive(client, states);
          client.release();
        } catch (error) {
          client.release(true);
          throw error;
        }
      } catch (error) {
        restoreLive(this.live, states);
        this.log.warn({ err: error }, 'could not write the live state; it is tried again');
      } finally {
        this.liveWriting = null;
        if (this.live.size > 0) this.scheduleLiveWrite();
      }
    })();
    return this.liveWriting;
  }

  private watchDropped(value: string): void {
    const dropped = Number(value);
    if (!Number.isFinite(dropped)) return;
    if (this.droppedBaseline === undefined || dropped < this.droppedBaseline) {
      this.droppedBaseline = dropped;
      return;
    }
    if (dropped > this.droppedBaseline) {
      this.metrics.brokerDropped += dropped - this.droppedBaseline;
      this.log.error(
        { dropped: dropped - this.droppedBaseline, total: dropped },
        'the broker DROPPED messages (queue limit reached): positions were lost before reaching the gateway',
      );
      this.droppedBaseline = dropped;
    }
  }
}
