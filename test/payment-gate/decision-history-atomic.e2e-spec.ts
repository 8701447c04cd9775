import type { PoolClient } from 'pg';
import { HistoryService } from '#app/history';
import { fixedClock } from '#app/calendar';
import { DecisionCommitter } from '../../apps/api/src/payment-gate/decision-committer.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { addCar, addUnit, bind, heardAt } from './gate-fixtures.js';

/** 2026-11-26 10:00:00 in Asia/Shanghai. */
const NOW = new Date('2026-11-26T02:00:00Z');

describe('payment decisions and their history entries commit together', () => {
  let api: TestApi;
  let finance: string;
  let committer: DecisionCommitter;

  const body = (invoiceNo: string, plateNumber = '苏N·E0001') => ({
    plateNumber,
    expenseType: 'toll',
    amount: '25.00',
    invoiceNo,
    expenseDate: '2026-11-20',
  });
  const check = (b: Record<string, unknown>) =>
    api.http.post('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${finance}`).send(b);
  /** Decisions without exactly one history entry, and entries without their decision. */
  const orphans = async () =>
    (
      await api.db.query(
        `SELECT c.check_id::text AS id FROM payment_checks c
           LEFT JOIN history h ON h.entity_type = 'payment_check' AND h.entity_id = c.check_id::text
         GROUP BY c.check_id HAVING count(h.seq) <> 1
         UNION ALL
         SELECT h.entity_id FROM history h LEFT JOIN payment_checks c ON c.check_id::text = h.entity_id
         WHERE h.entity_type = 'payment_check' AND c.check_id IS NULL`,
      )
    ).rows;
  const count = async (sql: string, params: unknown[] = []) => (await api.db.query(sql, params)).rows[0].n as number;

  beforeAll(async () => {
    api = await startTestApi({ HISTORY_VERIFY_SECONDS: '0' }, { clock: fixedClock(NOW) });
    committer = api.app.get(DecisionCommitter);
    finance = await api.tokenFor(['finance']);
    const unit = await addUnit(api.db, '区审计局');
    const car = await addCar(api.db, unit, '苏N·E0001');
    await bind(api.db, car, 'T-E0001', '2026-01-01');
    await heardAt(api.db, 'T-E0001', car, '2026-11-20T08:00:00+08:00');
  });
  afterEach(() => {
    committer.beforeCommit = undefined;
  });
  afterAll(() => api.close());

  it('has the history entry in place when the caller gets the answer, for 60 checks at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => check(body(`INV-A-${i}`, i % 3 === 0 ? '苏N·X9999' : '苏N·E0001'))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    // No waiting, no flush: the answer came after the COMMIT of both.
    for (const answer of answers) {
      const entry = await api.db.query(`SELECT data FROM history WHERE entity_id = $1`, [answer.body.checkId]);
      expect(entry.rows).toEqual([{ data: expect.objectContaining({ decision: answer.body.decision }) }]);
    }
    expect(await orphans()).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM payment_checks WHERE NOT history_appended`)).toBe(0);
    expect(await api.app.get(HistoryService).verify()).toMatchObject({ ok: true });
  });

  it('leaves neither decision nor entry when the database connection dies between deciding and committing', async () => {
    let killed = 0;
    committer.beforeCommit = async (client: PoolClient) => {
      // The decision and the entry are written but not committed: what a crash of the process here leaves.
      const pid = (client as unknown as { processID: number }).processID;
      expect(await count(`SELECT count(*)::int AS n FROM payment_checks WHERE invoice_no = 'INV-KILLED'`)).toBe(0);
      await api.db.query('SELECT pg_terminate_backend($1)', [pid]);
      killed += 1;
    };
    const res = await check(body('INV-KILLED'));
    expect(res.status).toBe(503);
    expect(killed).toBeGreaterThan(0);
    expect(await count(`SELECT count(*)::int AS n FROM payment_checks WHERE invoice_no = 'INV-KILLED'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM history WHERE data->>'invoiceNo' = 'INV-KILLED'`)).toBe(0);
    expect(await orphans()).toEqual([]);
  });

  it('rolls back every decision of a shared transaction that fails, then decides each on its own', async () => {
    let failures = 0;
    committer.beforeCommit = async (client: PoolClient) => {
      if (failures++ === 0) {
        await client.query('SELECT 1/0').catch(() => undefined);
        throw new Error('aborted between deciding and committing');
      }
    };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => check(body(`INV-B-${i}`))));
    // The first transaction failed: its checks were retried one by one and all answered.
    expect(failures).toBeGreaterThan(1);
    expect(answers.filter((a) => a.status === 200).length + answers.filter((a) => a.status === 503).length).toBe(10);
    expect(await orphans()).toEqual([]);
    const decided = await count(`SELECT count(*)::int AS n FROM payment_checks WHERE invoice_no LIKE 'INV-B-%'`);
    expect(decided).toBe(answers.filter((a) => a.status === 200).length);
  });

  it('a repeated request after the killed one decides afresh and chains once', async () => {
    const res = await check(body('INV-KILLED')).expect(200);
    expect(await count(`SELECT count(*)::int AS n FROM history WHERE entity_id = $1`, [res.body.checkId])).toBe(1);
    expect(await api.app.get(HistoryService).verify()).toMatchObject({ ok: true });
  });
});
