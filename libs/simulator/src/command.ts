import { ConfigError } from '#app/config';
import { localDate } from '#app/calendar';
import { ArgsError, autoStart, parseSimulatorArgs, SIMULATOR_USAGE } from './args.js';
import { officialWorkingDay } from './day-plan.js';
import { demoCars, demoSecret, pickScenarioCars } from './fleet.js';
import { startJt808Simulator } from './jt808-runner.js';
import { startSimulator, type RunningSimulator } from './runner.js';
import type { Logger } from '#app/logging';

/** When `--start auto` lands in the past, this many simulated seconds pass per real one until caught up. */
export const AUTO_FAST_FORWARD = 20;

/**
 * Starts the simulator from command-line arguments against `mqttUrl` (or, with `--protocol jt808`, the JT/T 808
 * listener on `jt808Port`); shared by `simulate` and `demo`.
 */
export async function runSimulatorFromArgs(
  argv: string[],
  mqttUrl: string,
  log: Logger,
  jt808Port = 6808,
): Promise<RunningSimulator | null> {
  const args = parseSimulatorArgs(argv);
  if (args.help) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    return null;
  }
  let start = Date.now();
  let speedup = args.speedup;
  if (args.start instanceof Date) start = args.start.getTime();
  else if (args.start === 'auto') {
    const auto = autoStart(start, officialWorkingDay);
    start = auto.start;
    if (auto.fastForward && speedup === 1) speedup = AUTO_FAST_FORWARD;
  }
  const cars = demoCars(args.cars);
  const scenarios = pickScenarioCars(cars, args.scenarios, localDate(start), args.scenarioCars);
  const simulator =
    args.protocol === 'jt808'
      ? await startJt808Simulator({
          host: args.jt808Host ?? '127.0.0.1',
          port: args.jt808Port ?? jt808Port,
          cars,
          intervalSeconds: args.intervalSeconds,
          speedup,
          start: new Date(start),
          scenarios,
          log,
        })
      : await startSimulator({
          mqttUrl: args.mqttUrl ?? mqttUrl,
          cars,
          secretFor: demoSecret,
          intervalSeconds: args.intervalSeconds,
          speedup,
          start: new Date(start),
          scenarios,
          log,
        });
  const report = setInterval(() => log.info(simulator.stats(), 'simulator'), 60_000);
  report.unref();
  return simulator;
}

export function argsFailure(error: unknown): boolean {
  if (error instanceof ArgsError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(error as Error).message}\n\n${SIMULATOR_USAGE}\n`);
    return true;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return true;
  }
  return false;
}
