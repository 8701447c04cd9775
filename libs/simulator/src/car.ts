import { offsetM, type LatLon } from './geometry.js';
import { randomFor } from './random.js';

/** A car as the simulator drives it: its terminal and the lot of its unit. */
export interface SimCar {
  terminalId: string;
  /** Where the car parks overnight (WGS-84): its unit's home lot. */
  homeLot: LatLon;
}

/** The car's own bay, a few metres from the lot centre, so 60 cars of one unit do not stand on one spot. */
export function parkingBay(car: SimCar): LatLon {
  const random = randomFor(car.terminalId, 'bay');
  return offsetM(car.homeLot, (random() - 0.5) * 50, (random() - 0.5) * 50);
}
