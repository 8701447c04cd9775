import type { INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { addDays, fixedClock, localDate } from '#app/calendar';
import { DEMO_UNITS, DEMO_VEHICLES, loadDemoFleet } from '#app/demo-fleet';
import { seedDemoHistory } from '#app/demo-history';
import { loadDemoFences } from '#app/geo';
import { demoCars, demoSecret, officialWorkingDay, publishAsTerminal, scenarioMessages } from '#app/simulator';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createAccount, openBrowser, signIn, type Browser } from './browser.js';

const PORT = 18871;

/** What the functions run inside the page use of its globals (this project's types carry no DOM). */
interface PageGlobals {
  document: {
    querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
    querySelectorAll(selector: string): { length: number };
  };
  sessionStorage: { getItem(key: string): string | null };
}

/** Set to a directory (docs/screenshots) to keep a picture of each main page. */
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;

/**
 * The whole service behind a real browser: terminals publish to Mosquitto, the gateway keeps the live state,
 * the detector raises findings and opens cases, and headless Chromium shows them on the centre's map and the
 * inspectors' pages. The clocks of the API and of the page are pinned to a late evening of a past working day.
 */
describe('the dashboard in headless Chromium', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let detector: INestMicroservice;
  let api: INestApplication;
  let origin: string;
  let browser: Browser;
  let day = addDays(localDate(Date.now()), -3);
  while (!officialWorkingDay(day)) day = addDays(day, -1);
  const NOW = new Date(`${day}T23:00:00+08:00`);
  const cars = demoCars();
  const generalCars = cars.filter(
    (car) => DEMO_VEHICLES.find((v) => v.terminalId === car.terminalId)?.category === 'general',
  );
  const offHoursCar = generalCars[0];
  const movedCar = generalCars[1];
  let vehicleOf: Map<string, { id: string; plate: string }>;

  const shot = async (name: string) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await browser.page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await browser.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };

  beforeAll(async () => {
    broker = await startMosquitto(PORT);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
    await loadDemoFleet(db);
    const { rows: units } = await db.query<{ id: string; name: string }>('SELECT id, name FROM units');
    const unitId = new Map(units.map((u) => [u.name, u.id]));
    await loadDemoFences(
      db,
      DEMO_UNITS.map((u) => ({ unitId: unitId.get(u.name)!, label: u.name, lat: u.homeLot.lat, lon: u.homeLot.lon })),
    );
    const { rows: bound } = await db.query<{ terminal_id: string; vehicle_id: string; plate_number: string }>(
      `SELECT b.terminal_id, b.vehicle_id, v.plate_number FROM terminal_bindings b JOIN vehicles v ON v.id = b.vehicle_id
        WHERE b.valid_to IS NULL`,
    );
    vehicleOf = new Map(bound.map((r) => [r.terminal_id, { id: r.vehicle_id, plate: r.plate_number }]));
    // Every car parked in its unit's lot, as the gateway's live state would hold it at the end of the day.
    for (const car of cars) {
      await db.query(
        `INSERT INTO vehicle_live (terminal_id, vehicle_id, fix_time, received_at, lat, lon, speed_kmh, ignition,
                                   alarm_flags, valid, online, online_changed_at)
         VALUES ($1, $2, $3, now() - interval '30 seconds', $4, $5, 0, false, 0, true, true, now())`,
        [
          car.terminalId,
          vehicleOf.get(car.terminalId)!.id,
          new Date(NOW.getTime() - 60_000),
          car.homeLot.lat,
          car.homeLot.lon,
        ],
      );
    }
    const config = testConfig(database.url, { MQTT_URL: broker.url, INGEST_CLIENT_ID: `gw-dash-${process.pid}` });
    const infra = testInfrastructure(config);
    gateway = await createGatewayContext(config, infra);
    detector = await createDetectorApp(config, infra, { catchUpMs: 1_000, silentSweepMs: 0, statePersistMs: 0 });
    await detector.listen();
    api = await createApiApp(config, infra, { clock: fixedClock(NOW) });
    await api.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
    browser = await openBrowser(origin);
    await browser.page.clock.setFixedTime(NOW);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await detector?.close();
    await gateway?.close();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('refuses a wrong password on the sign-in form and names the problem', async () => {
    const { page } = browser;
    const account = await createAccount(db, ['centre']);
    await page.goto(`${origin}/`);
    await page.fill('#sign-in input[name=username]', account.username);
    await page.fill('#sign-in input[name=password]', 'not-the-password');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#sign-in [role=status]');
    expect(await page.textContent('#sign-in [role=status]')).toContain('Wrong username or password');
  }, 60_000);

  it('makes a first sign-in with a temporary password change it before showing any page', async () => {
    const { page } = browser;
    const account = await createAccount(db, ['finance'], { mustChangePassword: true });
    await page.goto(`${origin}/`);
    await page.fill('#sign-in input[name=username]', account.username);
    await page.fill('#sign-in input[name=password]', account.password);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#change-password');
    expect(await page.locator('nav').count()).toBe(0);
    const fresh = 'Kestrel-harbour-47-lantern';
    await page.fill('#change-password input[name=currentPassword]', account.password);
    await page.fill('#change-password input[name=newPassword]', fresh);
    await page.fill('#change-password input[name=repeat]', fresh);
    await page.click('#change-password button[type=submit]');
    await page.waitForSelector('nav a');
    // Finance sees the payment gate and the calendar, and no map.
    expect(await page.locator('nav a').allTextContents()).toEqual(['付款核查 Payment gate', '工作日历 Calendar']);
    const { rows } = await db.query('SELECT must_change_password FROM users WHERE username = $1', [account.username]);
    expect(rows[0].must_change_password).toBe(false);
    await page.click('#who button');
  }, 60_000);

  it('shows the centre every car of the loaded fleet on the map, coloured by state, with nothing from elsewhere', async () => {
    const { page } = browser;
    await signIn(page, origin, await createAccount(db, ['centre']));
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('path.car[data-vehicle]').length === n,
      cars.length,
    );
    expect(cars.length).toBe(403);
    expect(await page.locator('path.car-parked').count()).toBe(403);
    expect(await page.textContent('[data-count=parked]')).toBe('403');
    await page.waitForSelector('path.district');
    expect(await page.locator('#root > .loading').count()).toBe(0);
    expect(await page.textContent('#kpis')).toContain('100.0 %');
    await shot('live-map');
    expect(browser.foreignRequests).toEqual([]);
  }, 60_000);

  it('moves a marker when its terminal publishes a position, and shows the car’s details on a click', async () => {
    const { page } = browser;
    const vehicle = vehicleOf.get(movedCar.terminalId)!;
    const marker = page.locator(`path.car[data-vehicle="${vehicle.id}"]`);
    const before = await marker.getAttribute('d');
    const terminal = await mqtt.connectAsync(broker.url, { clientId: `dash-terminal-${process.pid}` });
    try {
      // The gateway may still be subscribing: publish until the marker moves (the last fix wins).
      const deadline = Date.now() + 20_000;
      let moved = false;
      for (let i = 0; !moved && Date.now() < deadline; i++) {
        await terminal.publishAsync(
          `telematics/v1/${movedCar.terminalId}/position`,
          JSON.stringify({
            fixTime: Date.now() - 500,
            lat: movedCar.homeLot.lat + 0.01,
            lon: movedCar.homeLot.lon + 0.02 + i * 1e-5,
            speedKmh: 36,
          }),
          { qos: 1 },
        );
        moved = await page
          .waitForFunction(
            ([id, d]) =>
              (globalThis as unknown as PageGlobals).document
                .querySelector(`path.car[data-vehicle="${id}"]`)
                ?.getAttribute('d') !== d,
            [vehicle.id, before] as const,
            { timeout: 2_000 },
          )
          .then(() => true)
          .catch(() => false);
      }
      expect(moved).toBe(true);
    } finally {
      await terminal.endAsync();
    }
    await page.waitForSelector(`path.car-moving[data-vehicle="${vehicle.id}"]`);
    // Cars of one unit share a lot, so the marker may lie under another: the click goes to it directly.
    await marker.dispatchEvent('click');
    await page.waitForSelector('#car-details');
    const details = await page.textContent('#car-details');
    expect(details).toContain(vehicle.plate);
    expect(details).toContain(movedCar.terminalId);
    expect(details).toContain('36 km/h');
  }, 60_000);

  it('shows a simulated off-hours trip as a finding on the map, and the car turns red', async () => {
    const { page } = browser;
    await page.click('#car-details button');
    const vehicle = vehicleOf.get(offHoursCar.terminalId)!;
    const from = new Date(Date.parse(`${day}T07:00:00+08:00`));
    const to = new Date(Date.parse(`${day}T22:30:00+08:00`));
    const { messages } = scenarioMessages({
      car: offHoursCar,
      kind: 'off-hours',
      day,
      from,
      to,
      intervalSeconds: 60,
      encoding: 'json',
    });
    await publishAsTerminal(broker.url, offHoursCar.terminalId, demoSecret(offHoursCar.terminalId), messages);
    // Bounded: stored, handed off, detected, pushed and drawn within a minute on two shared cores.
    await page.waitForFunction(
      (plate) => {
        const list =
          (globalThis as unknown as PageGlobals).document.querySelector('#findings-today')?.textContent ?? '';
        return list.includes(plate) && list.includes('非工作时间用车 Off-hours use');
      },
      vehicle.plate,
      { timeout: 60_000 },
    );
    const marker = page.locator(`path.car-alarm[data-vehicle="${vehicle.id}"]`);
    await marker.waitFor({ state: 'attached' });
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.querySelector('[data-count=alarm]')?.textContent === '1',
    );
    await shot('live-map-finding');
    // The car's day: its trips, and its track drawn and replayed on the map.
    await marker.dispatchEvent('click');
    await page.waitForSelector(`#car-details[data-vehicle="${vehicle.id}"] table`);
    const details = (await page.textContent('#car-details')) ?? '';
    expect(details).toMatch(/[1-9]\d* 个定位点 fixes today/);
    expect(await page.locator('#car-details tbody tr').count()).toBeGreaterThan(0);
    await page.waitForSelector('path.track', { state: 'attached' });
    await page.click('#car-details button:has-text("回放轨迹 Replay track")');
    await page.waitForSelector('path.replay', { state: 'attached' });
    await page.click('#car-details button:has-text("关闭 Close")');
  }, 90_000);

  it('lets an inspector confirm the case and record an outcome, and keeps the history', async () => {
    const { page } = browser;
    await signIn(page, origin, await createAccount(db, ['inspector']));
    const vehicle = vehicleOf.get(offHoursCar.terminalId)!;
    await page.goto(`${origin}/#/cases`);
    const row = page.locator('tr', { hasText: vehicle.plate }).first();
    await row.waitFor();
    await shot('cases');
    await row.click();
    await page.waitForSelector('#case[data-status=open]');
    // The evidence: the track around the findings on a map, and its positions in a table.
    await page.waitForSelector('#case path.track', { state: 'attached' });
    expect(await page.textContent('#case')).toMatch(/定位点 Positions \([1-9]\d*\)/);
    for (const to of ['investigating', 'confirmed']) {
      await page.selectOption('#transition select[name=to]', to);
      await page.click('#transition button[type=submit]');
      await page.waitForSelector(`#case[data-status=${to}]`);
    }
    await page.selectOption('#transition select[name=to]', 'outcome_recorded');
    await page.selectOption('#transition select[name=outcome]', 'criticism_education');
    await page.fill('#transition input[name=responsiblePerson]', '张三');
    await page.click('#transition button[type=submit]');
    await page.waitForSelector('#case[data-status=outcome_recorded]');
    expect(await page.textContent('#case-outcome')).toContain('批评教育 Criticism and education · 张三');
    const history = await page.textContent('#case');
    expect(history).toContain('outcome_recorded');
    await page.fill('#note textarea', '已约谈驾驶员 Driver interviewed');
    await page.click('#note button[type=submit]');
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document
        .querySelector('#case')
        ?.textContent?.includes('Driver interviewed'),
    );
    await shot('case-detail');
    const { rows } = await db.query(
      `SELECT status, outcome, responsible_person FROM cases WHERE vehicle_id = $1 AND status = 'outcome_recorded'`,
      [vehicle.id],
    );
    expect(rows).toEqual([{ status: 'outcome_recorded', outcome: 'criticism_education', responsible_person: '张三' }]);
  }, 60_000);

  it('lets the centre draw the week, and says the draw matches its seed and roster when the inspector presses verify', async () => {
    const { page } = browser;
    await signIn(page, origin, await createAccount(db, ['centre']));
    await page.goto(`${origin}/#/audit`);
    await page.click('#draw');
    await page.waitForSelector('#audit-week');
    expect(await page.locator('#draw').count()).toBe(0);
    await signIn(page, origin, await createAccount(db, ['inspector']));
    await page.goto(`${origin}/#/audit`);
    await page.waitForSelector('#audit-week');
    expect(await page.textContent('#audit-seed')).toMatch(/^[0-9a-f]{32,}$/);
    await page.click('#verify');
    await page.waitForSelector('#verification');
    expect(await page.textContent('#verification')).toContain('The draw matches its seed and roster');
    expect(await page.locator('#verification li').count()).toBe(7);
    await shot('weekly-audit');
    // The inspector marks the first car of the draw compliant; progress counts it.
    const progress = async () => (await page.locator('#audit-week .card').first().textContent()) ?? '';
    expect(await progress()).toMatch(/^0 \/ \d+/);
    await page.locator('#audit-week tbody tr').first().getByRole('button', { name: '合规 Compliant' }).click();
    await page.waitForFunction(() =>
      /^1 \/ \d+/.test(
        (globalThis as unknown as PageGlobals).document.querySelector('#audit-week .card')?.textContent ?? '',
      ),
    );
    expect(await page.locator('#audit-week tbody tr').first().textContent()).toContain('合规 Compliant');
    // An issue found asks what was found; the answer is kept with the item.
    page.once('dialog', (dialog) => void dialog.accept('停车记录与派车单不符 Parking does not match the order'));
    await page.locator('#audit-week tbody tr').nth(1).getByRole('button', { name: '发现问题 Issue found' }).click();
    await page.waitForFunction(() =>
      /^2 \/ \d+/.test(
        (globalThis as unknown as PageGlobals).document.querySelector('#audit-week .card')?.textContent ?? '',
      ),
    );
    const second = (await page.locator('#audit-week tbody tr').nth(1).textContent()) ?? '';
    expect(second).toContain('发现问题 Issue found');
    expect(second).toContain('Parking does not match the order');
  }, 60_000);

  it('shows each role only its own pages, and the server still answers 403 to the rest', async () => {
    const { page } = browser;
    // The administrator watches the fleet and keeps the fences and calendar, but works no cases.
    await signIn(page, origin, await createAccount(db, ['admin']));
    expect(await page.locator('nav a').allTextContents()).toEqual([
      '实时地图 Live map',
      '电子围栏 Fences',
      '工作日历 Calendar',
    ]);
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('path.car[data-vehicle]').length === n,
      cars.length,
    );
    // Figures the administrator may not read are left out of the strip, not shown empty.
    await page.waitForFunction(
      () => !(globalThis as unknown as PageGlobals).document.querySelector('#kpis')?.textContent?.includes('Findings'),
    );
    expect(await page.textContent('#kpis')).toContain('在线率 Online rate');
    await signIn(page, origin, await createAccount(db, ['member']));
    expect(await page.locator('nav a').allTextContents()).toEqual([
      '购车申请 Purchases',
      '联席会议 Meetings',
      '工作日历 Calendar',
    ]);
    await page.goto(`${origin}/#/calendar`);
    await page.waitForSelector('.months');
    // The official schedule of the year: rest days and the weekends worked in exchange (调休) are marked.
    expect(await page.locator('table.month td.holiday').count()).toBeGreaterThan(10);
    expect(await page.locator('table.month td.workday').count()).toBeGreaterThan(0);
    await shot('calendar');
    // A hand-typed address of a page the role lacks shows its first own page instead.
    await page.goto(`${origin}/#/map`);
    await page.waitForSelector('section[data-page=purchases]');
    const status = await page.evaluate(async () => {
      const token = (globalThis as unknown as PageGlobals).sessionStorage.getItem('oversight.session');
      return (await fetch('/api/v1/fleet/live', { headers: { Authorization: `Bearer ${token}` } })).status;
    });
    expect(status).toBe(403);
  }, 60_000);

  it('lets finance run a manual gate check and see the decision in the log with its reasons', async () => {
    const { page } = browser;
    await signIn(page, origin, await createAccount(db, ['finance']));
    const plate = vehicleOf.get(cars[5].terminalId)!.plate;
    await page.fill('#gate-check input[name=plateNumber]', plate);
    await page.selectOption('#gate-check select[name=expenseType]', 'fuel');
    await page.fill('#gate-check input[name=amount]', '356.80');
    await page.fill('#gate-check input[name=invoiceNo]', 'INV-DASH-0001');
    await page.fill('#gate-check input[name=expenseDate]', day);
    await page.click('#gate-check button[type=submit]');
    await page.waitForSelector('#gate-check [role=status]');
    expect(await page.textContent('#gate-check [role=status]')).toMatch(/^(准付 Allowed|拒付 Denied: .+)$/);
    await page.locator('tr', { hasText: 'INV-DASH-0001' }).waitFor();
    const row = await page.locator('tr', { hasText: 'INV-DASH-0001' }).textContent();
    expect(row).toContain(plate);
    expect(row).toContain('356.80');
    const { rows } = await db.query(`SELECT decision FROM payment_checks WHERE invoice_no = 'INV-DASH-0001'`);
    expect(rows).toHaveLength(1);
    expect(row).toContain(rows[0].decision === 'deny' ? '拒付 Deny' : '准付 Allow');
    await shot('payment-gate');
  }, 60_000);

  it('opens every page without a failure for someone holding every office role', async () => {
    const { page } = browser;
    await seedDemoHistory(api.get(DataSource), Number(day.slice(0, 4)) - 1);
    await signIn(page, origin, await createAccount(db, ['centre', 'inspector', 'finance', 'member']));
    const paths = await page
      .locator('nav a')
      .evaluateAll((links) => links.map((a) => (a as unknown as { hash: string }).hash));
    expect(paths).toEqual([
      '#/map',
      '#/cases',
      '#/audit',
      '#/gate',
      '#/purchases',
      '#/meetings',
      '#/fences',
      '#/orders',
      '#/reports',
      '#/calendar',
    ]);
    for (const path of paths) {
      await page.goto(`${origin}/${path}`);
      const name = path.slice(2);
      await page.waitForSelector(`section[data-page=${name}]`);
      await page.waitForFunction(
        () =>
          !(globalThis as unknown as PageGlobals).document.querySelector('section')?.textContent?.includes('Loading'),
      );
      const text = (await page.textContent('section')) ?? '';
      const failures = (await page.locator('section .notice').allTextContents()).filter((t) =>
        /Could not load|may not view/.test(t),
      );
      expect({ name, failures }).toEqual({ name, failures: [] });
      if (name === 'meetings') {
        await page.locator('section tbody tr').first().click();
        await page.waitForSelector('#meeting');
        expect(await page.textContent('#meeting')).toMatch(/赞成 for \d+ · 反对 against \d+/);
      }
      if (name === 'purchases') expect(text).toContain('通过 Passed: 价格 price ✔ · 编制 quota ✔ · 排量 engine ✔');
      if (['purchases', 'meetings', 'fences', 'orders'].includes(name)) await shot(name);
    }
    expect(browser.foreignRequests).toEqual([]);
  }, 60_000);

  it('takes a purchase request from the unit clerk’s form through pre-review, the meeting’s votes and decision to approved, and lets the clerk withdraw one not yet decided', async () => {
    const { page } = browser;
    const sentence = (selector: string, text: string) =>
      page.waitForFunction(
        ([s, t]) => (globalThis as unknown as PageGlobals).document.querySelector(s)?.textContent?.includes(t) ?? false,
        [selector, text] as const,
      );
    // A unit with room in its quota, and a clerk of that unit.
    const unit = DEMO_UNITS[2].name;
    const { rows: units } = await db.query<{ id: string }>(
      'UPDATE units SET vehicle_quota = vehicle_quota + 10 WHERE name = $1 RETURNING id',
      [unit],
    );
    const clerk = await createAccount(db, ['unit']);
    await db.query('UPDATE users SET unit_id = $2 WHERE username = $1', [clerk.username, units[0].id]);
    const justification = '替换报废的执法车 Replaces a scrapped patrol car';

    // The clerk fills in the form; a bad budget is refused with the server's own words first.
    await signIn(page, origin, clerk);
    await page.waitForSelector('#purchase-form');
    await page.selectOption('#purchase-form select[name=category]', 'general');
    await page.fill('#purchase-form input[name=count]', '1');
    await page.fill('#purchase-form input[name=budgetCny]', '160000.999');
    await page.fill('#purchase-form input[name=engineL]', '1.5');
    await page.fill('#purchase-form textarea[name=justification]', justification);
    await page.click('#purchase-form button[type=submit]');
    await sentence('#purchase-form [role=status].error', 'budgetCny must be a decimal string');
    await page.fill('#purchase-form input[name=budgetCny]', '160000.00');
    await page.click('#purchase-form button[type=submit]');
    await page.waitForSelector('#purchase-form [role=status].ok');
    const request = page.locator('tr', { hasText: justification });
    await request.waitFor();
    expect(await request.textContent()).toContain('已提交 Submitted');
    const { rows: stored } = await db.query<{ id: string; unit_id: string }>(
      'SELECT id, unit_id FROM purchase_requests WHERE justification = $1',
      [justification],
    );
    expect(stored).toEqual([{ id: expect.any(String), unit_id: units[0].id }]);

    // The centre pre-reviews it, convenes three members, puts it on the agenda and records who came.
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await createAccount(db, ['member']));
    const { rows: memberIds } = await db.query<{ id: string }>(
      'SELECT id FROM users WHERE username = ANY($1) ORDER BY username',
      [members.map((m) => m.username)],
    );
    await signIn(page, origin, await createAccount(db, ['centre']));
    await page.goto(`${origin}/#/purchases`);
    page.once('dialog', (dialog) => void dialog.accept('预算与标准相符 Within the standard'));
    await request.getByRole('button', { name: '预审 Pre-review' }).click();
    await sentence('section', '预审通过 Passed pre-review');
    expect(await request.textContent()).toContain('通过 Passed: ');
    const title = `购车联席会议 Purchase meeting ${day}`;
    await page.goto(`${origin}/#/meetings`);
    await page.fill('#meeting-form input[name=title]', title);
    await page.fill('#meeting-form input[name=scheduledAt]', `${day}T09:00`);
    await page.fill('#meeting-form textarea[name=memberIds]', memberIds.map((m) => m.id).join('\n'));
    await page.click('#meeting-form button[type=submit]');
    await page.waitForSelector('#meeting[data-status=open] #agenda-form');
    await page.selectOption('#agenda-form select[name=requestId]', stored[0].id);
    await page.click('#agenda-form button[type=submit]');
    await page.waitForSelector('#meeting tr.item.open');
    for (const m of memberIds) await page.check(`#attendance input[value="${m.id}"]`);
    await page.click('#attendance button[type=submit]');
    await sentence('#meeting', '出席 Present 3 / 3');
    // Deciding before anyone has voted is refused, and the page says why.
    await page.click('#meeting tr.item button:has-text("表决 Decide")');
    await sentence('#meeting [role=status].error', 'not every member present has voted');

    // Each member votes for it on their own page.
    for (const member of members) {
      await signIn(page, origin, member);
      await page.goto(`${origin}/#/meetings`);
      await page.locator('section tbody tr', { hasText: title }).click();
      await page.locator('#meeting tr.item').getByRole('button', { name: '赞成 Approve' }).click();
      await sentence('#meeting tr.item', '已投 Voted: 赞成 Approve');
    }

    // The centre decides: all present voted for it, so it is approved, and the request says so.
    await signIn(page, origin, await createAccount(db, ['centre']));
    await page.goto(`${origin}/#/meetings`);
    await page.locator('section tbody tr', { hasText: title }).click();
    await sentence('#meeting tr.item', '赞成 for 3 · 反对 against 0');
    await page.click('#meeting tr.item button:has-text("表决 Decide")');
    await page.waitForSelector('#meeting tr.item.approved');
    expect(await page.textContent('#meeting tr.item.approved')).toContain('批准 Approved');
    await signIn(page, origin, clerk);
    await request.waitFor();
    expect(await request.textContent()).toContain('已批准 Approved');
    expect(await request.getByRole('button').count()).toBe(0);
    const { rows: decided } = await db.query('SELECT status FROM purchase_requests WHERE id = $1', [stored[0].id]);
    expect(decided).toEqual([{ status: 'approved' }]);

    // A request not yet taken up by a meeting can still be taken back by its unit, with the reason shown.
    const second = '第二辆车暂缓 A second car, put off';
    await page.fill('#purchase-form input[name=budgetCny]', '150000.00');
    await page.fill('#purchase-form input[name=engineL]', '1.5');
    await page.fill('#purchase-form textarea[name=justification]', second);
    await page.click('#purchase-form button[type=submit]');
    const later = page.locator('tr', { hasText: second });
    await later.waitFor();
    page.once('dialog', (dialog) => void dialog.accept('预算调整 Budget revised'));
    await later.getByRole('button', { name: '撤回 Withdraw' }).click();
    await sentence('section', '已撤回 Withdrawn: 预算调整 Budget revised');
    expect(await later.getByRole('button').count()).toBe(0);
  }, 90_000);

  it('lets the centre draw a fence on the map and approve a dispatch order', async () => {
    const { page } = browser;
    const centre = await createAccount(db, ['centre']);
    await signIn(page, origin, centre);
    await page.goto(`${origin}/#/fences`);
    await page.waitForSelector('#fence-map path.fence', { state: 'attached' });
    const box = (await page.locator('#fence-map').boundingBox())!;
    for (const [dx, dy] of [
      [0.45, 0.45],
      [0.55, 0.45],
      [0.55, 0.55],
      [0.45, 0.55],
    ]) {
      await page.mouse.click(box.x + box.width * dx, box.y + box.height * dy);
    }
    await page.waitForSelector('#fence-map path.sketch', { state: 'attached' });
    await page.fill('#fence-form input[name=name]', '测试停车场 Test lot');
    await page.selectOption('#fence-form select[name=kind]', 'parking');
    await page.click('#fence-form button[type=submit]');
    await page.waitForSelector('#fence-form [role=status].ok');
    const { rows: fences } = await db.query(
      `SELECT kind, coordinate_system, source_geometry FROM fences WHERE name = '测试停车场 Test lot'`,
    );
    expect(fences).toHaveLength(1);
    expect(fences[0]).toMatchObject({ kind: 'parking', coordinate_system: 'WGS84' });
    // The four clicks, closed: a ring inside the district.
    const ring = fences[0].source_geometry.coordinates[0] as [number, number][];
    expect(ring).toHaveLength(5);
    for (const [lon, lat] of ring) {
      expect(lon).toBeGreaterThan(118);
      expect(lon).toBeLessThan(119);
      expect(lat).toBeGreaterThan(33.5);
      expect(lat).toBeLessThan(34.5);
    }

    // A GeoJSON file drawn in GCJ-02 (as Amap draws), imported through the form: stored converted to WGS-84.
    await page.setInputFiles('#fence-form input[name=file]', {
      name: 'lots.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(
        JSON.stringify({
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { name: '导入的禁入场所 Imported venue', kind: 'forbidden', radiusM: 80 },
              geometry: { type: 'Point', coordinates: [118.3355, 33.9489] },
            },
          ],
        }),
      ),
    });
    await page.selectOption('#fence-form select[name=system]', 'GCJ02');
    await page.click('#fence-form button[type=submit]');
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document.querySelector('section')?.textContent?.includes('导入的禁入场所'),
    );
    const { rows: imported } = await db.query(
      `SELECT kind, coordinate_system, geometry FROM fences WHERE name = '导入的禁入场所 Imported venue'`,
    );
    expect(imported).toEqual([expect.objectContaining({ kind: 'forbidden', coordinate_system: 'GCJ02' })]);

    const { accessToken } = (await fetch(`${origin}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(centre),
    }).then((r) => r.json())) as { accessToken: string };
    const start = Date.now() + 86_400_000;
    const created = await fetch(`${origin}/api/v1/dispatch-orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        vehicleId: vehicleOf.get(cars[7].terminalId)!.id,
        driver: '王师傅',
        purpose: '赴市政府参加防汛会议',
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + 7_200_000).toISOString(),
        destination: '宿迁市人民政府',
      }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    await page.goto(`${origin}/#/orders`);
    const row = page.locator('tr', { hasText: '赴市政府参加防汛会议' });
    await row.getByRole('button', { name: '批准 Approve' }).click();
    await page.waitForSelector('section [role=status].ok');
    const { rows } = await db.query('SELECT status FROM dispatch_orders WHERE id = $1', [order.id]);
    expect(rows[0].status).toBe('approved');
  }, 60_000);
});
