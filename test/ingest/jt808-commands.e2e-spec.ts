import type { INestApplicationContext } from '@nestjs/common';
import { encodeFrame, locationBody, MSG, parseTextMessage } from '#app/jt808';
import { Jt808Terminal } from '#app/simulator';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { freePort } from '../support/service-process.js';
import { startTestApi, testConfig, testInfrastructure, type TestApi } from '../support/test-app.js';
import { registerFleet, waitFor } from './support/fleet.js';

describe('commands to JT/T 808 terminals', () => {
  let api: TestApi;
  let gateway: INestApplicationContext;
  let port: number;
  let centre: string;
  let colleague: string;
  const terminals: Jt808Terminal[] = [];
  const cars = new Map<string, string>();

  beforeAll(async () => {
    api = await startTestApi();
    for (const f of await registerFleet(api.db, ['13811110001', '13811110002', '13811110003'])) {
      cars.set(f.terminalId, f.vehicleId!);
    }
    port = await freePort();
    const config = testConfig(api.database.url, {
      JT808_PORT: String(port),
      JT808_HOST: '127.0.0.1',
      INGEST_CLIENT_ID: `gw-jt808-cmd-${port}`,
      LOG_LEVEL: process.env.GW_LOG_LEVEL ?? 'silent',
    });
    gateway = await createGatewayContext(config, testInfrastructure(config));
    centre = await api.tokenFor(['centre']);
    colleague = await api.tokenFor(['centre']);
  });

  afterAll(async () => {
    for (const t of terminals) t.close();
    await gateway?.close();
    await api?.close();
  });

  async function signedOn(phone: string, edition: 2013 | 2019 = 2013): Promise<Jt808Terminal> {
    const t = new Jt808Terminal({ host: '127.0.0.1', port, phone, edition });
    terminals.push(t);
    await t.connect();
    expect(await t.signOn()).toBe(0);
    return t;
  }
  const post = (path: string, body: unknown, token = centre) =>
    api.http
      .post(`/api/v1${path}`)
      .set('authorization', `Bearer ${token}`)
      .send(body as object);
  const command = (id: string) =>
    api.http
      .get(`/api/v1/terminal-commands/${id}`)
      .set('authorization', `Bearer ${centre}`)
      .then((r) => r.body as { status: string; result: number | null });
  const historyOf = (id: string) =>
    api.db
      .query(
        `SELECT action, actor FROM history WHERE entity_type = 'terminal_command' AND entity_id = $1 ORDER BY seq`,
        [id],
      )
      .then((r) => r.rows.map((row: { action: string }) => row.action));

  it('sends a voice prompt (0x8300, TTS, GBK) and records the request, the sending and the terminal’s 0x0001', async () => {
    const t = await signedOn('13811110001', 2019);
    const res = await post(`/vehicles/${cars.get('13811110001')}/commands`, {
      kind: 'text',
      text: '请勿驶入禁入区域',
    }).expect(201);
    expect(res.body).toMatchObject({ status: 'queued', terminalId: '13811110001', requestedBy: expect.any(String) });
    const answered = await waitFor(
      () => command(res.body.id),
      (c) => c.status === 'answered',
      10_000,
    );
    expect(answered).toMatchObject({ status: 'answered', result: 0 });
    const frame = t.received.find((f) => f.header.msgId === MSG.TEXT_MESSAGE)!;
    const text = parseTextMessage(frame.body, 2019);
    expect(text).toEqual({ ok: true, value: { flags: 0x0c, text: '请勿驶入禁入区域' } });
    expect(await historyOf(res.body.id)).toEqual(['requested', 'sent', 'answered']);
  });

  it('queries the position (0x8201); the terminal’s 0x0201 answers it and its fix is stored', async () => {
    const t = await signedOn('13811110002');
    const fixTime = Math.floor(Date.now() / 1000) * 1000 - 5000;
    t.onCommand = (frame) => {
      if (frame.header.msgId !== MSG.LOCATION_QUERY) return;
      const serial = Buffer.alloc(2);
      serial.writeUInt16BE(frame.header.serial);
      t.writeRaw(
        encodeFrame({
          msgId: MSG.LOCATION_QUERY_RESPONSE,
          edition: 2013,
          phone: '13811110002',
          serial: 500,
          body: Buffer.concat([serial, locationBody({ lat: 33.95, lon: 118.31, fixTime })]),
        }),
      );
    };
    const res = await post(`/vehicles/${cars.get('13811110002')}/commands`, { kind: 'position_query' }).expect(201);
    await waitFor(
      () => command(res.body.id),
      (c) => c.status === 'answered',
      10_000,
    );
    expect(await command(res.body.id)).toMatchObject({ status: 'answered', result: 0 });
    const stored = await waitFor(
      () => api.db.query('SELECT lat FROM positions WHERE terminal_id = $1', ['13811110002']).then((r) => r.rows),
      (rows) => rows.length === 1,
    );
    expect(stored).toEqual([{ lat: 33.95 }]);
  });

  it('holds vehicle control until a second person confirms; a reason is required; the requester cannot confirm', async () => {
    const vehicle = cars.get('13811110003');
    await post(`/vehicles/${vehicle}/commands`, { kind: 'vehicle_control', lockDoors: true }).expect(400);
    const res = await post(`/vehicles/${vehicle}/commands`, {
      kind: 'vehicle_control',
      lockDoors: true,
      reason: 'car reported stolen by the unit',
    }).expect(201);
    expect(res.body.status).toBe('awaiting_confirmation');
    await post(`/terminal-commands/${res.body.id}/confirm`, {}).expect(403);
    // Not connected yet: the confirmed command waits in the queue until the terminal signs on.
    await post(`/terminal-commands/${res.body.id}/confirm`, {}, colleague).expect(200);
    expect((await command(res.body.id)).status).toBe('queued');
    const t = await signedOn('13811110003');
    await waitFor(
      () => command(res.body.id),
      (c) => c.status === 'answered',
      10_000,
    );
    const frame = t.received.find((f) => f.header.msgId === MSG.VEHICLE_CONTROL)!;
    expect([...frame.body]).toEqual([1]);
    expect(await historyOf(res.body.id)).toEqual(['requested', 'confirmed', 'sent', 'answered']);
  });

  it('refuses commands from roles other than the vehicle centre', async () => {
    const inspector = await api.tokenFor(['inspector']);
    await post(`/vehicles/${cars.get('13811110001')}/commands`, { kind: 'position_query' }, inspector).expect(403);
  });
});
