/**
 * One API process for test/sharing-multiprocess.test.ts: argv dataDir, mqttUrl, influxUrl; prints its URL
 * as one JSON line, stops on SIGTERM. Several of these share one SQLite file, as several hub processes would.
 */
import { startApi } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';

const [dataDir, mqttUrl, influxUrl] = process.argv.slice(2) as [string, string, string];
const api = await startApi({ port: await freePort(), dataDir, mqttUrl, influxUrl, admin: { email: 'admin@pilothub.test', password: 'test-admin-password' } });
process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(1), 5000).unref();
  void api.stop().finally(() => process.exit(0));
});
