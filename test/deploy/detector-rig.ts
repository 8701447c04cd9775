import pg from 'pg';
import type { AcceptedPosition } from '../../apps/gateway/src/ingest/flush-writer.js';
import { rootLogger } from '#app/logging';
import { HandoffPublisher } from '../../apps/gateway/src/ingest/handoff-publisher.js';
import type { Fix, SeededCar } from '../detector/detector-fixture.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import type { ServiceProcess } from '../support/service-process.js';
import { freePort, startService } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

export interface DetectorRig {
  broker: Mosquitto;
  database: TestDatabase;
  db: pg.Pool;
  /** Hands positions to the detectors as the gateway does after its commit. */
  publisher: HandoffPublisher;
  /** The detector processes a test starts: any still running are killed after the tests. */
  detectors: ServiceProcess[];
  /**
   * Starts a detector process (`npm run build` output) on the rig's database and broker, with the rig's partition
   * count, the day judged in Asia/Shanghai and no terminal-silent findings (the pinned day lies weeks back), and
   * these settings besides; it is killed after the tests if still running.
   */
  startDetector(env: Record<string, string>): ServiceProcess;
}

/**
 * For a describe block that runs detector processes: a broker of its own, a fresh database and a hand-off
 * publisher, made before its tests; after them every detector still running is killed and all is torn down.
 */
export function detectorRig(name: string, partitions: number): DetectorRig {
  const rig = { detectors: [] as ServiceProcess[] } as DetectorRig;
  rig.startDetector = (env) => {
    const detector = startService('dist/apps/detector/src/main.js', [], {
      DATABASE_URL: rig.database.url,
      MQTT_URL: rig.broker.url,
      TZ_POLICY: 'Asia/Shanghai',
      TZ: 'Asia/Shanghai',
      DETECTOR_PARTITIONS: String(partitions),
      TERMINAL_SILENT_HOURS: String(24 * 365),
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '',
      ...env,
    });
    rig.detectors.push(detector);
    return detector;
  };
  beforeAll(async () => {
    rig.broker = await startMosquitto(await freePort());
    rig.database = await createTestDatabase();
    rig.db = new pg.Pool({ connectionString: rig.database.url, max: 3 });
    rig.publisher = new HandoffPublisher(
      rig.broker.url,
      `${name}-handoff-${process.pid}`,
      undefined,
      undefined,
      rootLogger('silent'),
      partitions,
    );
  });
  afterAll(async () => {
    for (const d of rig.detectors) {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    }
    await Promise.all(rig.detectors.map((d) => d.exited));
    await rig.publisher?.close();
    await rig.db?.end();
    await rig.database?.drop();
    await rig.broker?.destroy();
  });
  return rig;
}

/** A car's fix as the gateway hands it to the detectors after its commit. */
export function accepted(car: SeededCar, fix: Fix, receivedAt: number): AcceptedPosition {
  return {
    vehicleId: car.vehicleId,
    terminalId: car.terminalId,
    fixTime: fix.t,
    receivedAt,
    lat: fix.lat,
    lon: fix.lon,
    speedKmh: fix.speed,
    headingDeg: null,
    altitudeM: null,
    satellites: null,
    hdop: null,
    valid: true,
    ignition: fix.ignition ?? fix.speed > 0,
    alarmFlags: fix.alarm ?? 0,
    statusFlags: null,
    odometerKm: null,
    seq: null,
    replay: false,
    extra: null,
  };
}
