/** How the detector paces itself; defaults for production, tests shorten them. */
export interface DetectorOptions {
  /** Look for anything the hand-off missed (lost message, restart) this often. */
  catchUpMs: number;
  /** Reload fences, calendar, parameters and the fleet this often. */
  contextRefreshMs: number;
  /** Sweep for terminals silent longer than the threshold this often (0 = never, e.g. the scheduler does it). */
  silentSweepMs: number;
  /** A transaction may commit this long after it stamped `received_at`; reads overlap by this much. */
  commitMarginSeconds: number;
  /** Write a car's watermark and state at least this often (always with findings, snapshots and replays). */
  statePersistMs: number;
  /** Cars per evaluation cycle and positions per car per cycle. */
  vehiclesPerCycle: number;
  positionsPerVehicle: number;
}

export const DETECTOR_OPTIONS = Symbol('DETECTOR_OPTIONS');

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  catchUpMs: 30_000,
  contextRefreshMs: 30_000,
  silentSweepMs: 600_000,
  commitMarginSeconds: 30,
  statePersistMs: 2_000,
  vehiclesPerCycle: 500,
  positionsPerVehicle: 5_000,
};
