/** Where a car's terminal stands, as the live view shows it. The three states add up to the fleet. */
export type LinkState = 'online' | 'offline' | 'never_reported';

export interface LiveSignal {
  /** Time of the latest accepted position; null while the terminal has never reported one. */
  fixTime: Date | null;
  /** When the latest message reached the platform. */
  receivedAt: Date | null;
  /** What the terminal last said on its status topic (its will says false when the link drops). */
  statusOnline: boolean | null;
}

/**
 * Online means the terminal said so on its status topic AND something arrived within the silence limit:
 * a terminal whose link died without the broker noticing must not look alive forever.
 */
export function linkState(signal: LiveSignal, now: Date, offlineAfterSeconds: number): LinkState {
  if (signal.fixTime === null && signal.receivedAt === null) return 'never_reported';
  if (!signal.statusOnline || signal.receivedAt === null) return 'offline';
  return now.getTime() - signal.receivedAt.getTime() <= offlineAfterSeconds * 1000 ? 'online' : 'offline';
}
