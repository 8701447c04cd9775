import { addDays } from '#app/calendar';
import { DEMO_VEHICLES, demoHomeLot, demoTerminalSecret } from '#app/demo-fleet';
import type { SimCar } from './car.js';
import { seedOf } from './random.js';
import { SCENARIO_KINDS, type ScenarioAssignment, type ScenarioKind } from './scenarios.js';

/** The first `count` cars of the demo fleet, each at its unit's lot. */
export function demoCars(count = DEMO_VEHICLES.length): SimCar[] {
  return DEMO_VEHICLES.slice(0, count).map((v) => ({ terminalId: v.terminalId, homeLot: demoHomeLot(v) }));
}

/** FOR THE DEMO ONLY: demo terminals sign in with the secret derived from the public demo seed. */
export const demoSecret = (terminalId: string) => demoTerminalSecret(terminalId);

/**
 * Picks `perKind` cars for each scenario kind (the same cars on every run for the same fleet) and has them
 * repeat it every day from `firstDay` for `days` days; `silent` happens once, since it never ends.
 */
export function pickScenarioCars(
  cars: readonly SimCar[],
  kinds: readonly ScenarioKind[],
  firstDay: string,
  perKind = 2,
  days = 14,
): ScenarioAssignment[] {
  const order = [...cars].sort(
    (a, b) =>
      seedOf(a.terminalId, 'scenario') - seedOf(b.terminalId, 'scenario') || a.terminalId.localeCompare(b.terminalId),
  );
  const assignments: ScenarioAssignment[] = [];
  let next = 0;
  for (const kind of SCENARIO_KINDS.filter((k) => kinds.includes(k))) {
    for (let n = 0; n < perKind && next < order.length; n++) {
      const car = order[next++];
      const repeat = kind === 'silent' ? 1 : days;
      for (let d = 0; d < repeat; d++)
        assignments.push({ kind, terminalId: car.terminalId, day: addDays(firstDay, d) });
    }
  }
  return assignments;
}
