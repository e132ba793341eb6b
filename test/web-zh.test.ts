import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromWallClock, wallClock } from '../common/i18n/format.js';
import { browser, login, patient, screenshot } from './helpers/browser.js';
import { eventually, TEST_ADMIN } from './helpers/servers.js';
import { apiCaller, dryerRegistered, fullStack, type ApiCall } from './helpers/stack.js';
import { writeDryerHistory } from './web-history-fixture.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

const LAB_ZONE = 'Asia/Shanghai';
// The browser sits 16 hours away from the lab: a page that showed browser time would be off by a day.
const BROWSER_ZONE = 'America/Los_Angeles';
const PASSWORD = 'correct horse battery';
const METHOD = '喷雾干燥法 SD-7（麦芽糊精，进风 180 °C）';
/** `PILOTHUB_ZH_SCREENSHOTS=1` writes the screenshots into docs/screenshots/zh-CN/ (committed); otherwise test-artifacts/. */
const DOCS_SHOTS = process.env.PILOTHUB_ZH_SCREENSHOTS === '1' ? fileURLToPath(new URL('../docs/screenshots/zh-CN/', import.meta.url)) : null;

/** The example gateway with the names a Chinese platform types: UTF-8 from YAML through MQTT to the page. */
const chineseNames = (yaml: string) => yaml
  .replace('name: Pilot spray dryer SD-1', 'name: 中试喷雾干燥机 SD-1').replace('kind: spray-dryer', 'kind: 喷雾干燥')
  .replace('name: Twin-screw extruder TSE-25', 'name: 双螺杆挤出机 TSE-25').replace('kind: extruder', 'kind: 挤出')
  .replace('name: Inlet air temperature', 'name: 进风温度').replace('name: Outlet air temperature', 'name: 出风温度')
  .replace('name: Feed rate', 'name: 进料速率').replace('name: Atomizer speed', 'name: 雾化器转速')
  .replace('name: Inlet temperature setpoint', 'name: 进风温度设定值').replace('name: Dryer running', 'name: 运行信号')
  .replace('name: Common alarm', 'name: 综合报警').replace(/name: Barrel zone (\d) temperature/g, 'name: 机筒$1区温度')
  .replace('name: Melt temperature', 'name: 熔体温度').replace('name: Melt pressure at the die', 'name: 模头熔体压力')
  .replace('name: Jacketed batch reactor R-101', 'name: 夹套间歇反应釜 R-101').replace('kind: batch-reactor', 'kind: 反应釜')
  .replace('name: Reactor temperature', 'name: 釜内温度').replace('name: Jacket temperature', 'name: 夹套温度')
  .replace('name: Reactor pressure', 'name: 釜内压力').replace('name: Agitator speed', 'name: 搅拌转速');

/** Issue 14: the whole dashboard in zh-CN, in Debian's chromium, finds no English word that is not data. */
describe('web dashboard in zh-CN', () => {
  let stack: Stack;
  let chrome: Browser;
  let admin: Page;
  let dataWords: Set<string>;
  let requestStart: number;

  let api: ApiCall;
  const newZhPage = async () => patient(await chrome.newContext({ baseURL: stack.api.url, viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: BROWSER_ZONE })).newPage();
  const shot = async (page: Page, name: string) => {
    if (!DOCS_SHOTS) return void await screenshot(page, `zh-CN-${name}`);
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SHOTS, `${name}.png`), fullPage: true });
  };

  /** Words the product, its formats and the database carry as names (above), and every word an API answer holds. */
  const learnData = async (...paths: string[]) => {
    const answers = await Promise.all(paths.map((p) => stack.api.fetch(p).then((r) => r.text())));
    for (const m of answers.join(' ').toLowerCase().matchAll(/[a-z]{3,}/g)) dataWords.add(m[0]);
  };

  /** Latin words a person reads on the page (text, titles, placeholders, labels) that no API answer holds as data. */
  const englishOn = async (page: Page): Promise<string[]> => {
    const shown = await page.evaluate(() => {
      // Each language names itself in a language choice (English, 中文): that word is meant to stay, so those are left out.
      const switches = [...document.querySelectorAll<HTMLElement>('select[name=language], select[name=reportLanguage]')];
      for (const el of switches) el.style.display = 'none';
      const texts = [document.body.innerText, document.title];
      for (const el of switches) el.style.display = '';
      for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
        for (const a of ['title', 'placeholder', 'aria-label']) texts.push(el.getAttribute(a) ?? '');
      }
      return texts.join('\n');
    });
    // A value cut short for its cell ends in '…': its last word is the start of a data word, not a word of its own.
    const words = shown.match(/[A-Za-z]{3,}…?/g) ?? [];
    const isData = (w: string) => w.endsWith('…')
      ? [...dataWords].some((d) => d.startsWith(w.slice(0, -1).toLowerCase()))
      : dataWords.has(w.toLowerCase());
    return [...new Set(words)].filter((w) => !isData(w));
  };

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack({ timeZone: LAB_ZONE, gatewayYaml: chineseNames }), browser()]);
    api = apiCaller(stack.api);
    await dryerRegistered(stack.api);
    await api('PATCH', '/api/v1/equipment/dryer-1', {
      bookable: true, leadTimeMin: 0, runCondition: 'running == true', location: '中试车间 A 区', manufacturer: '上海某干燥设备厂', model: 'SD-1500',
      serialNumber: 'SD2026-018', calibrationDate: Date.UTC(2026, 5, 1), calibrationDue: Date.UTC(2027, 5, 1), calibrationCertificate: 'JZ-2026-0412',
    });
    await stack.influx.client.ensureDatabase();
    await writeDryerHistory(stack.influx.client);
    await api('POST', '/api/v1/orgs', { id: 'huadong', name: '华东新材料中试有限公司', reportLanguage: 'zh-CN' });
    await api('POST', '/api/v1/users', { email: 'zhang@huadong.test', name: '张工', role: 'customer', orgId: 'huadong', password: PASSWORD });
    // The customer asks for tomorrow 10:00-12:00 lab time; the engineer's queue must show 10:00, not Los Angeles time.
    const tomorrow = wallClock(Date.now() + 86_400_000, LAB_ZONE);
    requestStart = fromWallClock(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, LAB_ZONE);
    const zhang = (await api<{ token: string }>('POST', '/api/v1/auth/login', { email: 'zhang@huadong.test', password: PASSWORD })).token;
    await api('POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: new Date(requestStart).toISOString(), endsAt: new Date(requestStart + 2 * 3_600_000).toISOString(), purpose: '麦芽糊精放大试验' }, zhang);
    // A short run of live telemetry, closed, for the runs and report pages.
    const from = Date.now() - 1000;
    const run = await api<{ id: string }>('POST', '/api/v1/runs', { equipmentId: 'dryer-1', startedAt: new Date(from).toISOString() });
    await eventually('telemetry inside the run', async () => {
      const q = new URLSearchParams({ parameter: 'inlet_temp', from: new Date(from).toISOString(), to: new Date().toISOString() });
      return (await api<{ points: unknown[] }>('GET', `/api/v1/equipment/dryer-1/history?${q}`)).points.length >= 3 ? true : undefined;
    }, 30_000);
    await api('POST', `/api/v1/runs/${run.id}/close`, {});
    // Everything an API answer holds is data (names, ids, units, emails); a Latin word outside it is UI text.
    dataWords = new Set(['pilothub', 'pdf', 'csv', 'xlsx', 'sha', 'influxdb', 'utc', 'rpm']);
    await learnData('/api/v1/equipment', '/api/v1/equipment/dryer-1', '/api/v1/bookings', '/api/v1/runs', '/api/v1/orgs', '/api/v1/users', '/api/v1/auth/me', '/api/v1/config');
    admin = await newZhPage();
  }, 180_000);
  afterAll(() => admin?.context().close());

  it('greets a Chinese browser in Chinese and words a failed login in Chinese', async () => {
    await admin.goto('/');
    await admin.waitForSelector('#login-form');
    expect(await admin.locator('#login-form h1').textContent()).toBe('登录 pilothub');
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'login');
    await admin.fill('input[name=email]', TEST_ADMIN.email);
    await admin.fill('input[name=password]', 'not the password');
    await admin.click('button[type=submit]');
    const error = admin.locator('#login-form .form-error');
    await expect.poll(() => error.textContent(), { timeout: 15_000 }).toBe('401: 邮箱或密码错误，或账号已停用。');
    await shot(admin, 'login-error');
    await admin.fill('input[name=password]', TEST_ADMIN.password);
    await admin.click('button[type=submit]');
    await admin.waitForSelector('[data-equipment="dryer-1"]');
  });

  it('shows the board and the equipment page in Chinese, the chart window on the lab clock', async () => {
    const card = admin.locator('[data-equipment="dryer-1"]');
    await expect.poll(() => card.locator('[data-role=status]').textContent(), { timeout: 20_000 }).toBe('运行中');
    expect(await card.locator('h2').textContent()).toBe('中试喷雾干燥机 SD-1');
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'board');
    await admin.goto('/#/equipment/dryer-1');
    await admin.waitForSelector('.chart[data-parameter=inlet_temp] canvas');
    await admin.waitForTimeout(1500);
    expect(await admin.locator('[data-role=calibration-due]').textContent()).toBe('2027/6/1');
    // The time window ends now, read on the lab's clock: Shanghai's hour, never Los Angeles' (16 hours apart).
    const labHours = [Date.now(), Date.now() - 60_000].map((t) => ` ${String(wallClock(t, LAB_ZONE).hour).padStart(2, '0')}:`);
    const range = (await admin.locator('[data-role=range]').textContent())!.split(' – ')[1]!;
    expect(labHours.some((hour) => range.includes(hour)), range).toBe(true);
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'equipment');
  });

  it('shows the calendar and approval queue in Chinese, the request at its lab-time hours, field errors next to the field', async () => {
    await admin.goto('/#/calendar/dryer-1');
    const row = admin.locator('[data-role=approvals] tbody tr', { hasText: '华东新材料中试有限公司' });
    await row.waitFor();
    const slot = await row.locator('td').nth(2).textContent();
    expect(slot).toMatch(/10:00 – .*12:00$/);
    await row.locator('[data-action=reject]').click();
    const reason = row.locator('.field-error[data-field=reason]');
    await reason.waitFor();
    expect(await reason.textContent()).toBe('请填写原因');
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'calendar-approvals');
    await row.locator('[data-action=approve]').click();
    await expect.poll(() => admin.locator('[data-role=approvals] tbody tr').count()).toBe(0);
    expect(await englishOn(admin)).toEqual([]);
  });

  it('issues a zh-CN report from the runs page and shows it in Chinese', async () => {
    await admin.goto('/#/runs');
    // The list is newest first: the closed run offers the report form (a run the run condition opened would not).
    const row = admin.locator('tr[data-run]', { has: admin.locator('input[name=method]') }).first();
    await row.waitFor();
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'runs');
    await row.locator('button[type=submit]').click();
    const error = row.locator('.field-error[data-field=method]');
    await error.waitFor();
    // Said once, next to the field; the banner only points at it.
    expect(await error.textContent()).toBe('请填写检测方法');
    expect(await row.locator('.form-error').textContent()).toBe('400: 请修改标出的字段。');
    await shot(admin, 'runs-field-error');
    await row.locator('input[name=method]').fill(METHOD);
    await row.locator('select[name=language]').selectOption('zh-CN');
    await row.locator('button[type=submit]').click();
    await admin.waitForSelector('table[data-role=statistics]');
    await admin.waitForSelector('.chart[data-parameter=inlet_temp] canvas');
    expect(await admin.locator('main').textContent()).toContain(METHOD);
    // The report's id and hash are data too.
    await learnData('/api/v1/reports', `/api/v1/reports/${admin.url().split('/').at(-1)}`);
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'report');
    await admin.click('#verify');
    await admin.locator('[data-result=match]').waitFor();
    expect(await englishOn(admin)).toEqual([]);
  });

  it('shows the Platform service figures in Chinese, the period on the lab clock', async () => {
    await admin.goto('/#/platform');
    await admin.waitForSelector('table[data-role=equipment-figures] tr[data-equipment="dryer-1"]');
    expect(await admin.locator('h1').textContent()).toBe('平台服务成效');
    // The default period is the lab's calendar year: it starts at 00:00 Shanghai time, not Los Angeles midnight.
    const window = new URLSearchParams((await admin.locator('[data-window]').getAttribute('data-window'))!);
    const year = wallClock(Date.now(), LAB_ZONE).year;
    expect(Date.parse(window.get('from')!)).toBe(fromWallClock(year, 1, 1, 0, 0, LAB_ZONE));
    // …and the server groups its months in the same zone: no stray month before January.
    expect(await admin.locator('[data-window] > p').first().textContent()).toContain(LAB_ZONE);
    expect(await admin.locator('[data-chart=monthly]').textContent()).not.toContain(`${year - 1}-12`);
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'platform');
  });

  it('shows the staff pages in Chinese, the condition preview on the running dryer', async () => {
    await learnData('/api/v1/spec-limits', '/api/v1/qualifications', '/api/v1/api-keys', '/api/v1/audit');
    await admin.goto('/#/staff');
    await admin.waitForSelector('a[data-equipment="dryer-1"]');
    expect(await englishOn(admin)).toEqual([]);
    await admin.click('a[data-equipment="dryer-1"]');
    const preview = admin.locator('[data-role=preview-runCondition]');
    await expect.poll(() => preview.getAttribute('data-value'), { timeout: 15_000 }).toBe('true');
    expect(await preview.locator('strong').textContent()).toBe('当前：成立');
    expect(await englishOn(admin)).toEqual([]);
    await shot(admin, 'staff-profile');
    for (const path of ['/staff/orgs', '/staff/users', '/staff/qualifications', '/staff/api-keys', '/staff/bookings', '/staff/audit']) {
      await admin.goto(`/#${path}`);
      await admin.waitForSelector('main .page-head h1');
      await admin.waitForFunction(() => !document.querySelector('main')?.textContent?.includes('加载中'));
      // Entries written since the data was learnt (the alarm engine audits each alarm on the running dryer) carry
      // random ids whose letters are data, not text: learnt again once the page shows them.
      if (path === '/staff/audit') await learnData('/api/v1/audit?limit=1000');
      expect(await englishOn(admin), path).toEqual([]);
    }
    await shot(admin, 'staff-audit');
  });

  it("shows a customer's calendar and bookings in Chinese", async () => {
    const zhang = await newZhPage();
    await login(zhang, 'zhang@huadong.test', PASSWORD);
    await zhang.goto('/#/calendar/dryer-1');
    await zhang.locator('[data-role=my-bookings] tbody tr').first().waitFor();
    expect(await zhang.locator('[data-role=my-bookings] tbody tr').first().textContent()).toContain('已批准');
    expect(await englishOn(zhang)).toEqual([]);
    await shot(zhang, 'calendar-customer');
    await zhang.context().close();
  });

  it('switches language in the header and remembers the choice with the user', async () => {
    await admin.selectOption('#language', 'en');
    await expect.poll(() => admin.locator('#top nav a').first().textContent()).toBe('Equipment');
    // Another browser, in English: the saved choice wins over the browser's language.
    const other = await patient(await chrome.newContext({ baseURL: stack.api.url, locale: 'en-US', timezoneId: 'UTC' })).newPage();
    await login(other, TEST_ADMIN.email, TEST_ADMIN.password);
    expect(await other.locator('#top nav a').first().textContent()).toBe('Equipment');
    await other.selectOption('#language', 'zh-CN');
    await expect.poll(() => other.locator('#top nav a').first().textContent()).toBe('设备');
    // The header switches at once; the page below is rebuilt in the new language once its data has loaded again.
    await expect.poll(() => englishOn(other), { timeout: 15_000 }).toEqual([]);
    await other.context().close();
    expect((await api<{ language: string }>('GET', '/api/v1/auth/me')).language).toBe('zh-CN');
  });
});
