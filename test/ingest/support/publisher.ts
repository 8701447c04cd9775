import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** A terminal-side publisher that keeps up to `window` QoS 1 messages in flight and counts broker acks. */
export class WindowedPublisher {
  acked = 0;
  sent = 0;
  private constructor(readonly client: MqttClient) {}

  static async connect(url: string, options: IClientOptions): Promise<WindowedPublisher> {
    return new WindowedPublisher(await mqtt.connectAsync(url, { reconnectPeriod: 200, ...options }));
  }

  /** Publishes every message; resolves when the broker has acknowledged all of them. */
  async publishAll(
    messages: { topic: string; payload: string | Buffer }[],
    window = 200,
    perSecond = 0,
  ): Promise<void> {
    const started = Date.now();
    let inFlight = 0;
    let wake: (() => void) | undefined;
    for (const { topic, payload } of messages) {
      while (inFlight >= window) await new Promise<void>((r) => (wake = r));
      if (perSecond > 0) {
        const due = started + (this.sent * 1000) / perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      inFlight++;
      this.sent++;
      this.client.publish(topic, payload, { qos: 1 }, (error) => {
        if (!error) this.acked++;
        inFlight--;
        wake?.();
      });
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  }

  end(): Promise<void> {
    return this.client.endAsync();
  }
}

/** `n` positions spread over the terminals, each with its own fix time, oldest first. */
export function positionStream(terminalIds: string[], n: number, start = Date.now() - 3_600_000) {
  return Array.from({ length: n }, (_, i) => {
    const terminalId = terminalIds[i % terminalIds.length];
    return {
      topic: `telematics/v1/${terminalId}/position`,
      payload: JSON.stringify({ fixTime: start + i, lat: 30 + (i % 1000) / 1000, lon: 120, seq: i }),
    };
  });
}
