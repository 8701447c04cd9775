/**
 * The full service as `npm start` runs it (all apps in one process), plus its memory figures sent to the
 * soak driver every few seconds over the IPC channel.
 */
const every = Number(process.env.SOAK_MEMORY_EVERY_MS ?? 5_000);
setInterval(() => {
  const m = process.memoryUsage();
  process.send?.({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
}, every).unref();

await import('../../apps/main.js');
