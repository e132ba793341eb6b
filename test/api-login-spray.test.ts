import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_FAILURE_WINDOW_MS, LOGIN_FAILURES_PER_ADDRESS } from '../api/routes/bounds.js';
import { api, broker, influxd, TEST_ADMIN, type TestApi } from './helpers/servers.js';
import { testClock } from './sharing-fixture.js';

interface Answer { status: number; retryAfter: string | undefined; body: { message: string } }

describe('password spraying: failed sign-ins per address, across accounts (issue #12)', () => {
  const clock = testClock();
  let hub: TestApi;
  /** Signs in over real HTTP from a chosen loopback address (all of 127/8 reaches the API on 127.0.0.1). */
  const login = (email: string, password: string, from = '127.0.0.1') => new Promise<Answer>((resolve, reject) => {
    const body = JSON.stringify({ email, password });
    const req = request(`${hub.url}/api/v1/auth/login`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body: JSON.parse(text) as Answer['body'] });
      });
    });
    req.on('error', reject).end(body);
  });

  beforeAll(async () => {
    const influx = await influxd();
    const mqtt = await broker();
    hub = await api({ mqttUrl: mqtt.url, influxUrl: influx.url, now: clock.now });
  });

  it('answers 429 with a reason and Retry-After once one address has failed too often on many accounts; other addresses still sign in', async () => {
    // One guess per account: the per-account limit never triggers, only the per-address one can.
    const accounts = Array.from({ length: LOGIN_FAILURES_PER_ADDRESS }, (_, i) => `victim-${i}@pilothub.test`);
    accounts[0] = TEST_ADMIN.email;
    for (const email of accounts) expect((await login(email, 'Summer2026!')).status).toBe(401);

    const blocked = await login('victim-next@pilothub.test', 'Summer2026!');
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfter).toBe(String(LOGIN_FAILURE_WINDOW_MS / 1000));
    expect(blocked.body.message).toBe(`too many failed sign-ins from your address 127.0.0.1: ${LOGIN_FAILURES_PER_ADDRESS} within 15 min, whatever the account; `
      + `try again in 15 min (after ${new Date(clock.now() + LOGIN_FAILURE_WINDOW_MS).toISOString()})`);
    // Not even the right password gets through from that address until the window has passed...
    expect((await login(TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(429);
    // ...but another address signs in.
    expect((await login(TEST_ADMIN.email, TEST_ADMIN.password, '127.0.0.2')).status).toBe(200);

    clock.advance(LOGIN_FAILURE_WINDOW_MS);
    expect((await login(TEST_ADMIN.email, TEST_ADMIN.password)).status).toBe(200);
  });
});
