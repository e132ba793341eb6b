import { beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../api/routes/auth/index.js';
import { api, broker, influxd, TEST_ADMIN, type TestApi } from './helpers/servers.js';

describe('login rate limit', () => {
  let hub: TestApi;
  const login = (email: string, password: string) => fetch(`${hub.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });

  beforeAll(async () => {
    const influx = await influxd();
    const mqtt = await broker();
    hub = await api({ mqttUrl: mqtt.url, influxUrl: influx.url });
  });

  it('answers 429 with a reason once an account has had too many attempts from one address', async () => {
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_MINUTE - 1; i++) expect((await login(TEST_ADMIN.email, `wrong-${i}`)).status).toBe(401);
    const limited = await login(TEST_ADMIN.email, 'wrong-again');
    expect(limited.status).toBe(429);
    expect((await limited.json() as { message: string }).message).toMatch(/rate limit|retry/i);
    // the right password does not get through either until the window has passed
    expect((await login(TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
    // other accounts are unaffected
    expect((await login('someone@else.test', 'whatever-password')).status).toBe(401);
  });
});
