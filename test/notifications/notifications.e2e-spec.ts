import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fixedClock } from '#app/calendar';
import { loadConfig, type ConfigError } from '#app/config';
import { LoggingSmsSender, NotificationDispatcher, SMS_SENDER, WEBHOOK_HEADERS } from '#app/notifications';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { seedCar, type SeededCar } from '../detector/detector-fixture.js';
import { startTestApi, testInfrastructure, type TestApi } from '../support/test-app.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';
import { collectEvents, until } from '../support/sse.js';

const at = (local: string) => new Date(`${local}+08:00`);
/** A Thursday, a working day in the shipped 2026 schedule; all times are read in Asia/Shanghai. */
const MORNING = at('2026-11-19T10:00:00');

interface LogEntry {
  id: string;
  violationId: string;
  channel: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  address: string | null;
  severity: string;
  recipient: { userId: string | null; username: string | null; webhookId: string | null };
  notificationRule: { id: string; name: string } | null;
  resentBy: string | null;
}

describe('notifications of findings: e-mail, webhook, dashboard, SMS', () => {
  const clock = fixedClock(MORNING);
  let api: TestApi;
  let scheduler: INestApplicationContext;
  let dispatcher: NotificationDispatcher;
  let sink: SmtpSink;
  let centre: string;
  let origin: string;
  const receivers: WebhookReceiver[] = [];
  let people = 0;

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startTestApi(
      {
        SMTP_URL: sink.url,
        SMTP_FROM: 'oversight@suyu.example.gov.cn',
        NOTIFY_MAX_ATTEMPTS: '3',
        NOTIFY_RETRY_BASE_SECONDS: '60',
        TZ_POLICY: 'Asia/Shanghai',
      },
      { clock },
    );
    await api.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    // The sender as the scheduler runs it, on the same pinned clock; its passes are stepped by hand.
    scheduler = await NestFactory.createApplicationContext(
      SchedulerModule.register(api.config, testInfrastructure(api.config), {
        clock,
        audit: { checkEveryMs: 3_600_000 },
        notifications: { pollMs: 0, listen: false },
      }),
      { logger: false },
    );
    await scheduler.init();
    dispatcher = scheduler.get(NotificationDispatcher);
    centre = await api.tokenFor(['centre']);
  });

  beforeEach(() => clock.set(MORNING));

  afterAll(async () => {
    await scheduler?.close();
    for (const r of receivers) await r.close();
    await sink?.close();
    await api?.close();
  });

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** A signed-in person with these roles, their id and token, and (optionally) their contact details. */
  async function person(roles: string[], contact: Record<string, unknown> | null = null) {
    const token = await api.tokenFor(roles as never);
    const me = await api.http.get('/api/v1/auth/me').set(as(token)).expect(200);
    const id = me.body.id as string;
    const email = `p${++people}.${roles.join('-')}@jjjc.example.gov.cn`;
    if (contact) {
      await api.http
        .put(`/api/v1/notifications/contacts/${id}`)
        .set(as(centre))
        .send({ email, ...contact })
        .expect(200);
    }
    return { id, token, email, username: me.body.name as string };
  }

  async function rule(car: SeededCar, body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({ name: `rule ${car.unitId.slice(0, 8)}`, unitIds: [car.unitId], ...body })
      .expect(201);
    return res.body;
  }

  async function webhook(): Promise<{ id: string; receiver: WebhookReceiver }> {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    receiver.now = () => Math.floor(clock.now().getTime() / 1000);
    const res = await api.http
      .post('/api/v1/notifications/webhooks')
      .set(as(centre))
      .send({ name: `hook ${receivers.length}`, url: receiver.url })
      .expect(201);
    receiver.secret = res.body.secret;
    return { id: res.body.id, receiver };
  }

  /** A finding as the detector writes it: the outbox row comes from the trigger, in the same transaction. */
  async function raise(car: SeededCar, rule: string, start: Date, kind = 'violation'): Promise<string> {
    const { rows } = await api.db.query<{ id: string }>(
      `INSERT INTO violations (vehicle_id, terminal_id, rule, kind, start_time, end_time, lat, lon, place)
       VALUES ($1, $2, $3, $4, $5, $5, 33.96, 118.28, '宿豫区') RETURNING id`,
      [car.vehicleId, car.terminalId, rule, kind, start],
    );
    return rows[0].id;
  }

  async function log(violationId: string): Promise<LogEntry[]> {
    const res = await api.http.get(`/api/v1/notifications?violationId=${violationId}`).set(as(centre)).expect(200);
    return res.body.items;
  }

  const mailTo = (address: string) => sink.messages.filter((m) => m.to.includes(address));

  it('e-mails an inspector through a real SMTP server with the car, the rule and the local time, and logs it', async () => {
    const car = await seedCar(api.db);
    const li = await person(['inspector'], {});
    await rule(car, {
      findingRules: ['leaving_jurisdiction'],
      recipients: [{ role: 'inspector', channels: ['email'] }],
    });
    const finding = await raise(car, 'leaving_jurisdiction', at('2026-11-19T09:40:00'));

    const pass = await dispatcher.tick();
    expect(pass.findings).toBe(1);

    const mails = mailTo(li.email);
    expect(mails).toHaveLength(1);
    const { mail, from } = mails[0];
    expect(from).toBe('oversight@suyu.example.gov.cn');
    const { rows } = await api.db.query('SELECT plate_number FROM vehicles WHERE id = $1', [car.vehicleId]);
    expect(mail.subject).toContain('越界 Leaving the jurisdiction');
    expect(mail.subject).toContain(rows[0].plate_number);
    expect(mail.text).toContain('2026-11-19T09:40:00+08:00');
    expect(mail.text).toContain(finding);
    expect(mail.text).toContain('high');

    const entries = await log(finding);
    const mine = entries.filter((e) => e.recipient.userId === li.id);
    expect(mine).toEqual([
      expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1, address: li.email, severity: 'high' }),
    ]);
    // Only findings of its rule: an off-hours trip of the same car tells nobody.
    const other = await raise(car, 'off_hours', at('2026-11-19T19:00:00'));
    await dispatcher.tick();
    expect(await log(other)).toEqual([]);
  });

  it('signs every webhook call; the receiver verifies the signature and reads the finding from the body', async () => {
    const car = await seedCar(api.db);
    const { id, receiver } = await webhook();
    const created = await rule(car, { name: 'to the inspection system', recipients: [{ webhookId: id }] });
    const finding = await raise(car, 'forbidden_venue', at('2026-11-19T09:10:00'));

    await dispatcher.tick();

    expect(receiver.calls).toHaveLength(1);
    const [call] = receiver.calls;
    expect(call.problem).toBeNull();
    expect(call.status).toBe(204);
    const [entry] = await log(finding);
    expect(entry).toMatchObject({ channel: 'webhook', status: 'sent', attempts: 1, address: receiver.url });
    expect(call.headers[WEBHOOK_HEADERS.delivery]).toBe(entry.id);
    expect(call.headers[WEBHOOK_HEADERS.event]).toBe('finding');
    const body = JSON.parse(call.body);
    expect(body).toMatchObject({
      deliveryId: entry.id,
      event: 'finding',
      finding: { id: finding, rule: 'forbidden_venue', severity: 'high', vehicleId: car.vehicleId },
      notificationRule: { id: created.id, name: 'to the inspection system' },
    });
    // The secret is shown once, at creation: never in the list.
    const list = await api.http.get('/api/v1/notifications/webhooks').set(as(centre)).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(receiver.secret);
  });

  it('retries a failing webhook with exponential backoff, then keeps it as a dead letter until re-sent', async () => {
    const car = await seedCar(api.db);
    const { id, receiver } = await webhook();
    receiver.status = 500;
    await rule(car, { recipients: [{ webhookId: id }] });
    const finding = await raise(car, 'terminal_tampering', at('2026-11-19T09:50:00'));
    const entry = async () => (await log(finding))[0];
    const t0 = MORNING.getTime();

    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(1);
    expect(await entry()).toMatchObject({
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: new Date(t0 + 60_000).toISOString(),
      lastError: 'webhook answered HTTP 500',
    });

    clock.set(new Date(t0 + 59_000));
    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(1); // not due yet

    clock.set(new Date(t0 + 60_000));
    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(2);
    // The wait doubles: 60 s after the first failure, 120 s after the second.
    expect(await entry()).toMatchObject({
      status: 'retrying',
      attempts: 2,
      nextAttemptAt: new Date(t0 + 180_000).toISOString(),
    });

    clock.set(new Date(t0 + 180_000));
    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(3);
    expect(await entry()).toMatchObject({ status: 'dead', attempts: 3, nextAttemptAt: null });

    clock.set(new Date(t0 + 86_400_000));
    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(3); // given up: nothing more until someone re-sends it

    const dead = await api.http.get('/api/v1/notifications/dead-letters').set(as(centre)).expect(200);
    const letter = (dead.body.items as LogEntry[]).find((e) => e.violationId === finding)!;
    expect(letter).toMatchObject({ status: 'dead', lastError: 'webhook answered HTTP 500' });

    receiver.status = 204;
    const resent = await api.http
      .post(`/api/v1/notifications/dead-letters/${letter.id}/resend`)
      .set(as(centre))
      .expect(200);
    expect(resent.body).toMatchObject({ status: 'pending', attempts: 0, resentBy: expect.any(String) });
    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(4);
    expect(await entry()).toMatchObject({ status: 'sent', attempts: 1 });
    // Every attempt carried the same delivery id and a valid signature of its own time.
    expect(new Set(receiver.calls.map((c) => c.headers[WEBHOOK_HEADERS.delivery]))).toEqual(new Set([letter.id]));
    expect(receiver.calls.map((c) => c.problem)).toEqual([null, null, null, null]);

    const again = await api.http
      .post(`/api/v1/notifications/dead-letters/${letter.id}/resend`)
      .set(as(centre))
      .expect(409);
    expect(again.body.message).toMatch(/dead-letter list/);
    const { rows } = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'notification' AND entity_id = $1`,
      [letter.id],
    );
    expect(rows).toEqual([{ action: 'resent' }]);
  });

  it('holds e-mail through quiet hours until they end and drops it for low severity; the webhook goes at once', async () => {
    const car = await seedCar(api.db);
    const li = await person(['inspector'], {});
    const { id, receiver } = await webhook();
    await rule(car, {
      quietHours: { from: '22:00', to: '07:00' },
      recipients: [{ userId: li.id, channels: ['email'] }, { webhookId: id }],
    });
    clock.set(at('2026-11-19T23:30:00'));
    const exit = await raise(car, 'leaving_jurisdiction', at('2026-11-19T23:20:00'));
    const lunch = await raise(car, 'lunchtime_restaurant', at('2026-11-19T12:00:00'), 'suspicion');

    await dispatcher.tick();
    expect(receiver.calls.map((c) => JSON.parse(c.body).finding.id).sort()).toEqual([exit, lunch].sort());
    expect(mailTo(li.email)).toHaveLength(0);
    const email = async (finding: string) => (await log(finding)).find((e) => e.channel === 'email')!;
    expect(await email(exit)).toMatchObject({
      status: 'held',
      nextAttemptAt: at('2026-11-20T07:00:00').toISOString(),
      lastError: 'held for the end of quiet hours',
    });
    expect(await email(lunch)).toMatchObject({ status: 'suppressed', severity: 'low', nextAttemptAt: null });

    clock.set(at('2026-11-20T06:59:59'));
    await dispatcher.tick();
    expect(mailTo(li.email)).toHaveLength(0);

    clock.set(at('2026-11-20T07:00:00'));
    await dispatcher.tick();
    expect(mailTo(li.email).map((m) => m.mail.text?.includes(exit))).toEqual([true]);
    expect(await email(exit)).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await email(lunch)).status).toBe('suppressed');
  });

  it('tells one person once per channel about a finding, whatever queues it again or however many rules name them', async () => {
    const car = await seedCar(api.db);
    const li = await person(['inspector'], {});
    // Reached by role and by name, on e-mail twice.
    await rule(car, { recipients: [{ role: 'inspector', channels: ['email'] }] });
    await rule(car, { recipients: [{ userId: li.id, channels: ['email', 'sms'] }] });
    const finding = await raise(car, 'speeding', at('2026-11-19T09:00:00'));

    await dispatcher.tick();
    expect(mailTo(li.email)).toHaveLength(1);
    const first = (await log(finding)).filter((e) => e.recipient.userId === li.id);
    expect(first.map((e) => e.channel).sort()).toEqual(['email', 'sms']);

    // A redelivery (the finding queued again, as after a crash before the outbox was cleared) adds nothing.
    await api.db.query('INSERT INTO notification_outbox (violation_id) VALUES ($1)', [finding]);
    const again = await dispatcher.tick();
    expect(again.findings).toBe(1);
    expect(again.planned).toBe(0);
    expect(mailTo(li.email)).toHaveLength(1);
    expect((await log(finding)).filter((e) => e.recipient.userId === li.id)).toHaveLength(2);
  });

  it("texts through the SMS adapter, which logs instead of sending until a provider's adapter is plugged in", async () => {
    const car = await seedCar(api.db);
    const wang = await person(['centre'], { phone: '+8613900000001' });
    await rule(car, { recipients: [{ userId: wang.id, channels: ['sms'] }] });
    await raise(car, 'holiday_sealing', at('2026-11-19T08:00:00'));

    await dispatcher.tick();
    const sms = scheduler.get<LoggingSmsSender>(SMS_SENDER);
    const { rows } = await api.db.query('SELECT plate_number FROM vehicles WHERE id = $1', [car.vehicleId]);
    expect(sms.sent.filter((s) => s.phone === '+8613900000001')).toEqual([
      {
        phone: '+8613900000001',
        text: `【公车监管】${rows[0].plate_number} 节假日封存期间用车，2026-11-19 08:00，宿豫区`,
      },
    ]);
  });

  it('logs what cannot be addressed: a person without an e-mail address, a disabled one, a webhook switched off', async () => {
    const car = await seedCar(api.db);
    const nobody = await person(['inspector']);
    const gone = await person(['inspector'], {});
    await api.db.query('UPDATE users SET active = false WHERE id = $1', [gone.id]);
    const { id, receiver } = await webhook();
    await api.http.patch(`/api/v1/notifications/webhooks/${id}`).set(as(centre)).send({ active: false }).expect(200);
    await rule(car, {
      recipients: [
        { userId: nobody.id, channels: ['email'] },
        { userId: gone.id, channels: ['email'] },
        { webhookId: id },
      ],
    });
    const finding = await raise(car, 'off_hours', at('2026-11-19T06:00:00'));

    await dispatcher.tick();
    expect(receiver.calls).toHaveLength(0);
    const entries = await log(finding);
    expect(
      entries.map((e) => [e.channel, e.recipient.userId ?? e.recipient.webhookId, e.status, e.lastError]).sort(),
    ).toEqual(
      [
        ['email', gone.id, 'skipped', 'the user is disabled'],
        ['email', nobody.id, 'skipped', 'the user has no e-mail address'],
        ['webhook', id, 'skipped', 'the webhook is switched off'],
      ].sort(),
    );
    const skipped = await api.http
      .get('/api/v1/notifications?status=skipped&channel=webhook')
      .set(as(centre))
      .expect(200);
    expect((skipped.body.items as LogEntry[]).map((e) => e.violationId)).toContain(finding);
  });

  it('pushes a dashboard notification on the live stream to the person it is for, and to nobody else', async () => {
    const car = await seedCar(api.db);
    const li = await person(['inspector']);
    const bystander = await person(['inspector']);
    await rule(car, { recipients: [{ userId: li.id, channels: ['dashboard'] }] });
    const open = async (token: string) => {
      const res = await fetch(`${origin}/api/v1/fleet/stream`, {
        headers: { ...as(token), Accept: 'text/event-stream' },
      });
      expect(res.status).toBe(200);
      return collectEvents(res.body!);
    };
    const [mine, theirs] = [await open(li.token), await open(bystander.token)];
    try {
      // The stream's first look only sets where "new" starts.
      await new Promise((r) => setTimeout(r, 1_000));
      const finding = await raise(car, 'leaving_jurisdiction', at('2026-11-19T09:55:00'));
      await dispatcher.tick();
      const pushed = await until(
        () => mine.events.find((e) => e.type === 'notifications')?.data as Record<string, unknown>[] | undefined,
      );
      expect(pushed).toEqual([
        expect.objectContaining({ violationId: finding, rule: 'leaving_jurisdiction', severity: 'high' }),
      ]);
      expect((await log(finding))[0]).toMatchObject({ channel: 'dashboard', status: 'sent', address: li.username });
      // A later finding nobody is told about marks a point in the bystander's stream past the push.
      const marker = await raise(await seedCar(api.db), 'speeding', at('2026-11-19T09:56:00'));
      await until(() =>
        theirs.events.find((e) => e.type === 'findings' && (e.data as { id: string }[]).some((f) => f.id === marker)),
      );
      expect(theirs.events.filter((e) => e.type === 'notifications')).toEqual([]);
    } finally {
      await mine.stop();
      await theirs.stop();
    }
  });
});

describe('notification settings over REST', () => {
  let api: TestApi;
  let centre: string;
  let inspector: string;

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
  });
  afterAll(() => api?.close());

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  it.each([
    [
      { role: 'inspector', userId: '00000000-0000-4000-8000-000000000000', channels: ['email'] },
      'recipients.0 must name exactly one of userId, role and webhookId',
    ],
    [{ role: 'inspector' }, 'recipients.0.channels must list at least one of dashboard, email, sms'],
    [{ userId: '00000000-0000-4000-8000-000000000000', channels: ['email'] }, 'recipients.0.userId names no user'],
    [{ webhookId: '00000000-0000-4000-8000-000000000000' }, 'recipients.0.webhookId names no webhook'],
    [
      { role: 'inspector', channels: ['pager'] },
      'recipients.0.each value in channels must be one of: dashboard, email, sms',
    ],
  ])('refuses a recipient %j with 400 naming it', async (recipient, message) => {
    const res = await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({ name: 'bad', recipients: [recipient] })
      .expect(400);
    expect(res.body.message).toContain(message);
  });

  it('names every bad field of a rule at once', async () => {
    const res = await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({
        name: '',
        findingRules: ['parking_fine'],
        minSeverity: 'urgent',
        quietHours: { from: '25:00', to: '07:00' },
        recipients: [],
      })
      .expect(400);
    const text = (res.body.message as string[]).join('\n');
    for (const field of ['name', 'findingRules', 'minSeverity', 'quietHours.from', 'recipients']) {
      expect(text).toContain(field);
    }
    const same = await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({
        name: 'x',
        quietHours: { from: '22:00', to: '22:00' },
        recipients: [{ role: 'centre', channels: ['email'] }],
      })
      .expect(400);
    expect(same.body.message).toContain('quietHours.to must differ from quietHours.from');
  });

  it('keeps rules as written, replaces and deletes them, and records each change in the history', async () => {
    const created = await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({
        name: '夜间越界',
        findingRules: ['leaving_jurisdiction'],
        minSeverity: 'high',
        recipients: [{ role: 'inspector', channels: ['dashboard', 'email'] }],
        quietHours: { from: '22:00', to: '07:00' },
      })
      .expect(201);
    expect(created.body).toMatchObject({
      name: '夜间越界',
      active: true,
      findingRules: ['leaving_jurisdiction'],
      unitIds: [],
      minSeverity: 'high',
      recipients: [{ role: 'inspector', channels: ['dashboard', 'email'] }],
      quietHours: { from: '22:00', to: '07:00' },
    });
    const id = created.body.id as string;
    const read = await api.http.get(`/api/v1/notifications/rules/${id}`).set(as(inspector)).expect(200);
    expect(read.body).toEqual(created.body);
    const replaced = await api.http
      .put(`/api/v1/notifications/rules/${id}`)
      .set(as(centre))
      .send({ name: '越界', active: false, recipients: [{ role: 'centre', channels: ['sms'] }] })
      .expect(200);
    expect(replaced.body).toMatchObject({ name: '越界', active: false, findingRules: [], quietHours: null });
    await api.http.delete(`/api/v1/notifications/rules/${id}`).set(as(centre)).expect(204);
    await api.http.get(`/api/v1/notifications/rules/${id}`).set(as(centre)).expect(404);
    const { rows } = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'notification_rule' AND entity_id = $1 ORDER BY seq`,
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['created', 'replaced', 'deleted']);
  });

  it('refuses a webhook that is not http(s), a second one of the same name, and deleting one a rule still names', async () => {
    const bad = await api.http
      .post('/api/v1/notifications/webhooks')
      .set(as(centre))
      .send({ name: 'ftp', url: 'ftp://example.gov.cn/x' })
      .expect(400);
    expect(bad.body.message).toContain('url must be an http:// or https:// URL');
    const hook = await api.http
      .post('/api/v1/notifications/webhooks')
      .set(as(centre))
      .send({ name: 'jjjc', url: 'https://jjjc.example.gov.cn/hook' })
      .expect(201);
    expect(hook.body.secret).toEqual(expect.any(String));
    await api.http
      .post('/api/v1/notifications/webhooks')
      .set(as(centre))
      .send({ name: 'jjjc', url: 'https://other.example.gov.cn/hook' })
      .expect(409);
    const rotated = await api.http
      .post(`/api/v1/notifications/webhooks/${hook.body.id}/secret`)
      .set(as(centre))
      .expect(201);
    expect(rotated.body.secret).not.toBe(hook.body.secret);
    const { rows } = await api.db.query('SELECT secret FROM notification_webhooks WHERE id = $1', [hook.body.id]);
    expect(rows[0].secret).toBe(rotated.body.secret);
    await api.http
      .post('/api/v1/notifications/rules')
      .set(as(centre))
      .send({ name: 'hooked', recipients: [{ webhookId: hook.body.id }] })
      .expect(201);
    const refused = await api.http.delete(`/api/v1/notifications/webhooks/${hook.body.id}`).set(as(centre)).expect(409);
    expect(refused.body.message).toContain('"hooked"');
  });

  it("sets a person's contacts and quiet hours, refusing a bad address and an unknown person", async () => {
    const me = await api.http.get('/api/v1/auth/me').set(as(inspector)).expect(200);
    const set = await api.http
      .put(`/api/v1/notifications/contacts/${me.body.id}`)
      .set(as(centre))
      .send({ email: 'zhang@jjjc.example.gov.cn', phone: '+8613800000002', quietHours: { from: '12:00', to: '14:00' } })
      .expect(200);
    expect(set.body).toMatchObject({
      userId: me.body.id,
      email: 'zhang@jjjc.example.gov.cn',
      phone: '+8613800000002',
      quietHours: { from: '12:00', to: '14:00' },
    });
    const list = await api.http.get('/api/v1/notifications/contacts').set(as(inspector)).expect(200);
    expect(list.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: me.body.id, phone: '+8613800000002' })]),
    );
    const bad = await api.http
      .put(`/api/v1/notifications/contacts/${me.body.id}`)
      .set(as(centre))
      .send({ email: 'not an address', phone: 'call me' })
      .expect(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining(['email must be an e-mail address', expect.stringContaining('phone must be digits')]),
    );
    await api.http
      .put('/api/v1/notifications/contacts/00000000-0000-4000-8000-000000000000')
      .set(as(centre))
      .send({ email: 'x@example.gov.cn' })
      .expect(404);
  });

  it('refuses a bad filter of the log with 400 naming it', async () => {
    const res = await api.http.get('/api/v1/notifications?status=lost&from=yesterday').set(as(centre)).expect(400);
    const text = (res.body.message as string[]).join('\n');
    expect(text).toContain('status must be one of');
    expect(text).toContain('from');
  });
});

describe('notification settings from the environment', () => {
  it('has defaults that need no mail server', () => {
    expect(loadConfig({}).notifications).toEqual({
      smtpUrl: undefined,
      smtpFrom: 'oversight@localhost',
      maxAttempts: 8,
      retryBaseSeconds: 30,
      retryMaxSeconds: 3600,
      timeoutSeconds: 10,
      publicUrl: undefined,
      reportRecipients: [],
    });
  });

  it('stops the start with a message naming each bad setting', () => {
    let problems: string[] = [];
    try {
      loadConfig({ SMTP_URL: 'http://mail.example.gov.cn', NOTIFY_MAX_ATTEMPTS: '0', PUBLIC_URL: 'oversight' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'SMTP_URL must start with smtp:// or smtps://, got "http://…"',
      'NOTIFY_MAX_ATTEMPTS must be a whole number from 1 to 50, got "0"',
      'PUBLIC_URL is not a valid URL',
    ]);
  });
});
