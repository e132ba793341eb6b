import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teardown } from './teardown.js';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../broker/broker.js';
import { InfluxV1Client } from '../../common/influx/v1-client.js';
import { startPrivateInfluxd, type PrivateInfluxd } from '../../common/runtime/influxd.js';
import { freePort } from '../../common/runtime/ports.js';
import { startIngest, type IngestOptions, type RunningIngest } from '../../ingest/ingest.js';

/**
 * The broker -> ingest -> InfluxDB part of servers.ts without the API, so broker and ingest tests do not
 * depend on the API's module graph. Same rule: each helper registers its teardown in the same call.
 */
export function tempDir(prefix = 'pilothub-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

export async function influxd(): Promise<PrivateInfluxd & { client: InfluxV1Client }> {
  const server = await startPrivateInfluxd({ dataDir: tempDir('pilothub-influx-') });
  teardown(() => server.stop());
  return { ...server, client: new InfluxV1Client(server.url, 'pilothub') };
}

export async function broker(options: Partial<BrokerOptions> = {}): Promise<RunningBroker & { url: string }> {
  const running = await startBroker({ ...options, port: options.port ?? (await freePort()) });
  teardown(() => running.stop());
  return { ...running, url: `mqtt://127.0.0.1:${running.port}` };
}

export async function ingest(options: IngestOptions): Promise<RunningIngest> {
  const running = await startIngest(options);
  teardown(() => running.stop());
  return running;
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after the timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
