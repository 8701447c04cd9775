import { createHash } from 'node:crypto';
import { normalizePlate } from '#app/db';
import { startTestApi, type TestApi } from '../support/test-app.js';

/** A real 1×1 PNG, a minimal PDF, and a WAV header: what inspectors attach, recognised by their bytes. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('evidence files on cases', () => {
  let api: TestApi;
  let inspector: string;
  let centre: string;
  let caseId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi({ EVIDENCE_MAX_BYTES: '4096' });
    inspector = await api.tokenFor(['inspector']);
    centre = await api.tokenFor(['centre']);
    const unit = (await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('区交通局', 5) RETURNING id`))
      .rows[0].id;
    const car = (
      await api.db.query(
        `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ($1, $2, 'general', $3)
         RETURNING id`,
        ['苏N·F0001', normalizePlate('苏N·F0001'), unit],
      )
    ).rows[0].id;
    caseId = (
      await api.db.query(
        `INSERT INTO cases (vehicle_id, rule, local_day, source, title)
         VALUES ($1, 'off_hours', '2026-11-20', 'violation', 'off hours') RETURNING id`,
        [car],
      )
    ).rows[0].id;
  });
  afterAll(() => api.close());

  it('stores a photo with the SHA-256 the server computed, in the case history, and gives the same bytes back', async () => {
    const uploaded = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .field('description', '现场照片')
      .attach('file', PNG, { filename: '现场.jpg', contentType: 'application/octet-stream' })
      .expect(201);
    expect(uploaded.body).toEqual({
      id: expect.any(String),
      caseId,
      fileName: '现场.jpg',
      mediaType: 'image/png', // judged from the bytes, not the name or the claimed type
      size: PNG.length,
      sha256: sha256(PNG),
      description: '现场照片',
      uploadedBy: 'user1_inspector',
      uploadedAt: expect.any(String),
    });

    const detail = await api.http.get(`/api/v1/cases/${caseId}`).set(auth(inspector)).expect(200);
    const entry = detail.body.history.find((h: { action: string }) => h.action === 'file_added');
    expect(entry.data).toMatchObject({ fileId: uploaded.body.id, sha256: sha256(PNG), size: PNG.length });

    for (const token of [inspector, centre]) {
      const down = await api.http
        .get(`/api/v1/cases/${caseId}/files/${uploaded.body.id}`)
        .set(auth(token))
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(Buffer.compare(down.body as Buffer, PNG)).toBe(0);
      expect(down.headers['content-type']).toBe('image/png');
      expect(down.headers['digest']).toBe(`sha-256=${createHash('sha256').update(PNG).digest('base64')}`);
      expect(down.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('现场.jpg')}`);
    }
    const list = await api.http.get(`/api/v1/cases/${caseId}/files`).set(auth(centre)).expect(200);
    expect(list.body.map((f: { id: string }) => f.id)).toEqual([uploaded.body.id]);
  });

  it('refuses a type it does not accept with 415 naming the detected type, and stores nothing', async () => {
    const exe = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000', 'hex'), Buffer.alloc(64)]);
    const res = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .attach('file', exe, { filename: 'photo.jpg', contentType: 'image/jpeg' })
      .expect(415);
    expect(res.body.message).toMatch(/file type application\/x-msdownload is not accepted/);
    const text = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .attach('file', Buffer.from('just some words'), { filename: 'note.pdf' })
      .expect(415);
    expect(text.body.message).toMatch(/file type unknown/);
    expect((await api.db.query('SELECT count(*)::int AS n FROM case_files')).rows[0].n).toBe(1);
  });

  it('refuses a file over EVIDENCE_MAX_BYTES with 413 naming the limit, and a request without a file with 400', async () => {
    const big = Buffer.concat([PDF, Buffer.alloc(5000, 0x20)]);
    const res = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .attach('file', big, { filename: 'scan.pdf' })
      .expect(413);
    expect(res.body.message).toBe('file is larger than 4096 bytes (EVIDENCE_MAX_BYTES)');
    const none = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .field('description', 'no file')
      .expect(400);
    expect(none.body.message[0]).toMatch(/^file is required/);
    const json = await api.http.post(`/api/v1/cases/${caseId}/files`).set(auth(inspector)).send({}).expect(400);
    expect(json.body.message[0]).toMatch(/^file is required/);
    expect((await api.db.query('SELECT count(*)::int AS n FROM case_files')).rows[0].n).toBe(1);
  });

  it('lets only inspectors upload and only inspectors and the centre read; admin is refused like the others', async () => {
    for (const role of ['finance', 'unit', 'member', 'admin'] as const) {
      const token = await api.tokenFor([role]);
      await api.http
        .post(`/api/v1/cases/${caseId}/files`)
        .set(auth(token))
        .attach('file', PDF, { filename: 'a.pdf' })
        .expect(403);
      await api.http.get(`/api/v1/cases/${caseId}/files`).set(auth(token)).expect(403);
      await api.http
        .get(`/api/v1/cases/${caseId}/files/00000000-0000-4000-8000-000000000000`)
        .set(auth(token))
        .expect(403);
    }
    await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(centre))
      .attach('file', PDF, { filename: 'a.pdf' })
      .expect(403);
    await api.http.get('/api/v1/cases/00000000-0000-4000-8000-000000000000/files').set(auth(centre)).expect(404);
  });

  it('detects a file changed in storage: download answers 409, never the altered bytes, and verify names it', async () => {
    const uploaded = await api.http
      .post(`/api/v1/cases/${caseId}/files`)
      .set(auth(inspector))
      .attach('file', PDF, { filename: '约谈记录.pdf' })
      .expect(201);
    expect(uploaded.body).toMatchObject({ fileName: '约谈记录.pdf', mediaType: 'application/pdf' });
    const before = await api.http.get('/api/v1/history/verify').set(auth(inspector)).expect(200);
    expect(before.body).toMatchObject({ ok: true, evidenceMismatches: [] });

    const altered = Buffer.from(PDF.toString('latin1').replace('Catalog', 'Katalog'), 'latin1');
    await api.db.query('UPDATE evidence_blobs SET content = $2 WHERE file_id = $1', [uploaded.body.id, altered]);
    const res = await api.http
      .get(`/api/v1/cases/${caseId}/files/${uploaded.body.id}`)
      .set(auth(inspector))
      .expect(409);
    expect(res.body.message).toBe(
      `the stored bytes of file ${uploaded.body.id} no longer match its sha256: recorded ${sha256(PDF)}, found ${sha256(altered)}`,
    );
    const after = await api.http.get('/api/v1/history/verify').set(auth(inspector)).expect(200);
    expect(after.body).toMatchObject({
      ok: false,
      evidenceMismatches: [{ fileId: uploaded.body.id, caseId, problem: 'changed' }],
    });
  });
});
