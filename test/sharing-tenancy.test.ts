import { beforeAll, describe, expect, it } from 'vitest';
import { raiseAlarm } from '../api/alarms/store.js';
import { openDatabase } from '../api/db/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { writeTransaction } from '../common/runtime/sqlite.js';
import { HOUR, SITE, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
type Person = Awaited<ReturnType<Stack['user']>>;
interface OpenApi { paths: Record<string, Record<string, { security?: unknown[] }>> }

/**
 * Strings only organisation "acme" may see (4242.4242 is a process value inside acme's run), and the operator's
 * internal rate 4711.17 that no customer may see; none of them may reach a globex member in any answer.
 */
const SECRETS = ['4711.17', '4242.4242', 'SECRET-ACME-METHOD', 'SECRET-ACME-PURPOSE', 'SECRET-ACME-RUN', 'SECRET-ACME-KEY', 'alice-secret-name', 'alice-secret-name@pilothub.test', 'Org acme'];

describe('tenancy: every endpoint x role x organisation', () => {
  let s: Stack;
  let people: Person[];
  const acme: Record<string, string> = {};
  const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.org('globex');
    await s.announce('press-1', [{ id: 'running', name: 'Running', unit: '', datatype: 'boolean' }, { id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' }]);
    // Process data inside acme's run (10:00-11:00) and outside every run, in the production layout.
    await s.influx.client.write([
      readingToLine({ site: SITE, equipment: 'press-1', gateway: 'gw-s' }, { p: 'pressure', v: 4242.4242, t: T0 + 10.5 * HOUR }),
      readingToLine({ site: SITE, equipment: 'press-1', gateway: 'gw-s' }, { p: 'pressure', v: 7.5, t: T0 + 14 * HOUR }),
    ].join('\n'));
    await s.ok(s.admin, 'POST', '/api/v1/qualifications', { id: 'press-basic', name: 'Press basics', expiresAfterDays: 90 });
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: true, rateInternal: 4711.17, rateExternal: 95 });
    const alice = await s.user('customer', 'acme', 'alice-secret-name');
    people = [
      alice, await s.user('viewer', 'acme'),
      await s.user('customer', 'globex'), await s.user('viewer', 'globex'),
      await s.user('admin', 'operator'), await s.user('engineer', 'operator'), await s.user('viewer', 'operator'),
    ];
    await s.ok(s.admin, 'PUT', `/api/v1/users/${alice.id}/qualifications/press-basic`);
    const booking = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(T0 + 10 * HOUR), endsAt: s.iso(T0 + 12 * HOUR), purpose: 'SECRET-ACME-PURPOSE' });
    const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-1', bookingId: booking.id, startedAt: s.iso(T0 + 10 * HOUR), note: 'SECRET-ACME-RUN' });
    await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: s.iso(T0 + 11 * HOUR) });
    const key = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/api-keys', { name: 'SECRET-ACME-KEY' });
    const ical = await s.ok<{ id: string; url: string }>(alice.token, 'POST', '/api/v1/ical-tokens', { kind: 'user' });
    const maintenance = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/equipment/press-1/maintenance', { startsAt: s.iso(T0 + 40 * HOUR), endsAt: s.iso(T0 + 41 * HOUR), reason: 'service' });
    const spec = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'press-1', parameter: 'running', low: 0 });
    const report = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId: run.id, method: 'SECRET-ACME-METHOD' });
    // Its band holds acme's process value: staff only.
    const envelope = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/envelopes', { recipe: 'probe', referenceRuns: [run.id], parameters: ['pressure'], method: 'minmax', bucket: '1h' });
    // An alarm raised while acme held the press (inside its approved booking), as the engine would raise it.
    const db = openDatabase(s.dbFile);
    const alarm = writeTransaction(db, () => raiseAlarm(db, {
      key: 'spec-limit|press-1|pressure|probe', source: 'spec-limit', equipmentId: 'press-1', parameter: 'pressure', severity: 'medium', delayMs: 0,
      detail: { value: 4242.4242, side: 'high' },
    }, T0 + 10.5 * HOUR))!.alarm;
    db.close();
    const subscription = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/notification-subscriptions', { target: { channel: 'email', to: 'alice-secret-name@pilothub.test' } });
    Object.assign(acme, { alarm: alarm.id, subscription: subscription.id });
    Object.assign(acme, { booking: booking.id, run: run.id, alice: alice.id, key: key.id, ical: ical.id, icalUrl: ical.url, maintenance: maintenance.id, spec: spec.id, report: report.id, envelope: envelope.id });
  });

  // acme's run id and any record marked as acme's, beside the fixed strings: a list of runs that leaked would hold both.
  // An id the caller put in the URL may come back in its "not found" answer: that tells nothing.
  const secrets = (url: string) => [...SECRETS, acme.run!, '"orgId":"acme"'].filter((x) => !url.includes(x));

  /**
   * Path parameters by area: tenant-owned areas get acme's object, shared ones (equipment, maintenance,
   * qualifications) a shared object. A route in an area missing here fails the test, so it cannot escape.
   */
  const objectFor = (path: string, param: string): { acme: string; none: string; owned: boolean } => {
    const area = path.split('/')[3];
    if (param === 'qualificationId') return { acme: 'press-basic', none: 'press-basic', owned: false };
    const table: Record<string, { acme: string; owned: boolean } | undefined> = {
      bookings: { acme: acme.booking!, owned: true }, runs: { acme: acme.run!, owned: true }, users: { acme: acme.alice!, owned: true },
      orgs: { acme: 'acme', owned: true }, 'api-keys': { acme: acme.key!, owned: true }, 'ical-tokens': { acme: acme.ical!, owned: true },
      // The feed URL's token is the credential itself; an outsider can only guess one.
      ical: { acme: 'ical_guessed-token.ics', owned: true },
      reports: { acme: acme.report!, owned: true },
      equipment: { acme: 'press-1', owned: false }, maintenance: { acme: acme.maintenance!, owned: false }, 'spec-limits': { acme: acme.spec!, owned: false },
      envelopes: { acme: acme.envelope!, owned: false },
      alarms: { acme: acme.alarm!, owned: true }, 'notification-subscriptions': { acme: acme.subscription!, owned: true },
    };
    const entry = table[area ?? ''];
    if (!entry) throw new Error(`${path}: no object for parameter {${param}} in area "${area}"; add the area to the tenancy matrix`);
    return { ...entry, none: entry.owned ? 'zz-nonexistent-1' : entry.acme };
  };
  const QUERIES: Record<string, string> = {
    '/api/v1/usage': '?org=acme&month=2026-11', '/api/v1/usage.csv': '?org=acme&month=2026-11',
    '/api/v1/free-slots': `?equipment=press-1&from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z`,
    '/api/v1/equipment/{id}/history': '?parameter=pressure&from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z',
    '/api/v1/service-report': '?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&groupBy=month',
    // As org=acme: a customer asking for another organisation's runs must get none of them.
    '/api/v1/service-report/runs': '?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&org=acme',
    '/api/v1/service-report/annual': '?year=2026',
    // acme's run beside nothing else: an outsider must get the same 404 as for a run that does not exist.
    get '/api/v1/runs/compare'() { return `?runs=${acme.run}&parameters=pressure`; },
  };
  const BODIES: Record<string, unknown | ((caller: number) => unknown)> = {
    'post /api/v1/bookings/{id}/cancel': { reason: 'probe' }, 'post /api/v1/bookings/{id}/reject': { reason: 'probe' },
    'patch /api/v1/runs/{id}': { note: 'probe', endedAt: '2026-11-24T10:30:00Z' }, 'post /api/v1/runs/{id}/close': {},
    // Each caller asks for another day, so a refusal is the role check and not the slot already taken.
    'post /api/v1/bookings': (i: number) => ({ equipmentId: 'press-1', startsAt: `2026-12-0${i + 1}T10:00:00Z`, endsAt: `2026-12-0${i + 1}T11:00:00Z` }),
    'post /api/v1/runs': { equipmentId: 'press-1' }, 'post /api/v1/orgs': { id: 'probe-org', name: 'Probe' },
    'post /api/v1/users': { email: 'probe@pilothub.test', name: 'probe', role: 'customer', orgId: 'globex', password: 'probe-password' },
    'post /api/v1/qualifications': { id: 'probe-q', name: 'Probe', expiresAfterDays: 1 },
    'post /api/v1/equipment/{id}/maintenance': { startsAt: '2026-11-27T10:00:00Z', endsAt: '2026-11-27T11:00:00Z', reason: 'probe' },
    'patch /api/v1/equipment/{id}': { location: 'probe' }, 'post /api/v1/spec-limits': { equipmentId: 'press-1', parameter: 'pressure', low: 0 },
    'patch /api/v1/users/{id}': { name: 'probe' }, 'post /api/v1/reports/{id}/amendments': { reason: 'probe' }, 'patch /api/v1/spec-limits/{id}': { low: 1 }, 'post /api/v1/api-keys': { name: 'probe' }, 'post /api/v1/ical-tokens': { kind: 'user' },
  };

  const call = async (token: string | null, method: string, path: string, body: unknown) => {
    if (path.endsWith('/status/stream')) {
      const ctrl = new AbortController();
      const res = await fetch(`${s.api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ctrl.signal });
      const text = res.ok ? new TextDecoder().decode((await res.body!.getReader().read()).value) : await res.text();
      ctrl.abort();
      return { status: res.status, text };
    }
    return s.call(token, method.toUpperCase(), path, body);
  };

  it('answers 401 to anonymous callers on every route not marked public', async () => {
    const spec = await s.ok<OpenApi>(s.admin, 'GET', '/api/docs/json');
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        if (isPublic || !path.startsWith('/api/')) continue;
        const url = path.replace(/\{(\w+)\}/g, (_, p: string) => objectFor(path, p).acme) + (QUERIES[path] ?? '');
        const given = BODIES[`${method} ${path}`];
        const r = await call(null, method, url, typeof given === 'function' ? given(0) : given ?? (method === 'get' || method === 'delete' ? undefined : {}));
        expect(r.status, `${method} ${url}`).toBe(401);
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThan(25);
  });

  it('shows globex the busy slot of an acme booking without who or why', async () => {
    const bob = people[2]!;
    const list = await s.ok<{ items: unknown[]; busy: unknown[] }>(bob.token, 'GET', '/api/v1/bookings?equipment=press-1');
    expect(list.items).toEqual([]);
    expect(list.busy).toEqual([{ equipmentId: 'press-1', startsAt: T0 + 10 * HOUR, endsAt: T0 + 12 * HOUR, busy: true }]);
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { autoApproveOrgs: ['acme'] });
    expect((await s.ok<{ profile: { autoApproveOrgs: string[] } }>(bob.token, 'GET', '/api/v1/equipment/press-1')).profile.autoApproveOrgs).toEqual([]);
    expect((await s.ok<{ profile: { autoApproveOrgs: string[] } }>(people[0]!.token, 'GET', '/api/v1/equipment/press-1')).profile.autoApproveOrgs).toEqual(['acme']);
    const runs = await s.ok<{ items: unknown[] }>(bob.token, 'GET', '/api/v1/runs');
    expect(runs.items).toEqual([]);
    const aliceView = await s.ok<{ items: { id: string }[] }>(people[1]!.token, 'GET', '/api/v1/runs');
    expect(aliceView.items.map((r) => r.id)).toEqual([acme.run]);
  });

  it("never shows acme's objects or secrets to globex, and answers for them exactly as for objects that do not exist", async () => {
    const spec = await s.ok<OpenApi>(s.admin, 'GET', '/api/docs/json');
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })))
      .filter((r) => r.path.startsWith('/api/'))
      // Logging out ends the caller's session: do it last.
      .sort((a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')));
    const outsiders = people.filter((p) => p.orgId === 'globex');
    let probes = 0;
    for (const person of outsiders) {
      for (const { path, method } of routes) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const fill = (pick: 'acme' | 'none') => path.replace(/\{(\w+)\}/g, (_, p: string) => objectFor(path, p)[pick]) + (QUERIES[path] ?? '');
        const given = BODIES[`${method} ${path}`];
        const body = typeof given === 'function' ? given(outsiders.indexOf(person)) : given ?? (method === 'get' || method === 'delete' ? undefined : {});
        const probe = await call(person.token, method, fill('acme'), body);
        probes++;
        for (const secret of secrets(fill('acme'))) expect(probe.text, `${person.role}@globex ${method} ${fill('acme')} leaks "${secret}"`).not.toContain(secret);
        // Viewers only read; their own credentials (session, API keys, feed URLs) are theirs to manage.
        if (person.role === 'viewer' && method !== 'get' && !/^\/api\/v1\/(auth|api-keys|ical-tokens)\b/.test(path)) {
          expect(probe.status, `viewer@globex ${method} ${path} must not write`).toBeGreaterThanOrEqual(400);
        }
        const owned = params.some((p) => objectFor(path, p).owned);
        if (owned) {
          const control = await call(person.token, method, fill('none'), body);
          expect(probe.status, `${person.role}@globex ${method} ${path}: acme's object must look nonexistent`).toBe(control.status);
          // 400 only from schema validation, which runs before any lookup and cannot depend on the object.
          expect([400, 401, 403, 404], `${person.role}@globex ${method} ${path}`).toContain(probe.status);
        }
      }
    }
    expect(probes).toBeGreaterThan(60);

    // Nothing of acme's changed, and the objects are really there: admins and acme itself see them.
    const alice = people[0]!;
    const booking = await s.ok<{ status: string; purpose: string; measuredMinutes: number }>(alice.token, 'GET', `/api/v1/bookings/${acme.booking}`);
    expect(booking).toMatchObject({ status: 'approved', purpose: 'SECRET-ACME-PURPOSE', measuredMinutes: 60 });
    expect(await s.ok(s.admin, 'GET', `/api/v1/runs/${acme.run}`)).toMatchObject({ note: 'SECRET-ACME-RUN', endedAt: T0 + 11 * HOUR });
    expect(await s.ok(s.admin, 'GET', `/api/v1/users/${acme.alice}`)).toMatchObject({ name: 'alice-secret-name', disabled: false });
    expect((await s.ok<{ items: { id: string; revokedAt: number | null }[] }>(alice.token, 'GET', '/api/v1/api-keys')).items.find((k) => k.id === acme.key)?.revokedAt).toBeNull();
    expect((await fetch(acme.icalUrl!)).status).toBe(200);
    // The process value is really served, to acme inside its run and to the operator.
    const history = `/api/v1/equipment/press-1/history${QUERIES['/api/v1/equipment/{id}/history']}`;
    expect((await s.call(alice.token, 'GET', history)).text).toContain('4242.4242');
    expect((await s.call(s.admin, 'GET', history)).text).toContain('7.5');
  });
});
