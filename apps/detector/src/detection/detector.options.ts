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
  /**
   * Save a car's state (its checkpoint: watermark, state and snapshot) after this many positions evaluated
   * since the last one, always after a re-evaluation and the first evaluation of a car. In between the state
   * lives in memory only; after a crash the positions since the checkpoint are evaluated again.
   */
  checkpointPositions: number;
  /** Also save it once this long has passed since the last save (0: after every cycle, as tests want). */
  statePersistMs: number;
  /** And when the car has had nothing new for this long, if at least `idleCheckpointPositions` are unsaved. */
  idleCheckpointMs: number;
  idleCheckpointPositions: number;
  /**
   * Move the end of findings under way and the trip under way at least this often (always with findings,
   * ended trips and checkpoints).
   */
  progressMs: number;
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
  checkpointPositions: 1_000,
  statePersistMs: 6 * 3_600_000,
  idleCheckpointMs: 10_000,
  idleCheckpointPositions: 100,
  progressMs: 2_000,
  vehiclesPerCycle: 500,
  positionsPerVehicle: 5_000,
};
