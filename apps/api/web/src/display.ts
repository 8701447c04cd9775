// The service's own conversion (gcoord underneath), so the map shifts exactly as fences are converted.
import { convertPosition } from '../../../../libs/geo/src/coordinates.js';

/** Coordinate systems a tile source may be drawn in. */
export type TileSystem = 'wgs84' | 'gcj02' | 'cgcs2000';

/**
 * Where to draw a stored (WGS-84) coordinate: shifted to GCJ-02 only under GCJ-02 tiles (Amap), so a car sits
 * on its road; CGCS2000 (Tianditu) and WGS-84 differ by centimetres and are drawn as they are. Without tiles
 * there is nothing to line up with, so nothing moves.
 */
export function displayer(system: TileSystem, hasTiles: boolean): (lat: number, lon: number) => [number, number] {
  if (system !== 'gcj02' || !hasTiles) return (lat, lon) => [lat, lon];
  return (lat, lon) => {
    const [x, y] = convertPosition([lon, lat], 'WGS84', 'GCJ02');
    return [y, x];
  };
}

export type CarColour = 'moving' | 'parked' | 'offline' | 'alarm';

export interface CarSignal {
  state: 'online' | 'offline' | 'never_reported';
  speedKmh: number | null;
  alarmFlags: number | null;
}

/** Below this a car counts as standing (GNSS drift of a parked car reads a few km/h). */
export const MOVING_KMH = 5;

/** The colour of a car: a finding today or an alarm first, then whether it is heard, then whether it moves. */
export function colourOf(car: CarSignal, flagged: boolean): CarColour {
  if (flagged || (car.alarmFlags ?? 0) !== 0) return 'alarm';
  if (car.state !== 'online') return 'offline';
  return (car.speedKmh ?? 0) >= MOVING_KMH ? 'moving' : 'parked';
}
