import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generatePassword } from '../broker/user-store.js';
import type { EquipmentPatch } from '../api/sharing/equipment-store.js';

export const DEMO_CUSTOMER = { orgId: 'demo-materials', orgName: '示范新材料有限公司 Demo Materials Co.', email: 'customer@demo.pilothub.local', name: 'Demo customer' };

/** What demo mode makes of the simulated equipment: bookable, with run and alarm conditions, rates, calibration and key parameters. */
export const DEMO_PROFILES: Record<string, EquipmentPatch> = {
  'dryer-1': {
    location: 'Pilot hall A, bay 1', manufacturer: 'Simulated', model: 'SD-1', serialNumber: 'SIM-SD-0001',
    runCondition: 'running == true', alarmCondition: 'alarm == true',
    rateInternal: 300, rateExternal: 600, billingPolicy: 'max', calibrationCertificate: 'DEMO-CAL-SD1',
    keyParameters: ['outlet_temp', 'inlet_temp', 'feed_rate', 'atomizer_speed', 'running'],
  },
  'extruder-1': {
    location: 'Pilot hall A, bay 2', manufacturer: 'Simulated', model: 'TSE-25', serialNumber: 'SIM-TSE-0001',
    runCondition: 'running == true && screw_speed > 10', alarmCondition: 'pressure_alarm || torque_alarm',
    rateInternal: 400, rateExternal: 800, billingPolicy: 'used', calibrationCertificate: 'DEMO-CAL-TSE25',
    // What an extrusion operator watches: the die pressure and screw speed first, then the melt and two barrel zones.
    keyParameters: ['melt_pressure', 'screw_speed', 'melt_temp', 'zone1_temp', 'zone8_temp'],
  },
  'reactor-1': {
    location: 'Pilot hall A, bay 3', manufacturer: 'Simulated', model: 'R-101', serialNumber: 'SIM-R-0101',
    runCondition: "batch_state != 'idle'", alarmCondition: 'high_temp_alarm == true',
    rateInternal: 500, rateExternal: 1000, billingPolicy: 'booked', calibrationCertificate: 'DEMO-CAL-R101',
    keyParameters: ['batch_state', 'reactor_temp', 'jacket_temp', 'pressure', 'agitator_speed'],
  },
};

const DEMO_SPEC_LIMITS = [
  { equipmentId: 'dryer-1', parameter: 'outlet_temp', low: 70, high: 105, target: 90 },
  { equipmentId: 'extruder-1', parameter: 'melt_pressure', low: null, high: 220, target: null },
  { equipmentId: 'reactor-1', parameter: 'reactor_temp', low: null, high: 80, target: 65 },
];

export interface DemoLogin { email: string; password: string }

class DemoApi {
  private token = '';
  constructor(private readonly url: string) {}

  async login(login: DemoLogin): Promise<void> {
    const answer = await this.send('POST', '/api/v1/auth/login', { email: login.email, password: login.password }, [200]);
    this.token = (answer.body as { token: string }).token;
  }

  /** Sends a request; statuses outside `accept` are errors that name the request and the API's reason. */
  async send(method: string, path: string, body: unknown, accept: number[]): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method, headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!accept.includes(response.status)) throw new Error(`demo setup: ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, body: text ? JSON.parse(text) as unknown : undefined };
  }
}

/** The demo's people: a customer of the platform, and an engineer of the operator who books its internal work. */
export const DEMO_PEOPLE = {
  customer: { email: DEMO_CUSTOMER.email, name: DEMO_CUSTOMER.name, role: 'customer', orgId: DEMO_CUSTOMER.orgId },
  engineer: { email: 'engineer@demo.pilothub.local', name: 'Demo engineer', role: 'engineer', orgId: 'operator' },
} as const;
type DemoPerson = keyof typeof DEMO_PEOPLE;
export type DemoLogins = Record<DemoPerson, DemoLogin>;

const passwordFile = (secretsDir: string, who: DemoPerson) => join(secretsDir, `demo-${who}.password`);
const doneFile = (secretsDir: string) => join(secretsDir, 'demo-setup.done');

/** The demo people's logins, once the first demo start made them. */
export function demoLogins(secretsDir: string): DemoLogins | undefined {
  const read = (who: DemoPerson) => {
    const file = passwordFile(secretsDir, who);
    return existsSync(file) ? { email: DEMO_PEOPLE[who].email, password: readFileSync(file, 'utf8').trim() } : undefined;
  };
  const customer = read('customer');
  const engineer = read('engineer');
  return customer && engineer ? { customer, engineer } : undefined;
}

export const demoSetUp = (secretsDir: string) => existsSync(doneFile(secretsDir));

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason as Error); }, { once: true });
});

/**
 * The first demo start, as the first admin (the only start that knows its password): the demo people first, their
 * passwords kept owner-only in the secrets folder at once, then the simulated equipment made bookable with run and
 * alarm conditions, rates, calibration and spec limits once the gateway has announced it. `demo-setup.done` marks the
 * end; a start that finds the people but not the mark says so. `speed`: the campaign's, so runs close after 20 s of
 * its time.
 */
export async function setUpDemo(options: { apiUrl: string; admin: DemoLogin; secretsDir: string; logger: Logger; speed?: number; waitMs?: number; signal?: AbortSignal }): Promise<DemoLogins> {
  const api = new DemoApi(options.apiUrl);
  await api.login(options.admin);
  mkdirSync(options.secretsDir, { recursive: true, mode: 0o700 });
  await api.send('POST', '/api/v1/orgs', { id: DEMO_CUSTOMER.orgId, name: DEMO_CUSTOMER.orgName }, [201]);
  const logins = {} as DemoLogins;
  for (const who of Object.keys(DEMO_PEOPLE) as DemoPerson[]) {
    logins[who] = { email: DEMO_PEOPLE[who].email, password: generatePassword() };
    await api.send('POST', '/api/v1/users', { ...DEMO_PEOPLE[who], password: logins[who].password }, [201]);
    writeFileSync(passwordFile(options.secretsDir, who), `${logins[who].password}\n`, { mode: 0o600 });
  }
  // Equipment is registered by its gateway's birth message: wait until each one has been announced.
  const waitMs = options.waitMs ?? 120_000;
  const deadline = Date.now() + waitMs;
  for (const [id, profile] of Object.entries(DEMO_PROFILES)) {
    while ((await api.send('GET', `/api/v1/equipment/${id}`, undefined, [200, 404])).status === 404) {
      if (Date.now() > deadline) throw new Error(`demo setup: the gateway did not announce "${id}" within ${waitMs / 1000} s`);
      await sleep(250, options.signal);
    }
    const now = Date.now();
    await api.send('PATCH', `/api/v1/equipment/${id}`, {
      ...profile, runCloseAfterS: Math.max(1, Math.round(20 / (options.speed ?? 1))), bookable: true, autoApproveAll: true, multiDay: true, leadTimeMin: 0, minBookingMin: 15, cleaningBufferMin: 0,
      calibrationDate: now - 90 * 86_400_000, calibrationDue: now + 275 * 86_400_000,
    }, [200]);
  }
  for (const limit of DEMO_SPEC_LIMITS) await api.send('POST', '/api/v1/spec-limits', limit, [201]);
  writeFileSync(doneFile(options.secretsDir), `${new Date().toISOString()}\n`, { mode: 0o600 });
  options.logger.info({ people: Object.values(logins).map((l) => l.email), equipment: Object.keys(DEMO_PROFILES) }, 'demo set up: customer organisation, demo people, bookable equipment, run conditions, spec limits');
  return logins;
}

/**
 * Every demo start: runs open within bookings, so the customer keeps the dryer and the operator's engineer the
 * reactor for the next hours (booked again when no booking of theirs covers now); the extruder stays free to book.
 */
export async function keepDemoBooked(apiUrl: string, logins: DemoLogins, logger: Logger): Promise<void> {
  const plan = [
    { who: 'customer' as const, equipmentId: 'dryer-1', hours: 8, purpose: '陶瓷浆料喷雾干燥试验 Spray-drying trials of a ceramic slurry' },
    { who: 'engineer' as const, equipmentId: 'reactor-1', hours: 24, purpose: '树脂配方放大批次 Scale-up batches of the resin recipe (internal)' },
  ];
  for (const { who, equipmentId, hours, purpose } of plan) {
    const api = new DemoApi(apiUrl);
    await api.login(logins[who]);
    const now = Date.now();
    const mine = await api.send('GET', `/api/v1/bookings?equipment=${equipmentId}&status=approved&from=${new Date(now).toISOString()}&to=${new Date(now + 60_000).toISOString()}`, undefined, [200]);
    if ((mine.body as { items: unknown[] }).items.length) continue;
    // A few seconds ahead: a booking may not start in the past.
    const startsAt = now + 3000;
    await api.send('POST', '/api/v1/bookings', { equipmentId, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + hours * 3_600_000).toISOString(), purpose }, [201]);
    logger.info({ equipmentId, by: logins[who].email, hours }, 'demo booking made');
  }
}
