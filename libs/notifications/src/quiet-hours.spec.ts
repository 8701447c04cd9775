import { quietEnd, quietUntil } from './quiet-hours.js';

const shanghai = (s: string) => new Date(`${s}+08:00`);

describe('quiet hours, read in the district time zone', () => {
  const night = { from: '22:00', to: '07:00' };

  it.each([
    ['2026-11-19T21:59:59', null],
    ['2026-11-19T22:00:00', '2026-11-20T07:00:00'],
    ['2026-11-19T23:30:00', '2026-11-20T07:00:00'],
    ['2026-11-20T00:00:00', '2026-11-20T07:00:00'],
    ['2026-11-20T06:59:59', '2026-11-20T07:00:00'],
    ['2026-11-20T07:00:00', null],
    ['2026-11-20T12:00:00', null],
  ])('22:00–07:00 at %s ends at %s', (at, end) => {
    expect(quietUntil(shanghai(at), night, 'Asia/Shanghai')).toEqual(end ? shanghai(end) : null);
  });

  it('reads a stretch within one day, the end exclusive', () => {
    const lunch = { from: '12:00', to: '14:00' };
    expect(quietUntil(shanghai('2026-11-19T12:00:00'), lunch, 'Asia/Shanghai')).toEqual(
      shanghai('2026-11-19T14:00:00'),
    );
    expect(quietUntil(shanghai('2026-11-19T14:00:00'), lunch, 'Asia/Shanghai')).toBeNull();
    expect(quietUntil(shanghai('2026-11-19T11:59:00'), lunch, 'Asia/Shanghai')).toBeNull();
  });

  it('takes the wall clock of the zone it is given, not the process time zone', () => {
    // 23:30 in Shanghai is 16:30 in Berlin (winter): quiet in one, not in the other.
    const at = shanghai('2026-11-19T23:30:00');
    expect(quietUntil(at, night, 'Asia/Shanghai')).not.toBeNull();
    expect(quietUntil(at, night, 'Europe/Berlin')).toBeNull();
    // Across Berlin's change to summer time the night is an hour shorter: 07:00 CEST is 05:00 UTC.
    expect(quietUntil(new Date('2026-03-29T00:30:00Z'), night, 'Europe/Berlin')).toEqual(
      new Date('2026-03-29T05:00:00Z'),
    );
  });

  it('holds until the latest end of the stretches it is inside', () => {
    const at = shanghai('2026-11-19T23:00:00');
    expect(quietEnd(at, [night, { from: '21:00', to: '08:00' }, null], 'Asia/Shanghai')).toEqual(
      shanghai('2026-11-20T08:00:00'),
    );
    expect(quietEnd(at, [null, { from: '08:00', to: '09:00' }], 'Asia/Shanghai')).toBeNull();
  });
});
