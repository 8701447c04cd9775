import { convertPosition, toWgs84 } from './coordinates.js';

/**
 * Reference pairs published with googollee/eviltransform (its test suite: Shanghai, Shenzhen, Beijing) and the
 * gcoord README. Tolerance: 1e-6° (about 0.1 m) for the closed-form directions, 1e-6° for the iterative
 * GCJ-02 → WGS-84 inverse as well (it converges to centimetres); 1e-5° for the 8-decimal README anchor.
 */
const WGS_GCJ: [string, [number, number], [number, number]][] = [
  ['Shanghai', [121.5272106, 31.1774276], [121.531541859215, 31.17530398364597]],
  ['Shenzhen', [113.912316, 22.543847], [113.9171764808363, 22.540796131694766]],
  ['Beijing', [116.377817, 39.911954], [116.38404722455657, 39.91334545536069]],
];
const TOLERANCE_DEG = 1e-6;

function expectNear(actual: number[], expected: number[], tolerance = TOLERANCE_DEG) {
  expect(Math.abs(actual[0] - expected[0])).toBeLessThan(tolerance);
  expect(Math.abs(actual[1] - expected[1])).toBeLessThan(tolerance);
}

describe('coordinate conversion', () => {
  it.each(WGS_GCJ)('shifts WGS-84 to the published GCJ-02 position in %s', (_, wgs, gcj) => {
    expectNear(convertPosition(wgs, 'WGS84', 'GCJ02'), gcj);
  });

  it.each(WGS_GCJ)('brings the published GCJ-02 position in %s back to WGS-84', (_, wgs, gcj) => {
    expectNear(toWgs84(gcj, 'GCJ02'), wgs);
  });

  it('converts the gcoord README anchors (GCJ-02 → WGS-84 and WGS-84 → BD-09)', () => {
    // gcoord's own test checks this anchor to 5 decimals.
    expectNear(toWgs84([123, 45], 'GCJ02'), [122.99395597, 44.99804071], 1e-5);
    expectNear(convertPosition([116.403988, 39.914266], 'WGS84', 'BD09'), [116.41661560068297, 39.92196580126834]);
  });

  it('converts the gcoord GCJ-02 → BD-09 anchor', () => {
    expectNear(convertPosition([123, 45], 'GCJ02', 'BD09'), [123.00636499, 45.00636899], 1e-5);
  });

  // BD-09 → GCJ-02 is the usual closed-form approximate inverse: about 0.1 m off.
  it('round-trips BD-09 to WGS-84 within half a metre', () => {
    const bd = convertPosition([118.33, 33.95], 'WGS84', 'BD09');
    expect(Math.abs(bd[0] - 118.33)).toBeGreaterThan(0.005);
    expectNear(toWgs84(bd, 'BD09'), [118.33, 33.95], 5e-6);
  });

  it('moves a Suqian point by the expected few hundred metres between GCJ-02 and WGS-84', () => {
    const [lon, lat] = toWgs84([118.33, 33.95], 'GCJ02');
    const dx = (lon - 118.33) * 111_320 * Math.cos((33.95 * Math.PI) / 180);
    const dy = (lat - 33.95) * 110_574;
    const metres = Math.hypot(dx, dy);
    expect(metres).toBeGreaterThan(300);
    expect(metres).toBeLessThan(800);
  });

  it('leaves WGS-84 input as it is', () => {
    expect(toWgs84([118.33, 33.95], 'WGS84')).toEqual([118.33, 33.95]);
  });
});
