import { broker as pipelineBroker, tempDir } from './pipeline.js';
import { teardown } from './teardown.js';
import { startApi, type ApiOptions, type RunningApi } from '../../api/server.js';
import type { RunningBroker } from '../../broker/broker.js';
import { freePort } from '../../common/runtime/ports.js';
import { parseGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { startSprayDryer, type SprayDryerSim } from '../../simulators/spray-dryer/index.js';

/**
 * The whole stack's helpers (the broker -> ingest -> InfluxDB ones live in pipeline.ts).
 * Each helper starts one REAL server on a free loopback port and registers its teardown with
 * the current test file in the same call, so no test can forget to stop what it started.
 */
export { eventually, influxd, ingest, tempDir } from './pipeline.js';
export type ApiOptionsForTests = Pick<ApiOptions, 'alarms' | 'notifications' | 'runSeal'>;

export async function broker(port?: number): Promise<RunningBroker & { url: string }> {
  return pipelineBroker({ port });
}

export const TEST_ADMIN = { email: 'admin@pilothub.test', password: 'test-admin-password' };

export interface TestApi extends RunningApi {
  /** A session token of the first admin (every /api/v1 route needs one). */
  adminToken: string;
  /** fetch against the API, signed in as the admin unless `init.headers.authorization` says otherwise. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export async function api(options: { mqttUrl: string; influxUrl: string; now?: () => number; trackerTickMs?: number; timeZone?: string; database?: string; retentionPolicy?: string; dataDir?: string } & ApiOptionsForTests): Promise<TestApi> {
  // The laboratory's zone is fixed (UTC unless a test picks one), so the times in messages are the same on every machine.
  const running = await startApi({ port: await freePort(), admin: TEST_ADMIN, ...options, dataDir: options.dataDir ?? tempDir('pilothub-api-'), timeZone: options.timeZone ?? 'UTC' });
  teardown(() => running.stop());
  const login = await fetch(`${running.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN),
  });
  if (!login.ok) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
  const { token } = await login.json() as { token: string };
  return {
    ...running,
    adminToken: token,
    fetch: (path, init = {}) => fetch(`${running.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } }),
  };
}

export async function sprayDryer(options: { running?: boolean } = {}): Promise<SprayDryerSim> {
  const sim = await startSprayDryer({ port: await freePort(), ...options });
  teardown(() => sim.stop());
  return sim;
}

/** A gateway from YAML text, with ${MQTT_URL} and ${DRYER_PORT}-style placeholders filled from `vars`. */
export async function gateway(yaml: string, vars: Record<string, string>): Promise<RunningGateway> {
  const config = parseGatewayConfig(yaml, 'test-gateway.yaml', vars);
  const running = await startGateway(config, { dataDir: tempDir('pilothub-gw-') });
  teardown(() => running.stop());
  return running;
}
