import { beforeAll, describe, expect, it } from 'vitest';
import { labTimeZone } from '../common/runtime/time-zone.js';
import { HOUR, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
interface ErrorReply { statusCode: number; code: string; message: string; issues?: { field: string; code: string; message: string }[] }

// UTC+14, the zone farthest east: a time shown in UTC is off by 14 hours, often on another day.
const ZONE = 'Pacific/Kiritimati';

/** Issue 14: API messages in the reader's language, times in the laboratory's zone, UTF-8 names and exports. */
describe('API in Chinese and in the laboratory time zone', () => {
  let s: Stack;
  const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}, token: string | null = s.admin) => {
    const res = await fetch(`${s.api.url}${path}`, {
      method, body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    return { status: res.status, body: await res.json() as ErrorReply };
  };

  beforeAll(async () => {
    s = await sharingStack({ timeZone: ZONE });
  });

  it('answers an empty method with 400 in the language of Accept-Language, with a stable code', async () => {
    const zh = await send('POST', '/api/v1/reports', { runId: 'run-x', method: '' }, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    expect(zh.status).toBe(400);
    expect(zh.body.code).toBe('validation_failed');
    expect(zh.body.message).toBe('请填写检测方法');
    expect(zh.body.issues).toEqual([{ field: 'body.method', code: 'required', message: '请填写检测方法' }]);
    const en = await send('POST', '/api/v1/reports', { runId: 'run-x', method: '' });
    expect(en.body).toMatchObject({ code: 'validation_failed', message: 'Method is required' });
    // Never zod's own wording or a field path in the message.
    expect(en.body.message).not.toMatch(/Too small|body\./);
    const missing = await send('POST', '/api/v1/reports', { method: 'm' }, { 'accept-language': 'zh' });
    expect(missing.body.issues).toEqual([{ field: 'body.runId', code: 'required', message: '请填写运行记录' }]);
  });

  it('words other errors in Chinese too, keeping their code', async () => {
    const anonymous = await send('GET', '/api/v1/equipment', undefined, { 'accept-language': 'zh-CN' }, null);
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'sign_in_first', message: expect.stringContaining('请先登录') } });
    const unknownRun = await send('POST', '/api/v1/reports', { runId: 'run-x', method: '喷雾干燥' }, { 'accept-language': 'zh-CN' });
    expect(unknownRun).toMatchObject({ status: 404, body: { code: 'run_not_found', message: '未找到运行记录“run-x”。' } });
    const noRoute = await send('GET', '/api/v1/nothing', undefined, { 'accept-language': 'zh-CN' });
    expect(noRoute.body).toMatchObject({ code: 'no_route', message: '不存在接口 GET /api/v1/nothing。' });
  });

  it('words the schemas\' own rules in Chinese too: a window backwards, limits inverted, a bad date', async () => {
    const zh = { 'accept-language': 'zh-CN' };
    const backwards = await send('GET', '/api/v1/bookings?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', undefined, zh);
    expect(backwards.body.issues).toEqual([{ field: 'querystring.to', code: 'custom', message: '截止时间必须晚于起始时间' }]);
    const inverted = await send('POST', '/api/v1/spec-limits', { equipmentId: 'dryer-1', parameter: 'inlet_temp', low: 9, high: 1 }, zh);
    expect(inverted.body.issues).toEqual([{ field: 'body.low', code: 'custom', message: '下限不能大于上限' }]);
    const badDate = await send('GET', '/api/v1/bookings?from=yesterday', undefined, zh);
    expect(badDate.body.issues?.[0]?.message).toBe('起始时间必须是 ISO 8601 日期时间，例如 2026-11-23T10:00:00Z');
    const condition = await send('PATCH', '/api/v1/equipment/dryer-1', { runCondition: 'a > > 1' }, zh);
    expect(condition.body.issues).toEqual([{ field: 'body.runCondition', code: 'custom', message: '运行条件：第 5 个字符处不应出现“>”' }]);
    const english = await send('GET', '/api/v1/bookings?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', undefined, { 'accept-language': 'en' });
    expect(english.body.message).toBe('To must be after from');
  });

  it('names a conflicting booking in the laboratory zone, in the reader language', async () => {
    await s.org('acme');
    const alice = await s.user('customer', 'acme');
    await s.announce('mixer-zh');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/mixer-zh', { bookable: true, leadTimeMin: 0, multiDay: true });
    // 2026-11-24 10:00 UTC is 2026-11-25 00:00 in Kiritimati.
    const from = Date.UTC(2026, 10, 24, 10);
    const slot = { equipmentId: 'mixer-zh', startsAt: s.iso(from), endsAt: s.iso(from + 2 * HOUR), purpose: '中试放大 第3批' };
    const booked = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/bookings', slot);
    // Roles and booking states named in a message are words of the catalog too.
    const forbidden = await send('POST', '/api/v1/reports', { runId: 'run-x', method: 'm' }, { 'accept-language': 'zh-CN' }, alice.token);
    expect(forbidden.body).toMatchObject({ code: 'role_required', message: `POST /api/v1/reports 需要角色 管理员 / 工程师；${alice.email} 的角色是 客户。` });
    expect((await send('POST', `/api/v1/bookings/${booked.id}/approve`, {})).status).toBe(200);
    const approved = await send('POST', `/api/v1/bookings/${booked.id}/approve`, {}, { 'accept-language': 'zh-CN' });
    expect(approved.status).toBe(409);
    expect(approved.body).toMatchObject({ code: 'booking_state', message: expect.stringContaining('当前为已批准') });
    const en = await send('POST', '/api/v1/bookings', slot);
    expect(en.status).toBe(409);
    expect(en.body.code).toBe('booking_conflict');
    expect(en.body.message).toBe('"mixer-zh" is already booked 2026-11-25 00:00 UTC+14:00 – 2026-11-25 02:00 UTC+14:00.');
    const zh = await send('POST', '/api/v1/bookings', slot, { 'accept-language': 'zh-CN' });
    expect(zh.body.message).toBe('“mixer-zh”在 2026-11-25 00:00 UTC+14:00 – 2026-11-25 02:00 UTC+14:00 已被预约。');
    // The iCal feed carries the Chinese purpose as UTF-8.
    const feed = await s.ok<{ url: string }>(alice.token, 'POST', '/api/v1/ical-tokens', { kind: 'user' });
    const ics = await fetch(feed.url);
    expect(ics.headers.get('content-type')).toContain('charset=utf-8');
    expect(await ics.text()).toContain('中试放大 第3批');
  });

  it('serves the zone to the dashboard and keeps each person\'s language', async () => {
    expect(await (await fetch(`${s.api.url}/api/v1/config`)).json()).toEqual({ timeZone: ZONE, languages: ['en', 'zh-CN'] });
    const bob = await s.user('viewer', 'acme');
    expect((await s.ok<{ language: string | null }>(bob.token, 'GET', '/api/v1/auth/me')).language).toBeNull();
    expect((await s.ok<{ language: string }>(bob.token, 'PATCH', '/api/v1/me', { language: 'zh-CN' })).language).toBe('zh-CN');
    expect((await s.ok<{ language: string }>(bob.token, 'GET', '/api/v1/auth/me')).language).toBe('zh-CN');
    const login = await s.ok<{ user: { language: string } }>('', 'POST', '/api/v1/auth/login', { email: bob.email, password: 'correct horse battery' });
    expect(login.user.language).toBe('zh-CN');
    const bad = await send('PATCH', '/api/v1/me', { language: 'fr' }, { 'accept-language': 'zh-CN' }, bob.token);
    expect(bad.body.issues?.[0]).toMatchObject({ field: 'body.language', code: 'invalid_value', message: '语言必须是以下之一：en, zh-CN' });
  });

  it('starts a usage CSV with a UTF-8 byte order mark so spreadsheets read Chinese names', async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/orgs/acme', { name: '华东新材料' });
    const res = await fetch(`${s.api.url}/api/v1/usage.csv?org=acme&month=2026-11`, { headers: { authorization: `Bearer ${s.admin}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).toBe('efbbbf');
    expect((await s.ok<{ items: { name: string }[] }>(s.admin, 'GET', '/api/v1/orgs')).items.map((o) => o.name)).toContain('华东新材料');
  });

  it('refuses a time zone Node does not know, naming the variable', () => {
    expect(() => labTimeZone({ PILOTHUB_TIME_ZONE: 'Asia/Shangai' })).toThrow(/PILOTHUB_TIME_ZONE="Asia\/Shangai" is not an IANA time zone/);
    expect(labTimeZone({ PILOTHUB_TIME_ZONE: 'Asia/Shanghai' })).toBe('Asia/Shanghai');
    expect(labTimeZone({})).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
