import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import { fixedClock } from '#app/calendar';
import { hashPassword } from '#app/crypto';
import { metricsRegistry } from '#app/metrics';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { invoiceLockKey } from '../../apps/api/src/payment-gate/payment-gate.service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { checkedRequest, testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { addCar, addUnit, bind, heardAt } from './gate-fixtures.js';

/** Same lock space as the gate's per-invoice lock, so a test can hold an invoice as a stuck transaction would. */
const INVOICE_LOCK_SPACE = 7_340_050;
const STUCK = invoiceLockKey('INV-STUCK');

describe('payment gate when the database cannot be reached', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  /** Direct to the database, around the proxy: what the test sees is what is really stored. */
  let direct: pg.Pool;
  let token: string;
  let apiKey: string;

  const body = (invoiceNo: string) => ({
    plateNumber: '苏N·B0001',
    expenseType: 'repair',
    amount: '1200.00',
    invoiceNo,
    expenseDate: '2026-11-20',
  });
  const recorded = async () =>
    (await direct.query('SELECT count(*)::int AS n FROM payment_checks')).rows[0].n as number;
  /** Checks the gate could not decide, as /metrics counts them. */
  const undecided = async () => {
    const text = await metricsRegistry.getSingleMetricAsString('oversight_gate_decision_seconds');
    return Number(/^oversight_gate_decision_seconds_count\{result="unavailable"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    const config = testConfig(proxy.url(database.url));
    app = await createApiApp(config, testInfrastructure(config), {
      clock: fixedClock('2026-11-26T02:00:00Z'),
    });
    await app.init();
    http = checkedRequest(app);
    direct = new pg.Pool({ connectionString: database.url, max: 2 });

    const unit = await addUnit(direct, '区交通局');
    const car = await addCar(direct, unit, '苏N·B0001');
    await bind(direct, car, 'T-B0001', '2026-01-01');
    await heardAt(direct, 'T-B0001', car, '2026-11-20T08:00:00+08:00');
    await direct.query(`INSERT INTO users (username, password_hash, roles) VALUES ('cashier', $1, '{finance}')`, [
      await hashPassword('cashier-password'),
    ]);
    token = (await http.post('/api/v1/auth/token').send({ username: 'cashier', password: 'cashier-password' })).body
      .accessToken;
    await direct.query(`INSERT INTO users (username, password_hash, roles) VALUES ('root', $1, '{admin}')`, [
      await hashPassword('root-password'),
    ]);
    const admin = (await http.post('/api/v1/auth/token').send({ username: 'root', password: 'root-password' })).body
      .accessToken;
    apiKey = (
      await http
        .post('/api/v1/api-keys')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: 'finance-system', roles: ['finance'] })
        .expect(201)
    ).body.key;
  });
  afterAll(async () => {
    proxy.restore();
    await app.close();
    await proxy.stop();
    await direct.end();
    await database.drop();
  });

  it('decides normally while the database is reachable', async () => {
    const res = await http
      .post('/api/v1/payment-gate/checks')
      .set('Authorization', `Bearer ${token}`)
      .send(body('INV-BEFORE'))
      .expect(200);
    expect(res.body.decision).toBe('allow');
  });

  it('answers 503, never a decision, and records nothing while the database is cut off', async () => {
    const before = await recorded();
    proxy.cut();
    try {
      for (const credential of [token, apiKey]) {
        const res = await http
          .post('/api/v1/payment-gate/checks')
          .set('Authorization', `Bearer ${credential}`)
          .send(body(`INV-CUT-${credential.length}`));
        expect(res.status).toBe(503);
        expect(res.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.stringContaining('do not pay'),
        });
        expect(JSON.stringify(res.body)).not.toContain('allow');
      }
      await http.get('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${token}`).expect(503);
    } finally {
      proxy.restore();
    }
    expect(await recorded()).toBe(before);
  });

  it('decides again once the database is back', async () => {
    const res = await http
      .post('/api/v1/payment-gate/checks')
      .set('Authorization', `Bearer ${token}`)
      .send(body('INV-AFTER'))
      .expect(200);
    expect(res.body.decision).toBe('allow');
    expect(await recorded()).toBe(2);
  });

  it('answers 503 when the database does not answer in time, records nothing, and counts it as unavailable', async () => {
    const undecidedBefore = await undecided();
    const holder = await direct.connect();
    try {
      // Another session holds this invoice, as a stuck transaction would.
      await holder.query('SELECT pg_advisory_lock($1, $2)', [INVOICE_LOCK_SPACE, STUCK]);
      const res = await http
        .post('/api/v1/payment-gate/checks')
        .set('Authorization', `Bearer ${token}`)
        .send(body('INV-STUCK'));
      expect(res.status).toBe(503);
      await holder.query('SELECT pg_advisory_unlock($1, $2)', [INVOICE_LOCK_SPACE, STUCK]);
    } finally {
      holder.release();
    }
    const { rows } = await direct.query(`SELECT count(*)::int AS n FROM payment_checks WHERE invoice_no = 'INV-STUCK'`);
    expect(rows[0].n).toBe(0);
    expect((await undecided()) - undecidedBefore).toBe(1);
  });
});
