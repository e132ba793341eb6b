import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../api/db/index.js';
import { startApi } from '../api/server.js';
import type { Reading } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import { freePort } from '../common/runtime/ports.js';
import { openSqlite } from '../common/runtime/sqlite.js';
import { broker, influxd, tempDir, TEST_ADMIN } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';

const MIGRATIONS = fileURLToPath(new URL('../api/db/migrations/', import.meta.url));
const FROM = Date.UTC(2026, 9, 1, 8, 0, 0);
const TO = FROM + 60_000;
// 1 Hz from before the window to after it: the readings at FROM and at TO itself are both in a report issued
// before issue #12, whose windows held both ends (pilothub-run-csv-v1).
const readings: Reading[] = Array.from({ length: 65 }, (_, i) => ({ p: 'temp', t: FROM - 2000 + i * 1000, v: 100 + i / 4 }));
const issued = readings.filter((r) => r.t >= FROM && r.t <= TO);
const oldCsv = `parameter,epoch_ms,value,quality\n${issued.map((r) => `temp,${r.t},${String(r.v)},good\n`).join('')}`;

describe('a report issued before windows became half-open', () => {
  let url: string;
  let token: string;

  beforeAll(async () => {
    // The database as a release with migrations up to 051 left it, the report written by that release's INSERT.
    const dataDir = tempDir('pilothub-api-old-');
    const oldMigrations = tempDir('pilothub-migrations-051-');
    for (const file of readdirSync(MIGRATIONS).filter((f) => /^0([0-4]\d|5[01])-.*\.sql$/.test(f))) copyFileSync(join(MIGRATIONS, file), join(oldMigrations, file));
    const db = openSqlite(join(dataDir, 'pilothub.db'));
    migrate(db, `${oldMigrations}/`);
    db.prepare(`INSERT INTO reports (id, run_id, equipment_id, org_id, version, previous_id, window_from, window_to, issued_at, issued_by,
      parameters_json, content_json, html, pdf, data_csv_gz, data_sha256, point_count)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      'rpt_old', 'run_old', 'old-1', null, 1, null, FROM, TO, TO + 1000, 'usr_old', JSON.stringify(['temp']), '{}', '<html></html>',
      Buffer.from('%PDF-'), gzipSync(oldCsv), createHash('sha256').update(oldCsv).digest('hex'), issued.length,
    );
    db.close();

    const influx = await influxd();
    await influx.client.ensureDatabase();
    await writeReadings(influx.client, { site: 'hall-o', equipment: 'old-1', gateway: 'gw-o' }, readings);
    const mqtt = await broker();
    const api = await startApi({ port: await freePort(), dataDir, admin: TEST_ADMIN, mqttUrl: mqtt.url, influxUrl: influx.url });
    teardown(() => api.stop());
    url = api.url;
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    token = ((await login.json()) as { token: string }).token;
  });

  const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();

  it('is listed with the closed-window format it was issued in', async () => {
    const list = await get('/api/v1/reports');
    expect(list.items).toEqual([expect.objectContaining({ id: 'rpt_old', dataFormat: 'pilothub-run-csv-v1', pointCount: issued.length })]);
  });

  it('still verifies match: the reading at its window end is read again, as it was issued', async () => {
    expect(issued.at(-1)!.t).toBe(TO);
    expect(await get('/api/v1/reports/rpt_old/verify')).toMatchObject({
      result: 'match', storedDataIntact: true, issuedPointCount: issued.length, currentPointCount: issued.length, firstDifference: null,
    });
  });
});
