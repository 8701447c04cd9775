import { readFileSync } from 'node:fs';
import { DEMO_POINTS, DEMO_VENUES, loadDemoFences, loadFences, projectFile } from '#app/geo';
import { startTestApi, type TestApi } from '../support/test-app.js';

/** WGS-84 ↔ GCJ-02 pair published with googollee/eviltransform (Beijing), and gcoord's WGS-84 ↔ BD-09 anchor. */
const BEIJING_WGS = [116.377817, 39.911954];
const BEIJING_GCJ = [116.38404722455657, 39.91334545536069];
const ANCHOR_WGS = [116.403988, 39.914266];
const ANCHOR_BD = [116.41661560068297, 39.92196580126834];
/** 1e-6° ≈ 0.1 m. */
const TOLERANCE = 1e-6;

function square(corner: number[], size = 0.01): number[][][] {
  const [x, y] = corner;
  return [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ],
  ];
}

describe('fences', () => {
  let api: TestApi;
  let centre: string;
  let inspector: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
  });
  afterAll(() => api.close());

  it('converts a polygon drawn in GCJ-02 to WGS-84 (checked against a published reference pair) and keeps the drawing', async () => {
    const res = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({
        name: 'Beijing test square',
        kind: 'forbidden',
        coordinateSystem: 'GCJ02',
        geometry: { type: 'Polygon', coordinates: square(BEIJING_GCJ) },
      })
      .expect(201);
    expect(res.body).toMatchObject({
      kind: 'forbidden',
      coordinateSystem: 'GCJ02',
      shapeType: 'polygon',
      active: true,
    });
    expect(res.body.sourceGeometry).toEqual({ type: 'Polygon', coordinates: square(BEIJING_GCJ) });
    const [lon, lat] = res.body.geometry.coordinates[0][0];
    expect(Math.abs(lon - BEIJING_WGS[0])).toBeLessThan(TOLERANCE);
    expect(Math.abs(lat - BEIJING_WGS[1])).toBeLessThan(TOLERANCE);
  });

  it('turns a circle drawn in BD-09 into a WGS-84 polygon around the converted centre', async () => {
    const res = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({
        name: 'Baidu circle',
        kind: 'restaurant',
        coordinateSystem: 'BD09',
        geometry: { type: 'Point', coordinates: ANCHOR_BD },
        radiusM: 100,
      })
      .expect(201);
    expect(res.body).toMatchObject({ shapeType: 'circle', radiusM: 100, widthM: null });
    const ring: number[][] = res.body.geometry.coordinates[0].slice(0, -1);
    const centreLon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
    const centreLat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
    // BD-09 → WGS-84 goes through the approximate BD-09 inverse: within 5e-6° (about half a metre).
    expect(Math.abs(centreLon - ANCHOR_WGS[0])).toBeLessThan(5e-6);
    expect(Math.abs(centreLat - ANCHOR_WGS[1])).toBeLessThan(5e-6);
  });

  it('stores a corridor with its width and a speed zone with its limit', async () => {
    const res = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({
        name: 'S324 through town',
        kind: 'speed_zone',
        coordinateSystem: 'WGS84',
        geometry: {
          type: 'LineString',
          coordinates: [
            [118.3, 33.95],
            [118.32, 33.96],
          ],
        },
        widthM: 40,
        speedLimitKmh: 60,
      })
      .expect(201);
    expect(res.body).toMatchObject({ shapeType: 'corridor', widthM: 40, speedLimitKmh: 60 });
    expect(res.body.geometry.type).toBe('Polygon');
  });

  it.each([
    [
      'a self-intersecting polygon',
      {
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [118.3, 33.9],
              [118.31, 33.91],
              [118.31, 33.9],
              [118.3, 33.91],
            ],
          ],
        },
      },
      'polygon intersects itself at [118.305000, 33.905000]',
    ],
    [
      'a ring with too few points',
      {
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [118.3, 33.9],
              [118.31, 33.9],
              [118.3, 33.9],
            ],
          ],
        },
      },
      'polygon ring 0 has too few points: a ring needs at least 3 distinct positions (4 including the closing one), got 2',
    ],
    [
      'a latitude out of range',
      {
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [118.3, 33.9],
              [118.31, 95],
              [118.31, 33.91],
              [118.3, 33.9],
            ],
          ],
        },
      },
      'polygon ring 0 position 1: latitude 95 is out of range -90..90',
    ],
    [
      'a circle of radius 0',
      { geometry: { type: 'Point', coordinates: [118.3, 33.9] }, radiusM: 0 },
      'radiusM must be a number greater than 0 (metres)',
    ],
    [
      'a speed zone without a limit',
      { kind: 'speed_zone', geometry: { type: 'Polygon', coordinates: square([118.3, 33.9]) } },
      'speedLimitKmh is required for a speed_zone fence',
    ],
    [
      'cars linked to a forbidden venue',
      {
        geometry: { type: 'Polygon', coordinates: square([118.3, 33.9]) },
        vehicleIds: ['7b0e8e62-4f4a-4c39-9a6a-2f1f9a0a0a0a'],
      },
      'vehicleIds and unitIds apply only to a parking fence',
    ],
  ])('refuses %s with a 400 that says what is wrong', async (_, patch, message) => {
    const res = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({ name: 'bad', kind: 'forbidden', coordinateSystem: 'WGS84', ...patch })
      .expect(400);
    expect(res.body.message).toContain(message);
  });

  it('names unknown cars of a parking fence', async () => {
    const res = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({
        name: 'lot',
        kind: 'parking',
        coordinateSystem: 'WGS84',
        geometry: { type: 'Point', coordinates: [118.3, 33.9] },
        radiusM: 80,
        vehicleIds: ['7b0e8e62-4f4a-4c39-9a6a-2f1f9a0a0a0a'],
      })
      .expect(400);
    expect(res.body.message).toEqual(['vehicleIds name unknown vehicles: 7b0e8e62-4f4a-4c39-9a6a-2f1f9a0a0a0a']);
  });

  it('lets inspectors read but not write, and keeps unit clerks out', async () => {
    await api.http.get('/api/v1/fences').set(auth(inspector)).expect(200);
    await api.http
      .post('/api/v1/fences')
      .set(auth(inspector))
      .send({
        name: 'x',
        kind: 'forbidden',
        coordinateSystem: 'WGS84',
        geometry: { type: 'Point', coordinates: [1, 2] },
        radiusM: 5,
      })
      .expect(403);
    const clerk = await api.tokenFor(['unit']);
    await api.http.get('/api/v1/fences').set(auth(clerk)).expect(403);
  });

  it('reads, filters, patches, replaces and deletes a fence, keeping each change in the history', async () => {
    const created = await api.http
      .post('/api/v1/fences')
      .set(auth(centre))
      .send({
        name: 'club',
        kind: 'forbidden',
        coordinateSystem: 'WGS84',
        geometry: { type: 'Polygon', coordinates: square([118.4, 33.9]) },
      })
      .expect(201);
    const id = created.body.id;
    await api.http.get(`/api/v1/fences/${id}`).set(auth(inspector)).expect(200);
    const forbidden = await api.http.get('/api/v1/fences?kind=forbidden').set(auth(inspector)).expect(200);
    expect(forbidden.body.every((f: { kind: string }) => f.kind === 'forbidden')).toBe(true);
    expect(forbidden.body.map((f: { id: string }) => f.id)).toContain(id);
    const restaurants = await api.http.get('/api/v1/fences?kind=restaurant').set(auth(inspector)).expect(200);
    expect(restaurants.body.map((f: { id: string }) => f.id)).not.toContain(id);

    const renamed = await api.http
      .patch(`/api/v1/fences/${id}`)
      .set(auth(centre))
      .send({ name: 'club (closed)', active: false })
      .expect(200);
    expect(renamed.body).toMatchObject({ name: 'club (closed)', active: false, shapeType: 'polygon' });
    expect(renamed.body.geometry).toEqual(created.body.geometry);

    const reshaped = await api.http
      .patch(`/api/v1/fences/${id}`)
      .set(auth(centre))
      .send({ geometry: { type: 'Point', coordinates: [118.4, 33.9] }, radiusM: 50 })
      .expect(200);
    expect(reshaped.body).toMatchObject({ shapeType: 'circle', radiusM: 50, name: 'club (closed)' });

    const redrawn = await api.http
      .patch(`/api/v1/fences/${id}`)
      .set(auth(centre))
      .send({ coordinateSystem: 'GCJ02' })
      .expect(200);
    expect(redrawn.body).toMatchObject({ shapeType: 'circle', radiusM: 50, coordinateSystem: 'GCJ02' });
    expect(redrawn.body.geometry).not.toEqual(reshaped.body.geometry);

    const badPatch = await api.http.patch(`/api/v1/fences/${id}`).set(auth(centre)).send({ radiusM: -1 }).expect(400);
    expect(badPatch.body.message).toContain('radiusM must be a number greater than 0 (metres)');

    const replaced = await api.http
      .put(`/api/v1/fences/${id}`)
      .set(auth(centre))
      .send({
        name: 'zone',
        kind: 'speed_zone',
        coordinateSystem: 'WGS84',
        speedLimitKmh: 40,
        geometry: { type: 'Polygon', coordinates: square([118.4, 33.9]) },
      })
      .expect(200);
    expect(replaced.body).toMatchObject({
      name: 'zone',
      kind: 'speed_zone',
      speedLimitKmh: 40,
      radiusM: null,
      active: true,
    });

    await api.http.delete(`/api/v1/fences/${id}`).set(auth(centre)).expect(204);
    await api.http.get(`/api/v1/fences/${id}`).set(auth(centre)).expect(404);
    await api.http.delete(`/api/v1/fences/${id}`).set(auth(centre)).expect(404);
    const history = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'fence' AND entity_id = $1 ORDER BY seq`,
      [id],
    );
    expect(history.rows.map((r) => r.action)).toEqual([
      'created',
      'updated',
      'updated',
      'updated',
      'replaced',
      'deleted',
    ]);
  });

  describe('importing a FeatureCollection', () => {
    const districts = JSON.parse(
      readFileSync(projectFile('libs', 'geo', 'assets', 'suqian-districts-gcj02.geojson'), 'utf8'),
    );

    it('refuses the whole collection when one feature is bad, naming its index, and stores nothing', async () => {
      const before = await api.db.query('SELECT count(*)::int AS n FROM fences');
      const res = await api.http
        .post('/api/v1/fences/import')
        .set(auth(centre))
        .send({ type: 'FeatureCollection', coordinateSystem: 'GCJ02', features: districts.features })
        .expect(400);
      expect(res.body.message).toEqual([
        'features[1]: properties.kind must be one of: jurisdiction, forbidden, restaurant, parking, speed_zone (got "neighbour")',
      ]);
      const after = await api.db.query('SELECT count(*)::int AS n FROM fences');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    it('names a bad geometry of a feature', async () => {
      const res = await api.http
        .post('/api/v1/fences/import')
        .set(auth(centre))
        .send({
          type: 'FeatureCollection',
          coordinateSystem: 'WGS84',
          features: [
            {
              type: 'Feature',
              properties: { name: 'ok', kind: 'forbidden' },
              geometry: { type: 'Polygon', coordinates: square([118.3, 33.9]) },
            },
            {
              type: 'Feature',
              properties: { name: 'tiny', kind: 'forbidden' },
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [1, 1],
                    [2, 2],
                  ],
                ],
              },
            },
          ],
        })
        .expect(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^features\[1\]: polygon ring 0 has too few points/)]);
    });

    it('imports the district boundary drawn in GCJ-02: a car in Suyu is inside, a car in Sucheng has left', async () => {
      const suyu = { ...districts.features[0], properties: { name: '宿豫区', kind: 'jurisdiction' } };
      const res = await api.http
        .post('/api/v1/fences/import')
        .set(auth(centre))
        .send({ type: 'FeatureCollection', coordinateSystem: 'GCJ02', features: [suyu] })
        .expect(201);
      expect(res.body).toHaveLength(1);
      expect(res.body[0]).toMatchObject({ kind: 'jurisdiction', shapeType: 'multipolygon', coordinateSystem: 'GCJ02' });
      const index = await loadFences(api.db);
      const ids = (p: { lat: number; lon: number }) =>
        index
          .containing(p.lon, p.lat)
          .filter((f) => f.kind === 'jurisdiction')
          .map((f) => f.id);
      expect(ids(DEMO_POINTS.insideJurisdiction)).toEqual([res.body[0].id]);
      expect(ids(DEMO_POINTS.inSucheng)).toEqual([]);
      await api.http.delete(`/api/v1/fences/${res.body[0].id}`).set(auth(centre)).expect(204);
    });
  });

  it('creates the demo fences once: jurisdiction, an 80 m lot per unit and the venues', async () => {
    const unit = await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('demo unit', 5) RETURNING id`);
    const unitId = unit.rows[0].id;
    const lots = [{ unitId, label: 'demo unit', lat: 33.948631, lon: 118.347282 }];
    const first = await loadDemoFences(api.db, lots);
    const second = await loadDemoFences(api.db, lots);
    expect([...second.entries()]).toEqual([...first.entries()]);
    expect(first.size).toBe(2 + DEMO_VENUES.length);
    const index = await loadFences(api.db);
    const kindsAt = (lon: number, lat: number) =>
      index
        .containing(lon, lat)
        .map((f) => f.kind)
        .sort();
    expect(kindsAt(118.347282, 33.948631)).toEqual(['jurisdiction', 'parking']);
    expect(index.all().find((f) => f.kind === 'parking')?.unitIds).toEqual([unitId]);
    for (const venue of DEMO_VENUES) expect(kindsAt(venue.lon, venue.lat)).toEqual(['jurisdiction', venue.kind].sort());
    expect(kindsAt(DEMO_POINTS.inSucheng.lon, DEMO_POINTS.inSucheng.lat)).toEqual([]);
  });
});
