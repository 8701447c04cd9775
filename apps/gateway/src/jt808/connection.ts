import type { Socket } from 'node:net';
import {
  decodeFrame,
  encodeFrame,
  FrameSplitter,
  generalResponseBody,
  decodeLocationMessage,
  messageTopic,
  MSG,
  parseAuthentication,
  parseDriverIdentity,
  parseRegistration,
  parseTerminalResponse,
  readHeader,
  Reassembler,
  registrationResponseBody,
  rerequestBody,
  RESULT,
  unescapeFrame,
  type Jt808Frame,
  type Jt808Header,
  type TerminalResponse,
} from '#app/jt808';
import type { Logger } from '#app/logging';
import type { DecodedMessage, RejectionReason } from '#app/telemetry';
import type { PendingMessage } from '../ingest/flush-writer.js';
import type { SignOnStore } from './sign-on.js';

/** What a connection needs from the gateway around it. */
export interface ConnectionHost {
  /** Hands a decoded message to the ingest pipeline (IngestService.submit). */
  submit(message: PendingMessage): 'taken' | 'full' | 'refused';
  signOn: SignOnStore;
  log: Logger;
  /** A connection authenticated as this terminal (the command sender finds it here). */
  authenticated(terminalId: string, connection: Jt808Connection): void;
  /** The terminal answered a platform message with 0x0001. */
  terminalResponse(terminalId: string, response: TerminalResponse): void;
}

const RAW_CAP = 4096;
const PLATFORM_RESULT: Record<string, number> = {
  CHECKSUM: RESULT.MESSAGE_ERROR,
  FRAME: RESULT.MESSAGE_ERROR,
  UNSUPPORTED: RESULT.UNSUPPORTED,
  UNAUTHENTICATED: RESULT.FAILURE,
};

/**
 * One terminal's TCP connection: cuts frames, reassembles sub-packets, signs the terminal on, and hands
 * positions and rejections to the ingest pipeline. The 0x8001 for a message that is stored or recorded leaves
 * only from its `ack`, which the pipeline calls after the commit. Frames are handled one after another, so
 * replies keep the terminal's order.
 */
export class Jt808Connection {
  /** The terminal this connection authenticated as. */
  terminalId: string | null = null;
  /** The edition, version byte and number the terminal last used: commands go out in them. */
  private addressing: Pick<Jt808Header, 'edition' | 'protocolVersion' | 'phone'> | null = null;
  private readonly splitter = new FrameSplitter();
  private readonly reassembler = new Reassembler();
  private serial = 0;
  private chain: Promise<void> = Promise.resolve();
  private closing = false;
  paused = false;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  /** The edition the terminal speaks (null before it has signed on). */
  get edition(): Jt808Header['edition'] | null {
    return this.addressing?.edition ?? null;
  }

  get alive(): boolean {
    return !this.socket.destroyed && !this.closing;
  }

  /** Sends a platform message in the terminal's edition; returns its serial, or null when it cannot go. */
  send(msgId: number, body: Buffer): number | null {
    if (!this.alive || !this.addressing) return null;
    const serial = this.nextSerial();
    const { edition, protocolVersion, phone } = this.addressing;
    this.socket.write(encodeFrame({ msgId, edition, protocolVersion, phone, serial, body }));
    return serial;
  }

  /** Re-requests quiet sub-packets and gives up stale ones (called every second). */
  tick(now: number): void {
    const { rerequests, expired } = this.reassembler.due(now);
    for (const r of rerequests) {
      this.write(r.header, MSG.REREQUEST_PACKETS, rerequestBody(r.firstSerial, r.missing, r.header.edition));
    }
    for (const e of expired) this.record('FRAME', e.detail, e.header, Buffer.alloc(0), now);
  }

  private read(chunk: Buffer): void {
    const receivedAt = Date.now();
    for (const split of this.splitter.push(chunk)) {
      const raw = Buffer.concat([Buffer.from([0x7e]), split.content.subarray(0, RAW_CAP - 2), Buffer.from([0x7e])]);
      if (split.kind === 'overlong') {
        const read = readHeader(unescapeFrame(split.content).bytes);
        const header = read && 'header' in read ? read.header : null;
        this.enqueue(() => this.record('FRAME', 'no closing 0x7e within 8 KiB', header, raw, receivedAt));
        continue;
      }
      const result = decodeFrame(split.content);
      if (!result.ok) {
        this.enqueue(() => this.record(result.reason, result.detail, result.header, raw, receivedAt));
        continue;
      }
      // Nothing allowed before authentication comes in sub-packets: holding them would only let a stranger fill
      // memory.
      if (result.frame.header.packet && this.terminalId !== result.frame.header.terminalId) {
        const detail = 'sub-packets from a connection that has not authenticated as this terminal';
        this.enqueue(() => this.record('UNAUTHENTICATED', detail, result.frame.header, raw, receivedAt));
        continue;
      }
      const assembled = this.reassembler.push(result.frame, receivedAt);
      if (assembled.kind === 'waiting') continue;
      if (assembled.kind === 'refused') {
        this.enqueue(() => this.record('FRAME', assembled.detail, result.frame.header, raw, receivedAt));
        continue;
      }
      this.enqueue(() => this.handle(assembled.frame, raw, receivedAt));
    }
  }

  private enqueue(work: () => void | Promise<void>): void {
    this.chain = this.chain
      .then(work)
      .catch((error: unknown) =>
        this.host.log.error({ err: error, terminalId: this.terminalId }, 'JT/T 808 frame failed'),
      );
  }

  private async handle(frame: Jt808Frame, raw: Buffer, receivedAt: number): Promise<void> {
    const { header, body } = frame;
    const id = header.terminalId;
    if (header.msgId === MSG.REGISTER) return this.register(frame, raw, receivedAt);
    if (header.msgId === MSG.AUTHENTICATE) return this.authenticate(frame);
    if (this.terminalId !== id) {
      if (header.msgId === MSG.HEARTBEAT && this.terminalId === null) return this.reply(header, RESULT.OK);
      const detail =
        this.terminalId === null
          ? 'the connection has not authenticated'
          : `the connection belongs to terminal ${this.terminalId}`;
      return this.record('UNAUTHENTICATED', detail, header, raw, receivedAt);
    }
    this.addressing = header;
    switch (header.msgId) {
      case MSG.HEARTBEAT:
        await this.host.signOn.heard(id, receivedAt);
        return this.reply(header, RESULT.OK);
      case MSG.DEREGISTER:
        await this.host.signOn.deregister(id);
        this.terminalId = null;
        return this.reply(header, RESULT.OK);
      case MSG.LOCATION:
      case MSG.LOCATION_QUERY_RESPONSE:
      case MSG.LOCATION_BATCH:
        return this.location(frame, raw, receivedAt);
      case MSG.DRIVER_IDENTITY: {
        const card = parseDriverIdentity(body, header.edition);
        if (!card.ok) return this.record('SCHEMA', `driver identity: ${card.detail}`, header, raw, receivedAt);
        await this.host.signOn.recordDriverCard(id, card.value, receivedAt);
        return this.reply(header, RESULT.OK);
      }
      case MSG.TERMINAL_RESPONSE: {
        const response = parseTerminalResponse(body);
        if (!response.ok)
          return this.record('SCHEMA', `terminal response: ${response.detail}`, header, raw, receivedAt);
        this.host.terminalResponse(id, response.value);
        return;
      }
      default:
        return this.record(
          'UNSUPPORTED',
          `message ${messageTopic(header.msgId).slice(6)} is not handled`,
          header,
          raw,
          receivedAt,
        );
    }
  }

  private async register(frame: Jt808Frame, raw: Buffer, receivedAt: number): Promise<void> {
    const { header, body } = frame;
    const registration = parseRegistration(body, header.edition);
    if (!registration.ok) return this.record('SCHEMA', `registration: ${registration.detail}`, header, raw, receivedAt);
    const outcome = await this.host.signOn.register(header.terminalId, registration.value);
    if ('why' in outcome) {
      this.host.log.info(
        { terminalId: header.terminalId, result: outcome.result, why: outcome.why },
        'JT/T 808 registration refused',
      );
    }
    this.write(
      header,
      MSG.REGISTER_RESPONSE,
      registrationResponseBody(header.serial, outcome.result, 'code' in outcome ? outcome.code : undefined),
    );
  }

  private async authenticate(frame: Jt808Frame): Promise<void> {
    const { header, body } = frame;
    const auth = parseAuthentication(body, header.edition);
    const ok = auth.ok && (await this.host.signOn.authenticate(header.terminalId, auth.value.code));
    if (!ok) {
      this.reply(header, RESULT.FAILURE);
      this.closing = true;
      this.socket.end();
      return;
    }
    this.terminalId = header.terminalId;
    this.addressing = header;
    this.host.authenticated(header.terminalId, this);
    this.reply(header, RESULT.OK);
  }

  private location(frame: Jt808Frame, raw: Buffer, receivedAt: number): void {
    const { header } = frame;
    const { positions, rejections } = decodeLocationMessage(frame, receivedAt);
    const kind = header.msgId === MSG.LOCATION_BATCH ? 'positions' : 'position';
    const decoded: DecodedMessage = { terminalId: this.terminalId, kind, positions, rejections };
    // 0x0201 answers the platform's own query (its first word is the query's serial): nothing to acknowledge.
    const answer = header.msgId === MSG.LOCATION_QUERY_RESPONSE;
    if (answer && frame.body.length >= 2) {
      this.host.terminalResponse(header.terminalId, {
        ackSerial: frame.body.readUInt16BE(0),
        ackMsgId: MSG.LOCATION_QUERY,
        result: RESULT.OK,
      });
    }
    this.submit(header, raw, receivedAt, decoded, !answer);
  }

  /**
   * A frame that cannot be taken: recorded through the pipeline (terminal id if readable), and answered with
   * the contract's result once the record is committed when the header could be read.
   */
  private record(
    reason: RejectionReason,
    detail: string,
    header: Jt808Header | null,
    raw: Buffer,
    receivedAt: number,
  ): void {
    const decoded: DecodedMessage = {
      terminalId: null,
      kind: null,
      positions: [],
      rejections: [{ reason, detail, terminalId: header?.terminalId ?? null, payload: raw }],
    };
    this.host.log.debug({ terminalId: header?.terminalId, reason, detail }, 'JT/T 808 frame rejected');
    this.submit(header, raw, receivedAt, decoded, header !== null, PLATFORM_RESULT[reason] ?? RESULT.MESSAGE_ERROR);
  }

  private submit(
    header: Jt808Header | null,
    raw: Buffer,
    receivedAt: number,
    decoded: DecodedMessage,
    answer: boolean,
    result: number = RESULT.OK,
  ): void {
    const taken = this.host.submit({
      topic: messageTopic(header?.msgId ?? null),
      payload: raw,
      receivedAt,
      decoded,
      ack: () => {
        if (!this.alive) return false;
        if (answer && header) this.reply(header, result);
        return true;
      },
      alive: () => this.alive,
    });
    if (taken === 'full' && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Lets the socket read again once the pipeline has room. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  private reply(header: Jt808Header, result: number): void {
    this.write(header, MSG.PLATFORM_RESPONSE, generalResponseBody(header.serial, header.msgId, result));
  }

  private write(header: Jt808Header, msgId: number, body: Buffer): void {
    if (this.socket.destroyed) return;
    const { edition, protocolVersion, phone } = header;
    this.socket.write(encodeFrame({ msgId, edition, protocolVersion, phone, serial: this.nextSerial(), body }));
  }

  private nextSerial(): number {
    const serial = this.serial;
    this.serial = (this.serial + 1) & 0xffff;
    return serial;
  }
}
