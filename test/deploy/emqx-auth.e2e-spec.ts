import { INFRA, type Infrastructure } from '#app/infra';
import { registerFleet } from '../ingest/support/fleet.js';
import { startTestApi, type TestApi } from '../support/test-app.js';

const SECRET = 'emqx-calls-with-this-shared-secret-0123456789';

/** What EMQX's HTTP authentication and authorization get from the API, per the registry. */
describe('EMQX asks the API who may sign in and what they may do', () => {
  let api: TestApi;
  const authenticate = (body: object, key: string | null = SECRET) => {
    const req = api.http.post('/api/v1/broker/emqx/authenticate');
    if (key !== null) req.set('x-broker-auth', key);
    return req.send(body);
  };
  const authorize = (body: object) =>
    api.http.post('/api/v1/broker/emqx/authorize').set('x-broker-auth', SECRET).send(body).expect(200);

  beforeAll(async () => {
    api = await startTestApi({ BROKER_AUTH_SECRET: SECRET });
    const infra = api.app.get<Infrastructure>(INFRA);
    infra.mqttUsername = 'oversight-gateway';
    infra.mqttPassword = 'gateway-password-1';
    await registerFleet(api.db, ['E-1', 'E-2']);
    await registerFleet(api.db, ['E-OFF'], { inactive: true });
  });
  afterAll(() => api.close());

  it.each([
    ['a registered terminal with its secret', { clientid: 'E-1', username: 'E-1', password: 'secret-E-1' }, 'allow'],
    ['a wrong secret', { clientid: 'E-1', username: 'E-1', password: 'secret-E-2' }, 'deny'],
    ['a client id other than the terminal id', { clientid: 'x', username: 'E-1', password: 'secret-E-1' }, 'deny'],
    ['a deactivated terminal', { clientid: 'E-OFF', username: 'E-OFF', password: 'secret-E-OFF' }, 'deny'],
    ['an unknown terminal', { clientid: 'E-9', username: 'E-9', password: 'secret-E-9' }, 'deny'],
    [
      'the service account',
      { clientid: 'gw-1', username: 'oversight-gateway', password: 'gateway-password-1' },
      'allow',
    ],
    ['the service account, wrong password', { clientid: 'gw-1', username: 'oversight-gateway', password: 'x' }, 'deny'],
  ])('signs in %s: %s', async (_case, body, result) => {
    const res = await authenticate(body).expect(200);
    expect(res.body).toEqual({ result, is_superuser: false });
  });

  it.each([
    ['E-1', 'publish', 'telematics/v1/E-1/position', 'allow'],
    ['E-1', 'publish', 'telematics/v1/E-2/position', 'deny'],
    ['E-1', 'subscribe', 'telematics/v1/+/position', 'deny'],
    ['E-1', 'publish', 'internal/handoff/0', 'deny'],
    ['oversight-gateway', 'subscribe', '$share/gateways/telematics/v1/+/position', 'allow'],
    ['oversight-gateway', 'publish', 'internal/handoff/0', 'allow'],
  ])('lets %s %s %s: %s', async (username, action, topic, result) => {
    const res = await authorize({ clientid: username === 'E-1' ? 'E-1' : 'gw-1', username, topic, action });
    expect(res.body).toEqual({ result });
  });

  it('answers only the caller holding BROKER_AUTH_SECRET, and names a bad field', async () => {
    const body = { clientid: 'E-1', username: 'E-1', password: 'secret-E-1' };
    expect((await authenticate(body, null).expect(401)).body.message).toMatch(/x-broker-auth/);
    await authenticate(body, 'another-secret').expect(401);
    const bad = await authenticate({ clientid: 'E-1', username: 7, password: 'x' }).expect(400);
    expect(bad.body.message).toContain('username must be a string');
  });

  it('does not exist without BROKER_AUTH_SECRET', async () => {
    const plain = await startTestApi();
    try {
      await plain.http
        .post('/api/v1/broker/emqx/authenticate')
        .send({ clientid: 'E-1', username: 'E-1', password: 'x' })
        .expect(404);
    } finally {
      await plain.close();
    }
  });
});
