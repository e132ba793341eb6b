/**
 * One API process for test/sharing-multiprocess.test.ts and test/duties-multiprocess.test.ts: argv dataDir, mqttUrl,
 * influxUrl and optionally more `startApi` options as JSON (lease term, notification timing); prints its URL as one
 * JSON line, stops on SIGTERM. Several of these share one SQLite file, as several hub processes would.
 */
import { startApi, type ApiOptions } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';

const [dataDir, mqttUrl, influxUrl, more] = process.argv.slice(2) as [string, string, string, string | undefined];
const extra = (more ? JSON.parse(more) : {}) as Partial<ApiOptions>;
const api = await startApi({ ...extra, port: await freePort(), dataDir, mqttUrl, influxUrl, admin: { email: 'admin@pilothub.test', password: 'test-admin-password' } });
process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(1), 5000).unref();
  void api.stop().finally(() => process.exit(0));
});
