import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../backup/backup.js';
import { verifyBackup } from '../backup/manifest.js';
import { restoreBackup } from '../backup/restore.js';
import { createLogger } from '../common/runtime/logger.js';
import { freePort } from '../common/runtime/ports.js';
import { openSqlite } from '../common/runtime/sqlite.js';
import { eventually, influxd, tempDir } from './helpers/servers.js';

const logger = createLogger('backup-test');
const POINTS = 'reading,site=s,equipment=e,parameter=p,gateway=g value=1 1764000000000\nreading,site=s,equipment=e,parameter=p,gateway=g value=2 1764000001000';

async function values(url: string): Promise<unknown> {
  const res = await fetch(`${url}/query?db=pilothub&q=${encodeURIComponent('SELECT value FROM reading')}`);
  return ((await res.json()) as { results: { series?: { values: unknown[] }[] }[] }).results[0]!.series?.[0]?.values ?? [];
}

describe('backup and restore with an external InfluxDB (PILOTHUB_INFLUX_URL)', () => {
  let external: Awaited<ReturnType<typeof influxd>>;
  const dataDir = tempDir('pilothub-bkx-data-');

  beforeAll(async () => {
    external = await influxd();
    await fetch(`${external.url}/query?q=CREATE+DATABASE+pilothub`, { method: 'POST' });
    expect((await fetch(`${external.url}/write?db=pilothub&precision=ms`, { method: 'POST', body: POINTS })).status).toBe(204);
    const db = openSqlite(join(dataDir, 'api', 'pilothub.db'));
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO schema_migrations VALUES (1, '001-people.sql')");
    db.close();
    mkdirSync(join(dataDir, 'secrets'));
    writeFileSync(join(dataDir, 'secrets', 'mqtt-gw.password'), 'secret\n');
  });

  it('--influx-host backs up the external server into the same folder, and restore --influx-host puts it into another', async () => {
    const to = join(tempDir('pilothub-bkx-'), 'backup');
    const manifest = await createBackup({ dataDir, to, gatewayConfig: join(dataDir, 'none.yaml'), externalInflux: true, influxHost: external.rpcAddress, logger });
    expect(manifest.influx).toEqual({ kind: 'external', host: external.rpcAddress, dir: 'influxdb' });
    expect(manifest.schemaVersions).toEqual({ 'data/api/pilothub.db': [{ version: 1, name: '001-people.sql' }] });
    const target = await influxd();
    const restoredDir = join(tempDir('pilothub-bkx-dst-'), 'data');
    const restored = await restoreBackup({ from: to, dataDir: restoredDir, influxHost: target.rpcAddress, logger });
    expect(restored).toMatchObject({ influxRestoredTo: target.rpcAddress, influxCommand: null });
    // A live restore enables the restored shard a moment later ("shard is disabled" until then).
    const back = await eventually('restored points queryable', async () => ((await values(target.url) as unknown[]).length ? values(target.url) : undefined));
    expect(back).toEqual(await values(external.url));
    expect((back as unknown[]).length).toBe(2);
    expect(existsSync(join(restoredDir, 'influxdb'))).toBe(false);
    expect(readFileSync(join(restoredDir, 'secrets', 'mqtt-gw.password'), 'utf8')).toBe('secret\n');
  });

  it('without --influx-host leaves InfluxDB out, says so in the manifest, and restore asks the operator to restore it', async () => {
    const to = join(tempDir('pilothub-bkx-'), 'backup');
    expect((await createBackup({ dataDir, to, gatewayConfig: join(dataDir, 'none.yaml'), externalInflux: true, logger })).influx).toBeNull();
    const withHost = join(tempDir('pilothub-bkx-'), 'backup');
    await createBackup({ dataDir, to: withHost, gatewayConfig: join(dataDir, 'none.yaml'), externalInflux: true, influxHost: external.rpcAddress, logger });
    const restored = await restoreBackup({ from: withHost, dataDir: join(tempDir('pilothub-bkx-dst-'), 'data'), logger });
    expect(restored.influxRestoredTo).toBeNull();
    expect(restored.influxCommand).toBe(`influxd restore -portable -host HOST:8088 ${join(withHost, 'influxdb')}`);
  });

  it('says at once that nothing answers on an RPC address, where influxd would retry for minutes', async () => {
    const to = join(tempDir('pilothub-bkx-'), 'backup');
    const closed = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(createBackup({ dataDir, to, gatewayConfig: join(dataDir, 'none.yaml'), externalInflux: true, influxHost: closed, logger }))
      .rejects.toThrow(`nothing answers on ${closed} (ECONNREFUSED)`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a file the manifest does not list, an InfluxDB backup it names without files, and a path that leaves the folder', async () => {
    const to = join(tempDir('pilothub-bkx-'), 'backup');
    await createBackup({ dataDir, to, gatewayConfig: join(dataDir, 'none.yaml'), externalInflux: true, influxHost: external.rpcAddress, logger });
    writeFileSync(join(to, 'data', 'secrets', 'planted.password'), 'x');
    await expect(verifyBackup(to)).rejects.toThrow(`${join(to, 'data/secrets/planted.password')} is not listed in manifest.json`);
    const manifest = JSON.parse(readFileSync(join(to, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const files = manifest.files;
    manifest.files = files.filter((f) => !f.path.startsWith('influxdb/'));
    writeFileSync(join(to, 'manifest.json'), JSON.stringify(manifest));
    rmSync(join(to, 'data', 'secrets', 'planted.password'));
    rmSync(join(to, 'influxdb'), { recursive: true });
    await expect(verifyBackup(to)).rejects.toThrow("manifest.json names InfluxDB's backup influxdb/, but lists no file in it");
    manifest.files = files;
    manifest.files[0]!.path = 'data/../../escape';
    writeFileSync(join(to, 'manifest.json'), JSON.stringify(manifest));
    await expect(verifyBackup(to)).rejects.toThrow(/manifest\.json is not a valid pilothub backup manifest:\n {2}files\.0\.path: must be a relative path inside the backup/);
  });
});
