import { fixedClock } from '#app/calendar';
import { startTestApi, ADMIN_PASSWORD, type TestApi } from '../support/test-app.js';

describe('signing in and roles', () => {
  let api: TestApi;
  beforeAll(async () => {
    // Mid-year, with the year's holiday schedule shipped: nothing to warn about.
    api = await startTestApi({}, { clock: fixedClock('2026-06-15T02:00:00Z') });
  });
  afterAll(() => api.close());

  it('keeps /api/health open and answers that the database is up', async () => {
    await api.http.get('/api/health').expect(200, { status: 'ok', database: 'up', warnings: [] });
  });

  it('creates the first-start admin with ADMIN_PASSWORD', async () => {
    const res = await api.http
      .post('/api/v1/auth/token')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      expiresIn: 3600,
      roles: ['admin'],
      mustChangePassword: false,
    });
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await api.http.post('/api/v1/auth/token').send({ username: 'admin', password: 'nope' }).expect(401);
    const unknown = await api.http.post('/api/v1/auth/token').send({ username: 'ghost', password: 'nope' }).expect(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('answers 401 without credentials and 403 for a role that may not', async () => {
    await api.http.get('/api/v1/api-keys').expect(401);
    const finance = await api.tokenFor(['finance']);
    const res = await api.http.get('/api/v1/api-keys').set('Authorization', `Bearer ${finance}`).expect(403);
    expect(res.body.message).toContain('admin');
  });

  it('rejects a tampered token with 401', async () => {
    const token = await api.tokenFor(['centre']);
    await api.http
      .get('/api/v1/api-keys')
      .set('Authorization', `Bearer ${token.slice(0, -2)}xx`)
      .expect(401);
  });

  it('shows an API key once, accepts it as a bearer and stops accepting it at once when revoked', async () => {
    const admin = await api.tokenFor(['admin']);
    const created = await api.http
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'asset-register', roles: ['admin'] })
      .expect(201);
    const key: string = created.body.key;
    const listed = await api.http.get('/api/v1/api-keys').set('Authorization', `Bearer ${key}`).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    await api.http.delete(`/api/v1/api-keys/${created.body.id}`).set('Authorization', `Bearer ${admin}`).expect(204);
    await api.http.get('/api/v1/api-keys').set('Authorization', `Bearer ${key}`).expect(401);
  });

  it('names each bad field of an API key request', async () => {
    const admin = await api.tokenFor(['admin']);
    const res = await api.http
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: '', roles: ['finance', 'pilot'] })
      .expect(400);
    expect(res.body.error).toBe('Bad Request');
    expect(res.body.message.join(' ')).toMatch(/name/);
    expect(res.body.message.join(' ')).toMatch(/roles must be one of/);
  });

  it('slows down repeated failures for one user name', async () => {
    for (let i = 0; i < 5; i++) {
      await api.http
        .post('/api/v1/auth/token')
        .send({ username: 'victim', password: `guess${i}` })
        .expect(401);
    }
    const res = await api.http.post('/api/v1/auth/token').send({ username: 'victim', password: 'guess5' }).expect(429);
    expect(res.body.message).toMatch(/retry in \d+ s/);
  });
});
