import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import { fixedClock } from '#app/calendar';
import { addCar, addUnit } from '../payment-gate/gate-fixtures.js';
import { pdfText, sheetRows, workbook } from '../reports/report-files.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { createAccount, openBrowser, signIn, type Browser } from './browser.js';

/** Set to a directory (docs/screenshots) to keep a picture of the page. */
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;

/**
 * The reports page in headless Chromium: the centre downloads the monthly report and has a car's report
 * made as a job; a unit clerk sees only their own unit's cars and no monthly report. The API's and the
 * page's clocks are pinned to 10 April 2026, 10:00 in Shanghai.
 */
describe('the dashboard’s reports page in headless Chromium', () => {
  const NOW = new Date('2026-04-10T10:00:00+08:00');
  let api: TestApi;
  let origin: string;
  let browser: Browser;
  let unitA: string;
  let carA: string;

  /** Clicks, waits for the download it starts and returns its bytes. */
  async function downloaded(click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [file] = (await Promise.all([browser.page.waitForEvent('download'), click()])) as [Download, void];
    return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
  }

  beforeAll(async () => {
    api = await startTestApi({ TZ_POLICY: 'Asia/Shanghai' }, { clock: fixedClock(NOW) });
    await api.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    unitA = await addUnit(api.db, '区档案馆');
    const unitB = await addUnit(api.db, '区气象局');
    carA = await addCar(api.db, unitA, '苏N·W0001');
    await addCar(api.db, unitB, '苏N·W0002');
    for (const [start, end, metres] of [
      ['2026-03-09T08:40:00+08:00', '2026-03-09T09:10:00+08:00', 11_200],
      ['2026-03-09T15:00:00+08:00', '2026-03-09T15:25:00+08:00', 9_800],
    ] as const) {
      await api.db.query(
        `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m)
         VALUES ($1, $2, $3, 33.95, 118.29, 33.96, 118.31, $4)`,
        [carA, start, end, metres],
      );
    }
    browser = await openBrowser(origin);
    await browser.page.clock.setFixedTime(NOW);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lets the centre download last month’s oversight report as a PDF', async () => {
    const { page } = browser;
    await signIn(page, origin, await createAccount(api.db, ['centre']));
    await page.goto(`${origin}/#/reports`);
    await page.waitForSelector('#monthly-report input[name=month]');
    expect(await page.inputValue('#monthly-report input[name=month]')).toBe('2026-03');
    const file = await downloaded(() => page.click('#monthly-report button[name=pdf]'));
    expect(file.name).toBe('oversight-2026-03.pdf');
    const text = await pdfText(file.bytes);
    expect(text).toContain('公务用车监管月报 Monthly oversight report');
    expect(text).toContain('2026 年 3 月');
    await page.waitForSelector('#monthly-report [role=status]');
    expect(await page.textContent('#monthly-report [role=status]')).toBe('已下载 Downloaded oversight-2026-03.pdf');
  }, 60_000);

  it('makes a car’s report as a job, shows it done and downloads it', async () => {
    const { page } = browser;
    await page.selectOption('#activity-report select[name=vehicleId]', carA);
    await page.selectOption('#activity-report select[name=format]', 'xlsx');
    expect(await page.inputValue('#activity-report input[name=from]')).toBe('2026-03-01');
    expect(await page.inputValue('#activity-report input[name=to]')).toBe('2026-03-31');
    await page.click('#activity-report button[type=submit]');
    // The list refreshes while a job waits or runs; the job turns done without anyone reloading the page.
    const row = page.locator('tr.job-done', { hasText: '2026-03-01..2026-03-31' });
    await row.waitFor({ timeout: 30_000 });
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'reports.png'), fullPage: true });
    }
    const file = await downloaded(() => row.locator('button').click());
    expect(file.name).toMatch(/^activity-car-.*-2026-03-01-2026-03-31\.xlsx$/);
    const trips = sheetRows(await workbook(file.bytes), '行程 Trips');
    const stored = await api.db.query<{ km: number }>(
      `SELECT distance_m / 1000 AS km FROM trips WHERE vehicle_id = $1 ORDER BY start_time`,
      [carA],
    );
    expect(trips.map((t) => t['里程 km'])).toEqual(stored.rows.map((r) => Number(r.km)));
  }, 60_000);

  it('shows a unit clerk only their own unit’s cars and no monthly or weekly report', async () => {
    const { page } = browser;
    const clerk = await createAccount(api.db, ['unit']);
    await api.db.query('UPDATE users SET unit_id = $1 WHERE username = $2', [unitA, clerk.username]);
    await signIn(page, origin, clerk);
    expect(await page.locator('nav a').allTextContents()).toContain('报表 Reports');
    await page.goto(`${origin}/#/reports`);
    await page.waitForSelector('#activity-report select[name=vehicleId] option', { state: 'attached' });
    expect(await page.locator('#activity-report select[name=vehicleId] option').allTextContents()).toEqual([
      '苏N·W0001 · 区档案馆',
    ]);
    expect(await page.locator('#monthly-report, #weekly-report').count()).toBe(0);
    expect(browser.foreignRequests).toEqual([]);
  }, 60_000);
});
