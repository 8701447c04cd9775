import { startTestApi, type TestApi } from '../support/test-app.js';

interface Rejected {
  receivedAt: string;
  topic: string;
  terminalId: string | null;
  reason: string;
  detail: string | null;
  payload: Buffer | null;
  payloadSize?: number;
}

describe('GET /api/v1/rejected-messages', () => {
  let api: TestApi;
  let centre: string;
  const get = (query = '') =>
    api.http.get(`/api/v1/rejected-messages${query}`).set('Authorization', `Bearer ${centre}`).expect(200);

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    const rows: Rejected[] = [
      {
        receivedAt: '2026-11-26T01:00:00Z',
        topic: 'telematics/v1/T1/position',
        terminalId: 'T1',
        reason: 'SCHEMA',
        detail: 'fixTime is required',
        payload: Buffer.from('{"lat":33.9,"lon":118.3}'),
      },
      {
        receivedAt: '2026-11-26T02:00:00Z',
        topic: 'telematics/v1/T1/position',
        terminalId: 'T1',
        reason: 'MALFORMED',
        detail: 'neither JSON nor protobuf',
        payload: Buffer.from([0xff, 0x00, 0x13, 0x37]),
      },
      {
        receivedAt: '2026-11-26T03:00:00Z',
        topic: 'telematics/v1/T2/position',
        terminalId: 'T2',
        reason: 'SCHEMA',
        detail: 'lat must be a number',
        payload: Buffer.from('{"fixTime":1,"lat":"北","lon":118.3}'),
      },
      {
        receivedAt: '2026-11-26T04:00:00Z',
        topic: 'telematics/v1/ghost/position',
        terminalId: null,
        reason: 'UNKNOWN_TERMINAL',
        detail: null,
        payload: Buffer.alloc(4096, 0x7b),
        payloadSize: 300_000,
      },
      {
        receivedAt: '2026-11-26T04:00:00Z',
        topic: 'telematics/v1/T2/status',
        terminalId: 'T2',
        reason: 'SCHEMA',
        detail: 'online must be a boolean',
        payload: Buffer.from('line one\nline\u0007two'),
      },
    ];
    for (const row of rows) {
      await api.db.query(
        `INSERT INTO rejected_messages (received_at, topic, terminal_id, reason, detail, payload, payload_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          row.receivedAt,
          row.topic,
          row.terminalId,
          row.reason,
          row.detail,
          row.payload,
          row.payloadSize ?? row.payload?.length ?? 0,
        ],
      );
    }
  });
  afterAll(() => api.close());

  it('answers 401 without a token and 403 for inspectors and finance', async () => {
    await api.http.get('/api/v1/rejected-messages').expect(401);
    for (const role of ['inspector', 'finance'] as const) {
      await api.http
        .get('/api/v1/rejected-messages')
        .set('Authorization', `Bearer ${await api.tokenFor([role])}`)
        .expect(403);
    }
    await api.http
      .get('/api/v1/rejected-messages')
      .set('Authorization', `Bearer ${await api.tokenFor(['admin'])}`)
      .expect(200);
  });

  it('lists newest first with the payload as base64 and as text when printable', async () => {
    const res = await get();
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((i: { detail: string }) => i.detail)).toEqual([
      'online must be a boolean',
      null,
      'lat must be a number',
      'neither JSON nor protobuf',
      'fixTime is required',
    ]);
    const [bell, large, chinese, binary, json] = res.body.items;
    expect(json).toEqual({
      id: expect.stringMatching(/^\d+$/),
      receivedAt: '2026-11-26T01:00:00.000Z',
      topic: 'telematics/v1/T1/position',
      terminalId: 'T1',
      reason: 'SCHEMA',
      detail: 'fixTime is required',
      payloadSize: 24,
      payloadTruncated: false,
      payloadBase64: Buffer.from('{"lat":33.9,"lon":118.3}').toString('base64'),
      payloadPreview: '{"lat":33.9,"lon":118.3}',
    });
    expect(binary).toMatchObject({ payloadBase64: '/wATNw==', payloadPreview: null });
    expect(chinese.payloadPreview).toBe('{"fixTime":1,"lat":"北","lon":118.3}');
    expect(bell.payloadPreview).toBeNull();
    expect(Buffer.from(bell.payloadBase64, 'base64').toString()).toBe('line one\nline\u0007two');
    expect(large).toMatchObject({ terminalId: null, payloadSize: 300_000, payloadTruncated: true });
  });

  it.each([
    ['terminalId', '?terminalId=T1', ['neither JSON nor protobuf', 'fixTime is required']],
    ['reason', '?reason=SCHEMA', ['online must be a boolean', 'lat must be a number', 'fixTime is required']],
    ['terminalId and reason', '?terminalId=T2&reason=SCHEMA', ['online must be a boolean', 'lat must be a number']],
    [
      'from (inclusive)',
      '?from=2026-11-26T11:00:00%2B08:00',
      ['online must be a boolean', null, 'lat must be a number'],
    ],
    ['to (exclusive)', '?to=2026-11-26T03:00:00Z', ['neither JSON nor protobuf', 'fixTime is required']],
    [
      'from and to',
      '?from=2026-11-26T02:00:00Z&to=2026-11-26T04:00:00Z',
      ['lat must be a number', 'neither JSON nor protobuf'],
    ],
  ])('filters by %s', async (_, query, details) => {
    const res = await get(query);
    expect(res.body.items.map((i: { detail: string }) => i.detail)).toEqual(details);
  });

  it('pages with a cursor without repeating or skipping, even across equal receive times', async () => {
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.body.items.map((i: { detail: string | null }) => i.detail));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'online must be a boolean',
      null,
      'lat must be a number',
      'neither JSON nor protobuf',
      'fixTime is required',
    ]);
  });

  it.each([
    ['?limit=0', 'limit must be at least 1'],
    ['?limit=501', 'limit must not be greater than 500'],
    ['?limit=ten', 'limit must be a whole number'],
    ['?reason=schema', 'reason must be a reason code in capitals, such as SCHEMA'],
    ['?terminalId=a/b', 'terminalId must be 1-32 characters of A-Z, a-z, 0-9, _ and -'],
    ['?from=yesterday', 'from must be an ISO 8601 date-time with a zone, such as 2026-11-26T08:30:00+08:00'],
    ['?to=2026-11-26', 'to must be an ISO 8601 date-time with a zone, such as 2026-11-26T08:30:00+08:00'],
    ['?from=2026-11-26T05:00:00Z&to=2026-11-26T04:00:00Z', 'from must be before to'],
    ['?cursor=abc', 'cursor must be the nextCursor of a previous page'],
  ])('answers 400 for %s naming the field', async (query, message) => {
    const res = await api.http
      .get(`/api/v1/rejected-messages${query}`)
      .set('Authorization', `Bearer ${centre}`)
      .expect(400);
    expect(res.body.message).toContain(message);
  });
});
