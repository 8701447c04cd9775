import { linkState } from './live-status.js';

const NOW = new Date('2026-11-26T02:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

describe('linkState', () => {
  it.each([
    ['said online, heard 10 s ago', { fixTime: ago(11), receivedAt: ago(10), statusOnline: true }, 'online'],
    [
      'said online, heard exactly at the limit',
      { fixTime: ago(301), receivedAt: ago(300), statusOnline: true },
      'online',
    ],
    [
      'said online, silent one second past the limit',
      { fixTime: ago(302), receivedAt: ago(301), statusOnline: true },
      'offline',
    ],
    [
      'its will said offline, heard 10 s ago',
      { fixTime: ago(11), receivedAt: ago(10), statusOnline: false },
      'offline',
    ],
    ['status unknown, heard 10 s ago', { fixTime: ago(11), receivedAt: ago(10), statusOnline: null }, 'offline'],
    ['said online, no position yet', { fixTime: null, receivedAt: ago(5), statusOnline: true }, 'online'],
    ['never heard at all', { fixTime: null, receivedAt: null, statusOnline: null }, 'never_reported'],
  ] as const)('%s → %s', (_, signal, state) => {
    expect(linkState(signal, NOW, 300)).toBe(state);
  });
});
