import { loadConfig } from '#app/config';
import { rootLogger } from '#app/logging';
import { SIMULATOR_USAGE } from './args.js';
import { argsFailure, runSimulatorFromArgs } from './command.js';

// `npm run simulate -- [options]`: the demo fleet's terminals against the configured broker.
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const log = rootLogger(config.logLevel);
  const simulator = await runSimulatorFromArgs(
    argv,
    config.mqttUrl ?? `mqtt://127.0.0.1:${config.embeddedMqttPort}`,
    log,
    config.jt808Port,
  );
  if (!simulator) return;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void simulator.stop().finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  if (!argsFailure(error)) rootLogger().fatal({ err: error }, 'the simulator failed');
  process.exit(1);
});
