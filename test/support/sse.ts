/** One Server-Sent Event as a test saw it. */
export interface ReceivedEvent {
  type: string;
  data: unknown;
}

export interface EventStream {
  events: ReceivedEvent[];
  stop(): Promise<void>;
}

/** Reads Server-Sent Events from a streaming response until told to stop. */
export function collectEvents(body: ReadableStream<Uint8Array>): EventStream {
  const events: ReceivedEvent[] = [];
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) events.push({ type, data: JSON.parse(data) });
      }
    }
  })();
  return {
    events,
    async stop() {
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}

/** The first value `probe` gives (polled every 50 ms), or an error after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('nothing arrived in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
