import { decodeCursor, encodeCursor } from './track-cursor.js';
import { negotiateCoding } from './track-encoding.js';

describe('negotiateCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, br;q=0.5', 'gzip'],
    ['br;q=0, gzip;q=0.1', 'gzip'],
    ['gzip;q=0', 'identity'],
    ['deflate', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['gzip;q=abc', 'identity'],
  ])('answers %p with %p', (header, coding) => {
    expect(negotiateCoding(header)).toBe(coding);
  });
});

describe('the paging cursor', () => {
  it('comes back as the fix it was made from', () => {
    const position = { timeUs: 1_795_654_800_123_456, terminalId: '13800000001' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['x', 'MTIz', Buffer.from('12.a b').toString('base64url'), Buffer.from('abc.T1').toString('base64url')])(
    'refuses %p naming after',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(
        expect.objectContaining({
          response: expect.objectContaining({ message: [expect.stringMatching(/^after must be/)] }),
        }),
      );
    },
  );
});
