import { connect, type Socket } from 'node:net';
import {
  authenticationBody,
  decodeFrame,
  encodeFrame,
  encodePackets,
  FrameSplitter,
  generalResponseBody,
  locationBody,
  MSG,
  parseRerequest,
  parseTextMessage,
  registrationBody,
  RESULT,
  type Edition,
  type Jt808Frame,
  type LocationInput,
} from '#app/jt808';

export interface Jt808TerminalOptions {
  host: string;
  port: number;
  /** The terminal number (the registry's terminal id), up to 12 digits in 2013, 20 in 2019. */
  phone: string;
  edition: Edition;
  plate?: string;
  /** Body bytes per sub-packet for long messages (default: the 1023 a frame allows). */
  packetBytes?: number;
}

interface Outstanding {
  frames: Buffer[];
  resolve: (reply: { result: number; body: Buffer }) => void;
  reject: (error: Error) => void;
}

/**
 * A JT/T 808 terminal over TCP: registers, authenticates, reports, and — like a real terminal — keeps every
 * message not yet acknowledged and sends it again after a reconnect, so nothing is lost when the platform goes
 * away. Answers text messages and position queries; resends sub-packets the platform asks for with 0x8003.
 */
export class Jt808Terminal {
  private socket?: Socket;
  private splitter = new FrameSplitter();
  private serial = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  /** Sent sub-packets by serial, for 0x8003. */
  private readonly packets = new Map<number, Buffer>();
  private authCode?: string;
  /** Text messages received (0x8300). */
  readonly texts: string[] = [];
  /** Every platform message received, in order. */
  readonly received: Jt808Frame[] = [];
  onCommand?: (frame: Jt808Frame) => void;
  connected = false;

  constructor(readonly options: Jt808TerminalOptions) {}

  async connect(): Promise<void> {
    this.splitter = new FrameSplitter();
    const socket = connect({ host: this.options.host, port: this.options.port, noDelay: true });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.connected = true;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.connected = false;
    });
    socket.on('data', (chunk: Buffer) => {
      for (const split of this.splitter.push(chunk)) {
        const decoded = decodeFrame(split.content);
        if (decoded.ok) this.receive(decoded.frame);
      }
    });
  }

  /** Registers (0x0100) and authenticates (0x0102); returns the registration result. */
  async signOn(): Promise<number> {
    if (!this.authCode) {
      const reply = await this.request(
        MSG.REGISTER,
        registrationBody(
          {
            maker: 'SIM',
            model: 'SIM-808',
            deviceId: this.options.phone.slice(-7),
            plateColour: this.options.plate ? 1 : 0,
            plate: this.options.plate ?? '',
          },
          this.options.edition,
        ),
      );
      if (reply.result !== 0) return reply.result;
      this.authCode = reply.body.subarray(3).toString('latin1');
    }
    const auth = await this.request(
      MSG.AUTHENTICATE,
      authenticationBody(this.authCode, this.options.edition, '860000000000000', 'sim-1.0'),
    );
    if (auth.result !== 0) throw new Error(`authentication refused (${auth.result})`);
    return 0;
  }

  /**
   * Reconnects, signs on again and resends every message not yet acknowledged, in order. A sign-on left
   * unanswered (a platform still starting, a connection lost meanwhile) fails after `signOnTimeoutMs`, so the
   * caller can try again; sign-on messages are never resent by themselves.
   */
  async reconnect(signOnTimeoutMs = 5_000): Promise<void> {
    this.socket?.destroy();
    await this.connect();
    const pending = [...this.outstanding.entries()].filter(([, o]) => o.frames.length > 0);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.signOn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the sign-on was not answered')), signOnTimeoutMs);
        }),
      ]);
    } catch (error) {
      this.socket?.destroy();
      // The unanswered sign-on's entry (it has no frames to resend) is given up.
      for (const [serial, o] of this.outstanding) if (o.frames.length === 0) this.outstanding.delete(serial);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    for (const [, o] of pending) for (const frame of o.frames) this.socket!.write(frame);
  }

  /** A location report; resolves with the 0x8001 result once the platform has stored it. */
  report(location: LocationInput): Promise<number> {
    return this.request(MSG.LOCATION, locationBody(location)).then((r) => r.result);
  }

  /** Sends a message (as sub-packets when long) and resolves with the platform's reply to it. */
  request(msgId: number, body: Buffer): Promise<{ result: number; body: Buffer }> {
    const { edition, phone, packetBytes } = this.options;
    const frames = encodePackets({ msgId, edition, phone, serial: this.serial, body }, packetBytes);
    const first = this.serial;
    this.serial = (this.serial + frames.length) & 0xffff;
    if (frames.length > 1) frames.forEach((f, i) => this.packets.set((first + i) & 0xffff, f));
    const keep = msgId !== MSG.REGISTER && msgId !== MSG.AUTHENTICATE;
    return new Promise((resolve, reject) => {
      this.outstanding.set(first, { frames: keep ? frames : [], resolve, reject });
      for (const frame of frames) this.socket?.write(frame);
    });
  }

  /** Writes raw bytes (tests of broken frames). */
  writeRaw(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  /** Writes frames but leaves some out (tests of 0x8003). */
  sendPacketsExcept(msgId: number, body: Buffer, skip: number[]): Promise<{ result: number; body: Buffer }> {
    const { edition, phone, packetBytes } = this.options;
    const frames = encodePackets({ msgId, edition, phone, serial: this.serial, body }, packetBytes);
    const first = this.serial;
    this.serial = (this.serial + frames.length) & 0xffff;
    frames.forEach((f, i) => this.packets.set((first + i) & 0xffff, f));
    return new Promise((resolve, reject) => {
      this.outstanding.set(first, { frames, resolve, reject });
      frames.forEach((frame, i) => {
        if (!skip.includes(i + 1)) this.socket?.write(frame);
      });
    });
  }

  get unacknowledged(): number {
    return this.outstanding.size;
  }

  close(): void {
    this.socket?.destroy();
    for (const o of this.outstanding.values()) o.reject(new Error('closed'));
    this.outstanding.clear();
  }

  private receive(frame: Jt808Frame): void {
    this.received.push(frame);
    const { header, body } = frame;
    if (header.msgId === MSG.PLATFORM_RESPONSE || header.msgId === MSG.REGISTER_RESPONSE) {
      const ackSerial = body.readUInt16BE(0);
      const result = header.msgId === MSG.PLATFORM_RESPONSE ? body[4] : body[2];
      const o = this.outstanding.get(ackSerial);
      if (o) {
        this.outstanding.delete(ackSerial);
        o.resolve({ result, body });
      }
      return;
    }
    if (header.msgId === MSG.REREQUEST_PACKETS) {
      const rerequest = parseRerequest(body, header.edition);
      if (rerequest.ok) {
        for (const index of rerequest.value.missing) {
          const frame = this.packets.get((rerequest.value.firstSerial + index - 1) & 0xffff);
          if (frame) this.socket?.write(frame);
        }
      }
      return;
    }
    if (header.msgId === MSG.TEXT_MESSAGE) {
      const text = parseTextMessage(body, header.edition);
      if (text.ok) this.texts.push(text.value.text);
    }
    this.onCommand?.(frame);
    if (header.msgId === MSG.LOCATION_QUERY) return; // answered by the caller with 0x0201
    this.answer(header.serial, header.msgId, RESULT.OK);
  }

  /** 0x0001 to a platform message. */
  answer(ackSerial: number, ackMsgId: number, result: number): void {
    const { edition, phone } = this.options;
    const serial = this.serial;
    this.serial = (this.serial + 1) & 0xffff;
    this.socket?.write(
      encodeFrame({
        msgId: MSG.TERMINAL_RESPONSE,
        edition,
        phone,
        serial,
        body: generalResponseBody(ackSerial, ackMsgId, result),
      }),
    );
  }
}
