import 'reflect-metadata';
import pg from 'pg';
import { ConfigError, loadConfig, type AppConfig } from '#app/config';
import { DEMO_UNITS, loadDemoFleet } from '#app/demo-fleet';
import { loadDemoFences } from '#app/geo';
import { DEMO_REPLAY_SETTING, launch, putSetting } from '#app/infra';
import { announce, type Logger } from '#app/logging';
import { argsFailure, parseSimulatorArgs, runSimulatorFromArgs, SIMULATOR_USAGE } from '#app/simulator';
import { startApi } from './api/src/api.app.js';
import { startDetector } from './detector/src/detector.app.js';
import { startGateway } from './gateway/src/gateway.app.js';
import { startScheduler } from './scheduler/src/scheduler.app.js';

/** Misuse the demo stages unless told otherwise (a silent terminal only on request). */
const DEMO_SCENARIOS = 'off-hours,forbidden-venue,leave-district,overnight-away,antenna-cut,malformed';

/** The demo fleet (35 units, 403 cars and their terminals) and its fences; both loaders are idempotent. */
async function loadDemoData(databaseUrl: string, log: Logger): Promise<void> {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const fleet = await loadDemoFleet(db);
    const units = await db.query<{ id: string; name: string }>('SELECT id, name FROM units WHERE name = ANY($1)', [
      DEMO_UNITS.map((u) => u.name),
    ]);
    const idOf = new Map(units.rows.map((u) => [u.name, u.id]));
    await loadDemoFences(
      db,
      DEMO_UNITS.filter((u) => idOf.has(u.name)).map((u) => ({
        unitId: idOf.get(u.name)!,
        label: u.name,
        lat: u.homeLot.lat,
        lon: u.homeLot.lon,
      })),
    );
    log.info(fleet, 'demo fleet and fences loaded');
  } finally {
    await db.end();
  }
}

// `npm run demo`: the service as `npm start` runs it, plus the demo fleet and its terminals, so a newcomer
// sees a living fleet. Arguments go to the simulator (`npm run demo -- --help`).
const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  process.stdout.write(`npm run demo -- [simulator options]\n\n${SIMULATOR_USAGE}\n`);
  process.exit(0);
}
const given = (option: string) => argv.some((a) => a === option || a.startsWith(`${option}=`));
if (!given('--start')) argv.push('--start', 'auto');
if (!given('--scenario')) argv.push('--scenario', DEMO_SCENARIOS);
if (!given('--scenario-cars')) argv.push('--scenario-cars', '1');

let config: AppConfig;
try {
  parseSimulatorArgs(argv); // a typo stops the demo before anything starts
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (!argsFailure(error)) throw error;
  process.exit(1);
}

// The data goes in before the apps start, so the scheduler, gateway and detector find the fleet at once.
// Ports the operator did not choose move to free ones when taken (a broker on 1883 is common).
await launch([startDetector, startGateway, startScheduler, startApi], {
  config,
  movePorts: true,
  beforeApps: (infra, _config, log) => loadDemoData(infra.databaseUrl, log.child({ component: 'demo' })),
  afterStart: async (infra, _config, log) => {
    const simulator = await runSimulatorFromArgs(argv, infra.mqttUrl, log.child({ component: 'demo' }));
    if (!simulator) return;
    const { cars } = parseSimulatorArgs(argv);
    announce([
      `demo: ${cars} of the fleet's 403 cars (${DEMO_UNITS.length} units) replay a recorded working day; ` +
        `the fleet view shows the replay's clock`,
    ]);
    // The fleet view shows the replayed day's clock: a fix "two days old" is the replay's present.
    const db = new pg.Pool({ connectionString: infra.databaseUrl, max: 1 });
    db.on('error', () => undefined); // an idle connection lost at shutdown; the next report reconnects
    const report = () =>
      putSetting(
        db,
        DEMO_REPLAY_SETTING,
        JSON.stringify({ clock: new Date(simulator.clock.now()).toISOString(), reportedAt: new Date().toISOString() }),
      ).catch(() => undefined);
    await report();
    const timer = setInterval(() => void report(), 5_000);
    // Terminals stop first, politely, when the service shuts down.
    return async () => {
      clearInterval(timer);
      await simulator.stop();
      await db.query('DELETE FROM settings WHERE key = $1', [DEMO_REPLAY_SETTING]).catch(() => undefined);
      await db.end();
    };
  },
});
