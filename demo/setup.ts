import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generatePassword } from '../broker/user-store.js';
import type { EquipmentPatch } from '../api/sharing/equipment-store.js';

export const DEMO_CUSTOMER = { orgId: 'demo-materials', orgName: '示范新材料有限公司 Demo Materials Co.', email: 'customer@demo.pilothub.local', name: 'Demo customer' };

/** What demo mode makes of the simulated equipment: bookable, with run and alarm conditions, rates and calibration. */
export const DEMO_PROFILES: Record<string, EquipmentPatch> = {
  'dryer-1': {
    location: 'Pilot hall A, bay 1', manufacturer: 'Simulated', model: 'SD-1', serialNumber: 'SIM-SD-0001',
    runCondition: 'running == true', alarmCondition: 'alarm == true',
    rateInternal: 300, rateExternal: 600, billingPolicy: 'max', calibrationCertificate: 'DEMO-CAL-SD1',
  },
  'extruder-1': {
    location: 'Pilot hall A, bay 2', manufacturer: 'Simulated', model: 'TSE-25', serialNumber: 'SIM-TSE-0001',
    runCondition: 'running == true && screw_speed > 10', alarmCondition: 'pressure_alarm || torque_alarm',
    rateInternal: 400, rateExternal: 800, billingPolicy: 'used', calibrationCertificate: 'DEMO-CAL-TSE25',
  },
  'reactor-1': {
    location: 'Pilot hall A, bay 3', manufacturer: 'Simulated', model: 'R-101', serialNumber: 'SIM-R-0101',
    runCondition: "batch_state != 'idle'", alarmCondition: 'high_temp_alarm == true',
    rateInternal: 500, rateExternal: 1000, billingPolicy: 'booked', calibrationCertificate: 'DEMO-CAL-R101',
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

const passwordFile = (secretsDir: string) => join(secretsDir, 'demo-customer.password');

/** A later demo start: the customer made on the first one, if it was. */
export function demoCustomerLogin(secretsDir: string): DemoLogin | undefined {
  const file = passwordFile(secretsDir);
  return existsSync(file) ? { email: DEMO_CUSTOMER.email, password: readFileSync(file, 'utf8').trim() } : undefined;
}

/**
 * First start in demo mode: through the API, as the first admin, a customer organisation and user, the simulated
 * equipment made bookable with run and alarm conditions, rates, calibration and spec limits. Idempotent: what exists
 * is left as staff may have changed it. The customer's password is kept owner-only in the secrets folder once all of
 * it worked, and shown in every demo start's banner. `speed`: the campaign's, so runs close after 20 s of its time.
 */
export async function setUpDemo(options: { apiUrl: string; admin: DemoLogin; secretsDir: string; logger: Logger; speed?: number; waitMs?: number }): Promise<DemoLogin> {
  const api = new DemoApi(options.apiUrl);
  await api.login(options.admin);
  const customer = { email: DEMO_CUSTOMER.email, password: generatePassword() };
  await api.send('POST', '/api/v1/orgs', { id: DEMO_CUSTOMER.orgId, name: DEMO_CUSTOMER.orgName }, [201, 409]);
  await api.send('POST', '/api/v1/users', { ...customer, name: DEMO_CUSTOMER.name, role: 'customer', orgId: DEMO_CUSTOMER.orgId }, [201, 409]);
  // Equipment is registered by its gateway's birth message: wait until each one has been announced.
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (const [id, profile] of Object.entries(DEMO_PROFILES)) {
    while ((await api.send('GET', `/api/v1/equipment/${id}`, undefined, [200, 404])).status === 404) {
      if (Date.now() > deadline) throw new Error(`demo setup: the gateway did not announce "${id}" within ${(options.waitMs ?? 60_000) / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const now = Date.now();
    await api.send('PATCH', `/api/v1/equipment/${id}`, {
      ...profile, runCloseAfterS: Math.max(1, Math.round(20 / (options.speed ?? 1))), bookable: true, autoApproveAll: true, multiDay: true, leadTimeMin: 0, minBookingMin: 15, cleaningBufferMin: 0,
      calibrationDate: now - 90 * 86_400_000, calibrationDue: now + 275 * 86_400_000,
    }, [200]);
  }
  for (const limit of DEMO_SPEC_LIMITS) await api.send('POST', '/api/v1/spec-limits', limit, [201, 409]);
  // Runs open within bookings: the customer has the dryer for 8 h and the operator the reactor for a day of batches;
  // the extruder stays free for the newcomer to book.
  const soon = Date.now() + 3000;
  const hours = (h: number) => new Date(soon + h * 3_600_000).toISOString();
  await api.send('POST', '/api/v1/bookings', { equipmentId: 'reactor-1', startsAt: hours(0), endsAt: hours(24), purpose: 'Scale-up batches of the resin recipe (internal)' }, [201]);
  const asCustomer = new DemoApi(options.apiUrl);
  await asCustomer.login(customer);
  await asCustomer.send('POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: hours(0), endsAt: hours(8), purpose: '陶瓷浆料喷雾干燥试验 Spray-drying trials of a ceramic slurry' }, [201]);
  mkdirSync(options.secretsDir, { recursive: true, mode: 0o700 });
  writeFileSync(passwordFile(options.secretsDir), `${customer.password}\n`, { mode: 0o600 });
  options.logger.info({ customer: customer.email, equipment: Object.keys(DEMO_PROFILES) }, 'demo set up: customer organisation, bookable equipment, run conditions, spec limits, bookings');
  return customer;
}
