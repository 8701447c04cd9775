/**
 * The terminal simulator: realistic days of the demo fleet (trips in working hours, nights in the unit's
 * lot, blind areas uploaded later as replay batches) and scripted misuse scenarios, as the MQTT messages
 * the in-car terminals would send.
 *
 * - Pure: `planDay` (one car, one local day), `SimTerminal` (plans → messages), `scenarioMessages` and
 *   `scenarioShape` (one scenario for one car on a pinned day, and when its parts happen).
 * - MQTT: `startSimulator` (a fleet, one connection per car), `publishAsTerminal` (a message list).
 * - `npm run simulate -- --help` for the command line; `npm run demo` runs the service with it.
 */
export type { SimCar } from './car.js';
export { parkingBay } from './car.js';
export { demoDrivingArea, BOUNDARY_MARGIN_M, VENUE_CLEARANCE_M } from './district.js';
export type { DrivingArea } from './district.js';
export {
  planDay,
  defaultPlanContext,
  officialWorkingDay,
  pickDestination,
  TRIP_WINDOWS,
  TOWN_SPEED_KMH,
} from './day-plan.js';
export type { PlanContext } from './day-plan.js';
export { distanceM, bearingDeg } from './geometry.js';
export type { LatLon } from './geometry.js';
export { stateAt, segmentAt, within } from './plan.js';
export type { Plan, Segment, CarState, TimeWindow } from './plan.js';
export { SCENARIO_KINDS, MALFORMED_KINDS, MALFORMED_EVERY, OVERNIGHT_RETURN_AT, scenarioShape } from './scenarios.js';
export type { ScenarioKind, ScenarioAssignment, ScenarioShape, MalformedKind } from './scenarios.js';
export {
  SimTerminal,
  defaultEncoding,
  PROTOBUF_SHARE,
  ALARM_ANTENNA_CUT,
  STATUS_ACC,
  STATUS_POSITIONED,
  toJson,
  toProto,
} from './terminal.js';
export type { Fix, SimMessage, Encoding, TerminalOptions } from './terminal.js';
export { scenarioMessages, publishAsTerminal } from './scenario-run.js';
export type { ScenarioRunInput } from './scenario-run.js';
export { startSimulator } from './runner.js';
export type { SimulatorOptions, RunningSimulator, SimulatorStats } from './runner.js';
export { simulatedClock } from './sim-clock.js';
export type { SimulatedClock } from './sim-clock.js';
export { demoCars, demoSecret, pickScenarioCars } from './fleet.js';
export { parseSimulatorArgs, SIMULATOR_USAGE, autoStart } from './args.js';
export type { SimulatorArgs } from './args.js';
export { runSimulatorFromArgs, argsFailure, AUTO_FAST_FORWARD } from './command.js';
export { Jt808Terminal } from './jt808-terminal.js';
export type { Jt808TerminalOptions } from './jt808-terminal.js';
export { sendAsJt808Terminal, startJt808Simulator } from './jt808-runner.js';
export type { Jt808SimulatorOptions } from './jt808-runner.js';
export { fixToLocation, jt808Edition, toJt808 } from './jt808-sim.js';
export type { Jt808Send } from './jt808-sim.js';
