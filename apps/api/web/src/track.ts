import { decodeCompactTrack, type CompactTrack, type TrackFix } from '../../src/vehicles-track/compact-track.js';
import { api } from './api.js';

export type { TrackFix };

/**
 * A car's fixes in [from, to), in fix-time order: the API's compact form (a tenth of GeoJSON's bytes, brotli or
 * gzip on the way) decoded here.
 */
export async function loadTrack(vehicleId: string, from: string, to: string): Promise<TrackFix[]> {
  const body = await api<CompactTrack>(
    `vehicles/${vehicleId}/track?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&format=compact`,
  );
  return decodeCompactTrack(body);
}
