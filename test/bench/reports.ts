import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { ClockModule } from '#app/calendar';
import { ConfigModule, loadConfig, type AppConfig } from '#app/config';
import { DatabaseModule, runMigrations } from '#app/db';
import { loadDemoFleet } from '#app/demo-fleet';
import { HistoryModule } from '#app/history';
import { ReportMaker, ReportsCoreModule, type ReportFormat, type ReportRequest } from '#app/reports';
import { createBenchDatabase } from './support.js';

/**
 * How long the reports take to make, on a fresh database with the demo fleet (403 cars) and a month of
 * trips and findings for every car:
 *
 *   npm run bench:reports                          # 4 trips a car a day, 3 runs of each report
 *   BENCH_TRIPS_PER_DAY=8 BENCH_RUNS=5 npm run bench:reports
 *
 * Each report is made by the service's own ReportMaker (its data in one snapshot, then the file). The raw
 * limit, measured in the same run, is reading the month's trips of the whole fleet with one plain SELECT:
 * what no report of those trips can be faster than.
 */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TRIPS_PER_DAY = Number(process.env.BENCH_TRIPS_PER_DAY ?? 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FROM = '2026-03-01';
const TO = '2026-03-31';

@Module({})
class BenchModule {
  static register(config: AppConfig, url: string): DynamicModule {
    return {
      module: BenchModule,
      imports: [
        ClockModule.register(),
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(url, 4),
        HistoryModule,
        ReportsCoreModule.register(),
      ],
    };
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER_URL);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await runMigrations(databaseUrl);
    await loadDemoFleet(db);
    // Every car: TRIPS_PER_DAY trips a day through March (Shanghai time), one in four after hours; a finding
    // every other day.
    await db.query(
      `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,
                          off_hours_distance_m, max_speed_kmh)
       SELECT v.id, s, s + interval '25 minutes', 33.95, 118.29, 33.96, 118.31, 5000 + (n * 37) % 9000,
              CASE WHEN n % 4 = 0 THEN 5000 ELSE 0 END, 60
         FROM vehicles v
        CROSS JOIN generate_series(0, 30) d
        CROSS JOIN generate_series(0, $1::int - 1) n
        CROSS JOIN LATERAL (SELECT timestamptz '2026-03-01 07:30+08' + d * interval '1 day'
                                   + n * (interval '14 hours' / $1::int) AS s) t`,
      [TRIPS_PER_DAY],
    );
    await db.query(
      `INSERT INTO violations (vehicle_id, rule, kind, start_time, place)
       SELECT v.id, 'off_hours', 'violation', timestamptz '2026-03-01 20:00+08' + d * interval '2 days', '宿豫区'
         FROM vehicles v CROSS JOIN generate_series(0, 15) d`,
    );
    const [{ trips, cars }] = (
      await db.query<{ trips: number; cars: number }>(
        'SELECT (SELECT count(*)::int FROM trips) AS trips, (SELECT count(*)::int FROM vehicles) AS cars',
      )
    ).rows;
    await db.query('ANALYZE');

    const config = loadConfig({ DATABASE_URL: databaseUrl, MQTT_URL: 'mqtt://127.0.0.1:1', LOG_LEVEL: 'silent' });
    const app = await NestFactory.createApplicationContext(BenchModule.register(config, databaseUrl), {
      logger: false,
    });
    const maker = app.get(ReportMaker);
    const [car] = (await db.query<{ id: string }>('SELECT id FROM vehicles ORDER BY plate_normalized LIMIT 1')).rows;

    const raw: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(
        await timed(() =>
          db.query(
            `SELECT * FROM trips WHERE start_time >= '2026-03-01T00:00+08' AND start_time < '2026-04-01T00:00+08'`,
          ),
        ),
      );
    }
    const cases: [string, ReportRequest, ReportFormat][] = [
      ['one car, a month, PDF', { kind: 'activity', vehicleId: car.id, from: FROM, to: TO }, 'pdf'],
      ['the fleet, a month, XLSX (every trip)', { kind: 'activity', from: FROM, to: TO }, 'xlsx'],
      ['the fleet, a month, PDF (1,500 trips listed)', { kind: 'activity', from: FROM, to: TO }, 'pdf'],
      ['monthly oversight report, PDF', { kind: 'monthly_oversight', year: 2026, month: 3 }, 'pdf'],
      ['monthly oversight report, XLSX', { kind: 'monthly_oversight', year: 2026, month: 3 }, 'xlsx'],
    ];
    // Once untimed: the first PDF reads the 10 MB font and warms PDFKit's glyph cache.
    await maker.make(cases[0][1], 'pdf');
    const rawMedian = median(raw);
    console.log(
      `reports benchmark: ${cars} cars, ${trips} trips in March 2026, ${RUNS} runs each; ` +
        `${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`,
    );
    console.log(`raw limit: SELECT of the month's ${trips} trips: median ${rawMedian.toFixed(0)} ms`);
    let peakRss = 0;
    for (const [name, request, format] of cases) {
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < RUNS; i++) {
        times.push(
          await timed(async () => {
            size = (await maker.make(request, format)).bytes.length;
          }),
        );
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      const m = median(times);
      console.log(
        `${name}: median ${m.toFixed(0)} ms (${(m / rawMedian).toFixed(1)} × raw), ${(size / 1024).toFixed(0)} KiB`,
      );
    }
    console.log(`peak RSS of the benchmark process: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    await app.close();
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
