/**
 * The demo fleet of 宿豫区 (Suyu district, Suqian): what the demo, the simulator and many tests stand on.
 * These exports are a stable interface — fences, the simulator and the detector build on them:
 *
 * - `DEMO_UNITS`: 35 district units (区财政局, 区公安分局, …), each with a stable `key`, its `vehicleQuota`
 *   and `homeLot` (WGS-84 lat/lon of its overnight parking, at least 1.5 km inside the GCJ-02 boundary of Suyu
 *   in `#app/geo`'s `suqianDistricts()`, so outside Sucheng).
 * - `DEMO_VEHICLES`: the 403 cars, index 1…403, plate `苏N·X1234` (normalised `苏NX1234`), category (all five),
 *   unit, and terminal id `1380000` + 4-digit index (11 digits, e.g. `13800000001`).
 * - `DEMO_BINDING_FROM` (2026-01-01): every demo terminal is bound to its car from that day.
 * - `demoTerminalSecret(terminalId)`: FOR THE DEMO ONLY, the terminal's MQTT password, HMAC-SHA256 of the
 *   terminal id under a public seed (`DEFAULT_DEMO_SECRET_SEED`, or env `DEMO_SECRET_SEED`).
 * - `loadDemoFleet(db)`: writes it all into a migrated database; idempotent.
 *
 * Load it with `npm run demo:fleet` (DATABASE_URL, or the embedded database when unset).
 */
export {
  DEFAULT_DEMO_SECRET_SEED,
  DEMO_BINDING_FROM,
  DEMO_UNITS,
  DEMO_VEHICLES,
  DEMO_VEHICLE_COUNT,
  demoHomeLot,
  demoTerminalSecret,
  demoUnit,
} from './fleet.js';
export type { DemoUnit, DemoVehicle, LatLon } from './fleet.js';
export { loadDemoFleet } from './load.js';
export type { DemoFleetOptions, DemoFleetResult, DemoSqlRunner } from './load.js';
