import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ADMIN_PASSWORD, startTestApi, type TestApi } from '../support/test-app.js';

const run = promisify(execFile);

describe('accounts: users, roles and passwords', () => {
  let api: TestApi;
  let admin: string;
  let adminId: string;
  let unitId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function signIn(username: string, password: string) {
    const res = await api.http.post('/api/v1/auth/token').send({ username, password });
    return res;
  }

  /** Polls until the call answers `status`, for at most `ms` (the contract's bound); returns how long it took. */
  async function answersWithin(call: () => Promise<{ status: number }>, status: number, ms: number) {
    const started = Date.now();
    for (;;) {
      const res = await call();
      if (res.status === status) return Date.now() - started;
      if (Date.now() - started > ms) throw new Error(`still ${res.status} after ${ms} ms, expected ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function historyOf(userId: string) {
    const { rows } = await api.db.query(
      `SELECT action, actor, data FROM history WHERE entity_type = 'user' AND entity_id = $1 ORDER BY seq`,
      [userId],
    );
    return rows as { action: string; actor: string; data: Record<string, unknown> }[];
  }

  beforeAll(async () => {
    api = await startTestApi();
    const res = await signIn('admin', ADMIN_PASSWORD);
    admin = res.body.accessToken;
    adminId = (await api.db.query(`SELECT id FROM users WHERE username = 'admin'`)).rows[0].id;
    unitId = (await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('区审计局', 4) RETURNING id`)).rows[0]
      .id;
  });
  afterAll(() => api.close());

  it('refuses a password that is short or common, naming the field', async () => {
    const short = await api.http
      .post('/api/v1/users')
      .set(auth(admin))
      .send({ username: 'li.na', password: 'Short-1', roles: ['centre'] })
      .expect(400);
    expect(short.body.message).toEqual(['password must be at least 12 characters long']);
    const common = await api.http
      .post('/api/v1/users')
      .set(auth(admin))
      .send({ username: 'li.na', password: 'qwerty123456', roles: ['centre'] })
      .expect(400);
    expect(common.body.message).toEqual(['password is one of the most common passwords']);
    expect((await api.db.query(`SELECT 1 FROM users WHERE username = 'li.na'`)).rowCount).toBe(0);
  });

  it('creates a user whose temporary password must be changed before anything else', async () => {
    const created = await api.http
      .post('/api/v1/users')
      .set(auth(admin))
      .send({ username: 'wang.fang', password: 'temporary-pass-1', roles: ['unit'], unitId })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      username: 'wang.fang',
      roles: ['unit'],
      unitId,
      active: true,
      mustChangePassword: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain('temporary-pass-1');

    const token = await signIn('wang.fang', 'temporary-pass-1');
    expect(token.status).toBe(200);
    expect(token.body.mustChangePassword).toBe(true);
    const user = token.body.accessToken;
    const blocked = await api.http.get('/api/v1/dispatch-orders').set(auth(user)).expect(403);
    expect(blocked.body.message).toMatch(/password must be changed first/);

    const wrong = await api.http
      .put('/api/v1/auth/password')
      .set(auth(user))
      .send({ currentPassword: 'not-the-password', newPassword: 'my-own-secret-42' })
      .expect(400);
    expect(wrong.body.message).toEqual(['currentPassword is not the current password']);
    const weak = await api.http
      .put('/api/v1/auth/password')
      .set(auth(user))
      .send({ currentPassword: 'temporary-pass-1', newPassword: 'password1234' })
      .expect(400);
    expect(weak.body.message).toEqual(['newPassword is one of the most common passwords']);

    await api.http
      .put('/api/v1/auth/password')
      .set(auth(user))
      .send({ currentPassword: 'temporary-pass-1', newPassword: 'my-own-secret-42' })
      .expect(204);
    await api.http.get('/api/v1/dispatch-orders').set(auth(user)).expect(200);
    expect((await signIn('wang.fang', 'temporary-pass-1')).status).toBe(401);
    const again = await signIn('wang.fang', 'my-own-secret-42');
    expect(again.body.mustChangePassword).toBe(false);

    const id = created.body.id;
    const history = await historyOf(id);
    expect(history.map((h) => [h.action, h.actor])).toEqual([
      ['created', 'admin'],
      ['password-changed', 'wang.fang'],
    ]);
    expect(JSON.stringify(history)).not.toMatch(/temporary-pass-1|my-own-secret-42|argon2/);
  });

  it('locks a disabled user out of their existing token within five seconds, and out of signing in', async () => {
    const token = await api.tokenFor(['centre']);
    const me = await api.http.get('/api/v1/auth/me').set(auth(token)).expect(200);
    await api.http.get('/api/v1/vehicles').set(auth(token)).expect(200);
    await api.http.patch(`/api/v1/users/${me.body.id}`).set(auth(admin)).send({ active: false }).expect(200);
    const took = await answersWithin(() => api.http.get('/api/v1/vehicles').set(auth(token)), 401, 5_000);
    expect(took).toBeLessThanOrEqual(5_000);
    expect((await signIn(me.body.name, 'anything-at-all')).status).toBe(401);

    // Enabled again, the user signs in afresh; the token from before the disabling stays dead.
    await api.http.patch(`/api/v1/users/${me.body.id}`).set(auth(admin)).send({ active: true }).expect(200);
    await answersWithin(() => api.http.get('/api/v1/auth/me').set(auth(token)), 401, 5_000);
    expect((await historyOf(me.body.id)).map((h) => h.action)).toEqual(['disabled', 'enabled']);
  });

  it('judges an existing token by the roles the user has now', async () => {
    const token = await api.tokenFor(['finance']);
    const me = await api.http.get('/api/v1/auth/me').set(auth(token)).expect(200);
    await api.http.get('/api/v1/vehicles').set(auth(token)).expect(200);
    await api.http
      .patch(`/api/v1/users/${me.body.id}`)
      .set(auth(admin))
      .send({ roles: ['member'] })
      .expect(200);
    await answersWithin(() => api.http.get('/api/v1/vehicles').set(auth(token)), 403, 5_000);
    const after = await api.http.get('/api/v1/auth/me').set(auth(token)).expect(200);
    expect(after.body.roles).toEqual(['member']);
    const [change] = await historyOf(me.body.id);
    expect(change).toMatchObject({
      action: 'updated',
      actor: 'admin',
      data: { changes: { roles: { from: ['finance'], to: ['member'] } } },
    });
  });

  it('resets a password to a temporary one that ends the earlier sessions', async () => {
    const created = await api.http
      .post('/api/v1/users')
      .set(auth(admin))
      .send({ username: 'zhao.lei', password: 'first-password-9', roles: ['inspector'] })
      .expect(201);
    const first = (await signIn('zhao.lei', 'first-password-9')).body.accessToken;
    await api.http
      .put('/api/v1/auth/password')
      .set(auth(first))
      .send({ currentPassword: 'first-password-9', newPassword: 'second-password-9' })
      .expect(204);
    const old = (await signIn('zhao.lei', 'second-password-9')).body.accessToken;
    await api.http.get('/api/v1/cases').set(auth(old)).expect(200);

    const reset = await api.http.post(`/api/v1/users/${created.body.id}/password-reset`).set(auth(admin)).expect(200);
    expect(reset.body).toEqual({ temporaryPassword: expect.stringMatching(/^.{12,}$/) });
    await api.http.get('/api/v1/cases').set(auth(old)).expect(401);
    expect((await signIn('zhao.lei', 'second-password-9')).status).toBe(401);
    const fresh = await signIn('zhao.lei', reset.body.temporaryPassword);
    expect(fresh.body.mustChangePassword).toBe(true);
    await api.http.get('/api/v1/cases').set(auth(fresh.body.accessToken)).expect(403);
    const actions = (await historyOf(created.body.id)).map((h) => h.action);
    expect(actions).toEqual(['created', 'password-changed', 'password-reset']);
  });

  it('keeps an admin from disabling themselves or removing the last admin role', async () => {
    const self = await api.http.patch(`/api/v1/users/${adminId}`).set(auth(admin)).send({ active: false }).expect(400);
    expect(self.body.message).toEqual(['active: an admin cannot disable themselves']);
    const last = await api.http
      .patch(`/api/v1/users/${adminId}`)
      .set(auth(admin))
      .send({ roles: ['centre'] })
      .expect(400);
    expect(last.body.message).toEqual(['roles: the last active admin cannot lose the admin role']);
    const rows = await api.db.query(`SELECT roles, active FROM users WHERE id = $1`, [adminId]);
    expect(rows.rows[0]).toEqual({ roles: ['admin'], active: true });
  });

  it('lists users without any password or hash, and only to admins', async () => {
    const list = await api.http.get('/api/v1/users').set(auth(admin)).expect(200);
    expect(list.body.map((u: { username: string }) => u.username)).toContain('wang.fang');
    expect(JSON.stringify(list.body)).not.toMatch(/password_hash|passwordHash|argon2/);
    const one = await api.http.get(`/api/v1/users/${adminId}`).set(auth(admin)).expect(200);
    expect(one.body.username).toBe('admin');
    const centre = await api.tokenFor(['centre']);
    await api.http.get('/api/v1/users').set(auth(centre)).expect(403);
    await api.http.get('/api/v1/users/not-a-uuid').set(auth(admin)).expect(400);
  });

  it('lets a person with shell access reset the admin password, ending the admin sessions', async () => {
    const before = (await signIn('admin', ADMIN_PASSWORD)).body.accessToken;
    const env = { ...process.env, DATABASE_URL: api.database.url, ADMIN_PASSWORD: '', LOG_LEVEL: 'silent' };
    const { stdout } = await run('node', ['dist/apps/api/src/admin-cli/reset-password.js'], { env });
    const password = /^admin password: (\S+)$/m.exec(stdout)?.[1];
    expect(password).toBeDefined();
    // The reset ran in another process: this one sees it once its 2 s user cache lapses.
    let status = 200;
    for (let i = 0; i < 30 && status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await api.http.get('/api/v1/users').set(auth(before))).status;
    }
    expect(status).toBe(401);
    const signedIn = await signIn('admin', password!);
    expect(signedIn.body.mustChangePassword).toBe(true);
    const [last] = (await historyOf(adminId)).slice(-1);
    expect(last).toMatchObject({ action: 'password-reset', actor: 'system:admin-reset-password' });
    // Back to the known password for the other tests of this file.
    await api.http
      .put('/api/v1/auth/password')
      .set(auth(signedIn.body.accessToken))
      .send({ currentPassword: password, newPassword: ADMIN_PASSWORD })
      .expect(204);
    admin = (await signIn('admin', ADMIN_PASSWORD)).body.accessToken;
  });
});
