import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '#app/calendar';
import { entryHash, GENESIS_HASH } from '#app/history';
import { ChainWatch } from '../../apps/api/src/history/chain-watch.service.js';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('periodic verification of the history chain', () => {
  let api: TestApi;
  let admin: string;
  let inspector: string;
  const headsFile = join(tmpdir(), `history-heads-${process.pid}-${Date.now()}.jsonl`);

  const health = async () => (await api.http.get('/api/health').expect(200)).body;

  beforeAll(async () => {
    // Mid-November with the year's schedule shipped: no calendar warning besides the chain's.
    api = await startTestApi(
      { HISTORY_VERIFY_SECONDS: '1', HISTORY_HEADS_FILE: headsFile },
      { clock: fixedClock('2026-11-16T02:00:00Z') },
    );
    admin = await api.tokenFor(['admin']);
    inspector = await api.tokenFor(['inspector']);
    // Some entries: accounts created through the API.
    for (const name of ['clerk-a', 'clerk-b', 'clerk-c']) {
      await api.http
        .post('/api/v1/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ username: name, password: 'a-long-enough-password-1', roles: ['member'] })
        .expect(201);
    }
  });
  afterAll(async () => {
    await api.close();
    await rm(headsFile, { force: true });
  });

  it('exports the head of the chain with a line to publish or sign', async () => {
    const res = await api.http.get('/api/v1/history/head').set('Authorization', `Bearer ${inspector}`).expect(200);
    const last = (await api.db.query('SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1')).rows[0];
    expect(res.body).toMatchObject({ seq: Number(last.seq), hash: last.hash, at: expect.any(String) });
    expect(res.body.statement).toBe(`history-head seq=${last.seq} hash=${last.hash} at=${res.body.at}`);
  });

  it('verifies on its own every HISTORY_VERIFY_SECONDS and records the head outside the database', async () => {
    const watch = api.app.get(ChainWatch);
    const deadline = Date.now() + 10_000;
    while (watch.lastCheck() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(watch.lastCheck()).toMatchObject({ ok: true, warnings: [] });
    expect((await health()).warnings).toEqual([]);
  });

  it('raises HISTORY_CHAIN_BROKEN in health when an entry is edited', async () => {
    const watch = api.app.get(ChainWatch);
    await watch.runOnce();
    const seq = (await api.db.query('SELECT min(seq) AS seq FROM history')).rows[0].seq;
    await api.db.query(`UPDATE history SET actor = 'someone-else' WHERE seq = $1`, [seq]);
    const check = await watch.runOnce();
    expect(check.ok).toBe(false);
    expect((await health()).warnings).toEqual([
      expect.objectContaining({ code: 'HISTORY_CHAIN_BROKEN', message: expect.stringContaining(`entry ${seq}`) }),
    ]);
  });

  it('raises HISTORY_HEAD_MISMATCH when the whole table is rewritten with consistent hashes', async () => {
    // The rewrite an attacker with database access would do: change an entry and recompute every hash after it.
    const rows = (await api.db.query('SELECT * FROM history ORDER BY seq')).rows;
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const hash = entryHash(prev, new Date(row.at), {
        entityType: row.entity_type,
        entityId: row.entity_id,
        action: row.action,
        actor: row.actor,
        data: row.data,
      });
      await api.db.query('UPDATE history SET prev_hash = $1, hash = $2 WHERE seq = $3', [prev, hash, row.seq]);
      prev = hash;
    }
    const check = await api.app.get(ChainWatch).runOnce();
    expect(check.warnings.map((w) => w.code)).toEqual(['HISTORY_HEAD_MISMATCH']);
    expect((await health()).warnings).toEqual([
      expect.objectContaining({ code: 'HISTORY_HEAD_MISMATCH', message: expect.stringContaining('rewritten') }),
    ]);
  });
});
