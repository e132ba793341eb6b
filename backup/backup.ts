import { chmodSync, closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../common/runtime/data-dir.js';
import { recordedRpcAddress } from '../common/runtime/influxd.js';
import type { Logger } from '../common/runtime/logger.js';
import { influxdPortable } from './influx.js';
import { DATA_DIR, GATEWAY_CONFIG_DIR, INFLUX_DIR, listFiles, Manifest, MANIFEST_FILE, sha256OfFile } from './manifest.js';

/** The private influxd's folder in the data dir: InfluxDB's own backup covers it, so its files are not copied. */
export const PRIVATE_INFLUX_DIR = 'influxdb';

export interface BackupOptions {
  dataDir: string;
  to: string;
  /** The gateway config the hub runs with; skipped with a warning when it does not exist. */
  gatewayConfig: string;
  /** True when the hub uses an external InfluxDB (PILOTHUB_INFLUX_URL) instead of its private influxd. */
  externalInflux: boolean;
  /** The RPC address (host:port) of the InfluxDB to back up; by default the private influxd's recorded one. */
  influxHost?: string;
  logger: Logger;
}

/**
 * Backs up a hub while it runs: InfluxDB through its portable backup, every SQLite store through SQLite's online
 * backup (a consistent snapshot while the hub keeps writing, which a file copy of a WAL database is not), every
 * other file of the data dir (secrets, PKI) as it is, the gateway config, and a manifest with sizes and sha256.
 */
export async function createBackup(options: BackupOptions): Promise<Manifest> {
  const dataDir = resolve(options.dataDir);
  const to = resolve(options.to);
  if (!existsSync(dataDir)) throw new Error(`data dir ${dataDir} does not exist`);
  if (`${to}${sep}`.startsWith(`${dataDir}${sep}`)) throw new Error(`--to ${to} is inside the data dir ${dataDir}: put the backup elsewhere, or it would back itself up`);
  if (existsSync(to) && readdirSync(to).length > 0) throw new Error(`--to ${to} is not empty: back up into a new or empty folder, so no file of another backup is mixed in`);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const log = options.logger;

  const influx = await backupInflux(options, dataDir, to);
  const schemaVersions: Manifest['schemaVersions'] = {};
  for (const path of dataFiles(dataDir)) {
    const source = join(dataDir, path);
    const target = join(to, DATA_DIR, path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    if (isSqlite(source)) {
      const versions = await backupSqlite(source, target);
      if (versions) schemaVersions[`${DATA_DIR}/${path}`] = versions;
      log.info({ file: path }, 'SQLite store backed up online');
    } else {
      copyPrivate(source, target);
    }
  }
  const gatewayConfig = copyGatewayConfig(options.gatewayConfig, dataDir, to, log);

  const files = await Promise.all(listFiles(to).map(async (path) => ({ path, size: lstatSync(join(to, path)).size, sha256: await sha256OfFile(join(to, path)) })));
  const manifest = Manifest.parse({
    format: 'pilothub-backup', formatVersion: 1, pilothubVersion: pilothubVersion(), createdAt: new Date().toISOString(),
    dataDir, influx, gatewayConfig, schemaVersions, files,
  });
  // Written under another name and renamed: a backup without manifest.json is one that did not finish.
  writeFileSync(join(to, `${MANIFEST_FILE}.partial`), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(join(to, `${MANIFEST_FILE}.partial`), join(to, MANIFEST_FILE));
  log.info({ to, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), influx: influx?.host ?? null }, 'backup complete');
  return manifest;
}

async function backupInflux(options: BackupOptions, dataDir: string, to: string): Promise<Manifest['influx']> {
  if (options.externalInflux && !options.influxHost) {
    options.logger.warn('the hub uses an external InfluxDB (PILOTHUB_INFLUX_URL): its data is NOT in this backup; back it up on that server with `influxd backup -portable`, or pass --influx-host HOST:PORT (its RPC bind-address)');
    return null;
  }
  const privateDir = join(dataDir, PRIVATE_INFLUX_DIR);
  const host = options.influxHost ?? recordedRpcAddress(privateDir);
  if (!host) throw new Error(`no private influxd has run on ${privateDir} (no ${privateDir}/rpc-address): start the hub on this data dir first, or name an InfluxDB with --influx-host HOST:PORT`);
  const output = await influxdPortable('backup', host, join(to, INFLUX_DIR));
  options.logger.info({ host, output: output.trim().split('\n').slice(-4) }, 'InfluxDB backed up');
  return { kind: options.influxHost ? 'external' : 'private', host, dir: INFLUX_DIR };
}

/** Files of the data dir to back up: all but the private influxd's (InfluxDB's backup has them) and SQLite's side files. */
function dataFiles(dataDir: string): string[] {
  // -wal and -shm belong to their live database: the online backup already holds every committed page of them.
  return listFiles(dataDir).filter((path) => path.split('/')[0] !== PRIVATE_INFLUX_DIR && !/-(wal|shm|journal)$/.test(path));
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** SQLite files are found by their header (SQLite file format §1.3.1), so stores added later are backed up too. */
function isSqlite(file: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, header, 0, header.length, 0) === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

/** SQLite's online backup of `source` into `target`, a single self-contained file; its recorded migrations, if any. */
async function backupSqlite(source: string, target: string): Promise<Manifest['schemaVersions'][string] | undefined> {
  const live = new Database(source, { fileMustExist: true });
  try {
    // The hub holds the write lock for short moments; wait for it rather than fail.
    live.pragma('busy_timeout = 5000');
    await live.backup(target);
  } finally {
    live.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  try {
    // The copy inherits WAL mode; rollback mode folds it into the one file, without -wal/-shm beside it.
    // The store switches back to WAL when the restored hub opens it (common/runtime/sqlite.ts).
    copy.pragma('journal_mode = DELETE');
    const table = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    return table ? copy.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[] : undefined;
  } finally {
    copy.close();
  }
}

function copyGatewayConfig(file: string, dataDir: string, to: string, log: Logger): Manifest['gatewayConfig'] {
  const source = resolve(file);
  if (!existsSync(source)) {
    log.warn({ gatewayConfig: source }, 'the gateway config does not exist; it is not in the backup');
    return null;
  }
  const inside = relative(dataDir, source);
  if (!inside.startsWith('..') && !inside.startsWith(sep)) return { originalPath: source, path: `${DATA_DIR}/${inside.split(sep).join('/')}` };
  const path = `${GATEWAY_CONFIG_DIR}/${basename(source)}`;
  mkdirSync(join(to, GATEWAY_CONFIG_DIR), { recursive: true, mode: 0o700 });
  copyPrivate(source, join(to, path));
  return { originalPath: source, path };
}

/** copyFile keeps the source's mode; a backup's files are owner-only whatever they were (a gateway config is 0644). */
function copyPrivate(source: string, target: string): void {
  copyFileSync(source, target);
  chmodSync(target, 0o600);
}

function pilothubVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
