import { booleanPointInPolygon, lineString, point, pointToLineDistance } from '@turf/turf';
import { DataSource } from 'typeorm';
import { verifySecret } from '#app/crypto';
import { DEMO_BINDING_FROM, DEMO_UNITS, DEMO_VEHICLES, demoTerminalSecret, loadDemoFleet } from '#app/demo-fleet';
import { convertPosition, districtFeature, SUCHENG_ADCODE, SUYU_ADCODE } from '#app/geo';
import { boundTerminalOn } from '#app/registry';
import { suiteDatabase } from '../support/suite-database.js';

describe('demo fleet', () => {
  const suite = suiteDatabase();

  it('loads 403 cars, each with its own bound terminal, and a second load changes nothing', async () => {
    const first = await loadDemoFleet(suite.db);
    expect(first).toEqual({
      unitsCreated: DEMO_UNITS.length,
      vehiclesCreated: 403,
      terminalsCreated: 403,
      bindingsCreated: 403,
    });
    const before = await suite.db.query(
      'SELECT id, plate_normalized, unit_id, category, status FROM vehicles ORDER BY id',
    );
    const second = await loadDemoFleet(suite.db);
    expect(second).toEqual({ unitsCreated: 0, vehiclesCreated: 0, terminalsCreated: 0, bindingsCreated: 0 });
    const after = await suite.db.query(
      'SELECT id, plate_normalized, unit_id, category, status FROM vehicles ORDER BY id',
    );
    expect(after.rows).toEqual(before.rows);

    const { rows } = await suite.db.query(`
      SELECT (SELECT count(*)::int FROM vehicles) AS vehicles,
             (SELECT count(*)::int FROM units) AS units,
             (SELECT count(*)::int FROM terminals) AS terminals,
             (SELECT count(*)::int FROM terminal_bindings WHERE valid_to IS NULL) AS open_bindings,
             (SELECT count(*)::int FROM terminal_bindings) AS bindings,
             (SELECT array_agg(DISTINCT category ORDER BY category) FROM vehicles) AS categories,
             (SELECT count(*)::int FROM vehicles WHERE plate_normalized !~ '^苏N[A-Z0-9警]{5}$') AS odd_plates`);
    expect(rows[0]).toEqual({
      vehicles: 403,
      units: DEMO_UNITS.length,
      terminals: 403,
      open_bindings: 403,
      bindings: 403,
      categories: ['confidential_comms', 'emergency', 'general', 'law_enforcement', 'special_technical'],
      odd_plates: 0,
    });
    expect(DEMO_UNITS.length).toBeGreaterThanOrEqual(30);
  });

  it('binds each car to the terminal its export names, from the documented day, within its unit quota', async () => {
    const { rows } = await suite.db.query(`
      SELECT v.plate_normalized, u.name AS unit, v.category, b.terminal_id, b.valid_from::text AS valid_from
        FROM vehicles v JOIN units u ON u.id = v.unit_id
        JOIN terminal_bindings b ON b.vehicle_id = v.id AND b.valid_to IS NULL`);
    const byPlate = new Map(rows.map((r) => [r.plate_normalized, r]));
    for (const v of DEMO_VEHICLES) {
      expect(byPlate.get(v.plateNormalized)).toEqual({
        plate_normalized: v.plateNormalized,
        unit: v.unitName,
        category: v.category,
        terminal_id: v.terminalId,
        valid_from: DEMO_BINDING_FROM,
      });
    }
    expect(DEMO_VEHICLES[0].terminalId).toBe('13800000001');
    expect(DEMO_VEHICLES[402].terminalId).toBe('13800000403');
    const quota = await suite.db.query(`
      SELECT u.name FROM units u WHERE u.vehicle_quota < (SELECT count(*) FROM vehicles v WHERE v.unit_id = u.id)`);
    expect(quota.rows).toEqual([]);
    const [sample] = (
      await suite.db.query('SELECT id FROM vehicles WHERE plate_normalized = $1', [DEMO_VEHICLES[7].plateNormalized])
    ).rows;
    expect(await boundTerminalOn(suite.db, sample.id, '2026-06-01')).toBe(DEMO_VEHICLES[7].terminalId);
    expect(await boundTerminalOn(suite.db, sample.id, '2025-12-31')).toBeNull();
  });

  it('stores for each terminal the hash of its derivable demo secret', async () => {
    const terminalId = DEMO_VEHICLES[41].terminalId;
    const { rows } = await suite.db.query('SELECT secret_hash FROM terminals WHERE terminal_id = $1', [terminalId]);
    expect(verifySecret(demoTerminalSecret(terminalId), rows[0].secret_hash)).toBe(true);
    expect(verifySecret(demoTerminalSecret(DEMO_VEHICLES[42].terminalId), rows[0].secret_hash)).toBe(false);
    expect(demoTerminalSecret(terminalId, 'another seed')).not.toBe(demoTerminalSecret(terminalId));
    expect(demoTerminalSecret(terminalId)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('does not bind again a car the centre has since unbound', async () => {
    const { rows } = await suite.db.query('SELECT id FROM vehicles WHERE plate_normalized = $1', [
      DEMO_VEHICLES[3].plateNormalized,
    ]);
    await suite.db.query('UPDATE terminal_bindings SET valid_to = $2 WHERE vehicle_id = $1', [
      rows[0].id,
      '2026-05-01',
    ]);
    expect((await loadDemoFleet(suite.db)).bindingsCreated).toBe(0);
    const open = await suite.db.query('SELECT count(*)::int AS n FROM terminal_bindings WHERE valid_to IS NULL');
    expect(open.rows[0].n).toBe(402);
  });

  it('loads through a TypeORM DataSource as well, again creating nothing', async () => {
    const ds = new DataSource({ type: 'postgres', url: suite.database.url, extra: { max: 1 } });
    await ds.initialize();
    try {
      expect(await loadDemoFleet(ds)).toEqual({
        unitsCreated: 0,
        vehiclesCreated: 0,
        terminalsCreated: 0,
        bindingsCreated: 0,
      });
    } finally {
      await ds.destroy();
    }
  });

  it('puts every home lot inside 宿豫区 and outside 宿城区 (boundaries in GCJ-02)', () => {
    const suyu = districtFeature(SUYU_ADCODE);
    const sucheng = districtFeature(SUCHENG_ADCODE);
    // Every ring of Suyu, the inner one against Sucheng included.
    const lines = suyu.geometry.coordinates.flat().map((ring) => lineString(ring));
    for (const unit of DEMO_UNITS) {
      const gcj = convertPosition([unit.homeLot.lon, unit.homeLot.lat], 'WGS84', 'GCJ02');
      expect({ unit: unit.key, inSuyu: booleanPointInPolygon(point(gcj), suyu) }).toEqual({
        unit: unit.key,
        inSuyu: true,
      });
      expect({ unit: unit.key, inSucheng: booleanPointInPolygon(point(gcj), sucheng) }).toEqual({
        unit: unit.key,
        inSucheng: false,
      });
      // GCJ-02 is offset about 0.5 km here: a lot at least 1.5 km inside stays inside in either datum.
      const clearance = Math.min(...lines.map((l) => pointToLineDistance(point(gcj), l, { units: 'kilometers' })));
      expect({ unit: unit.key, clear: clearance >= 1.5 }).toEqual({ unit: unit.key, clear: true });
    }
  });

  it('keeps the exported fleet stable and plates unique', () => {
    expect(new Set(DEMO_VEHICLES.map((v) => v.plateNormalized)).size).toBe(403);
    expect(new Set(DEMO_VEHICLES.map((v) => v.terminalId)).size).toBe(403);
    expect(new Set(DEMO_UNITS.map((u) => u.key)).size).toBe(DEMO_UNITS.length);
    const shares = Object.fromEntries(
      ['general', 'law_enforcement', 'emergency', 'special_technical', 'confidential_comms'].map((c) => [
        c,
        DEMO_VEHICLES.filter((v) => v.category === c).length,
      ]),
    );
    expect(shares).toEqual({
      general: 230,
      law_enforcement: 113,
      emergency: 34,
      special_technical: 16,
      confidential_comms: 10,
    });
    expect(
      DEMO_VEHICLES.filter((v) => v.unitKey === 'police' && v.category === 'law_enforcement').every((v) =>
        v.plateNumber.endsWith('警'),
      ),
    ).toBe(true);
  });
});
