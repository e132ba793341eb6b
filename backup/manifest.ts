import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { z } from 'zod';

/** The file that makes a folder a pilothub backup; written last, so a backup cut short has none. */
export const MANIFEST_FILE = 'manifest.json';
/** Folders inside a backup: InfluxDB's portable backup, the data dir's files, the gateway config kept outside it. */
export const INFLUX_DIR = 'influxdb';
export const DATA_DIR = 'data';
export const GATEWAY_CONFIG_DIR = 'gateway-config';

// A path from the manifest is joined to the restore target: nothing absolute, no `..`, no way out of the folder.
const RelativePath = z.string().min(1).refine(
  (p) => !isAbsolute(p) && !p.includes('\\') && posix.normalize(p) === p && !p.split('/').includes('..'),
  'must be a relative path inside the backup, with / separators and no ".."',
);

export const BackupFile = z.object({
  path: RelativePath,
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
}).strict();
export type BackupFile = z.infer<typeof BackupFile>;

export const Manifest = z.object({
  format: z.literal('pilothub-backup'),
  formatVersion: z.literal(1),
  pilothubVersion: z.string().min(1),
  createdAt: z.iso.datetime(),
  /** The data dir backed up, for the operator's information; restore goes wherever it is told. */
  dataDir: z.string(),
  /**
   * InfluxDB's portable backup (`influxd backup -portable`) under `dir`, taken from `host`: the hub's private influxd
   * or an external server the operator named; null when the hub used an external InfluxDB that was not backed up.
   */
  influx: z.object({ kind: z.enum(['private', 'external']), host: z.string().min(1), dir: RelativePath }).strict().nullable(),
  /** The gateway config the hub ran with: inside the data dir (then among its files) or kept beside it. */
  gatewayConfig: z.object({ originalPath: z.string(), path: RelativePath }).strict().nullable(),
  /** Per SQLite file of the backup (path), the migrations recorded in its schema_migrations table. */
  schemaVersions: z.record(z.string(), z.array(z.object({ version: z.number().int(), name: z.string() }).strict())),
  files: z.array(BackupFile),
}).strict();
export type Manifest = z.infer<typeof Manifest>;

export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex')));
  });
}

/** Every regular file under `dir`, as sorted `/`-separated paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listFiles(dir, path);
    return entry.isFile() ? [path] : [];
  }).sort();
}

/**
 * Reads and checks a backup completely before anything is restored: the manifest parses and matches its schema,
 * every file it lists is there with its size and sha256, and nothing unlisted was added. Every problem is
 * reported at once, each naming its file.
 */
export async function verifyBackup(dir: string): Promise<Manifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new Error(`${manifestPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): not a pilothub backup, or one that did not finish`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${manifestPath} does not parse as JSON: ${(err as Error).message}`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${manifestPath} is not a valid pilothub backup manifest:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n')}`);
  }
  const manifest = parsed.data;
  const problems: string[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    let size: number;
    try {
      const stat = lstatSync(path);
      if (!stat.isFile()) { problems.push(`${path} is not a regular file`); continue; }
      size = stat.size;
    } catch {
      problems.push(`${path} is missing (listed in ${MANIFEST_FILE})`);
      continue;
    }
    if (size !== file.size) { problems.push(`${path} has ${size} bytes, ${MANIFEST_FILE} says ${file.size}`); continue; }
    const sha256 = await sha256OfFile(path);
    if (sha256 !== file.sha256) problems.push(`${path} is damaged: its sha256 is ${sha256}, ${MANIFEST_FILE} says ${file.sha256}`);
  }
  const listed = new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)]);
  for (const path of listFiles(dir)) if (!listed.has(path)) problems.push(`${join(dir, path)} is not listed in ${MANIFEST_FILE}`);
  // What the manifest points to must be among the checked files, or restore would fail after it began writing.
  if (manifest.gatewayConfig && !listed.has(manifest.gatewayConfig.path)) problems.push(`${MANIFEST_FILE} names the gateway config ${manifest.gatewayConfig.path}, which it does not list`);
  const influxDir = manifest.influx?.dir;
  if (influxDir && !manifest.files.some((f) => f.path.startsWith(`${influxDir}/`))) problems.push(`${MANIFEST_FILE} names InfluxDB's backup ${influxDir}/, but lists no file in it`);
  if (problems.length) throw new Error(`backup ${dir} is damaged; nothing was restored:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return manifest;
}
