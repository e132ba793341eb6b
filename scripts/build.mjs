// `npm run build`: the compiled distribution in dist/ (what the pilothub command, its workers and the Docker image
// run, with no TypeScript loader at run time) and the dashboard bundle in web/dist/. Plain JavaScript, so it runs
// before anything is compiled. `ensureBuilt()` rebuilds only when a source is newer than the last build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const SOURCES = ['hub.ts', 'cli', 'common', 'gateway', 'broker', 'ingest', 'api', 'simulators', 'web/build.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

/** A checkout with its TypeScript sources (not an installed package, which ships dist/ only). */
export const hasSources = () => existsSync(join(ROOT, 'cli', 'main.ts'));

export function isStale() {
  if (!existsSync(STAMP)) return true;
  return hasSources() && statSync(STAMP).mtimeMs < Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
}

export async function build({ quiet = false } = {}) {
  const say = (line) => { if (!quiet) process.stderr.write(`${line}\n`); };
  say('pilothub: compiling TypeScript into dist/ ...');
  rmSync(DIST, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new Error('cannot build: typescript is not installed (run "npm install" with dev dependencies, or install a packed release that ships dist/)');
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (compiled.status !== 0) throw new Error(`tsc failed (exit ${compiled.status})`);
  // Files the compiled code reads beside itself.
  const migrations = join(ROOT, 'api', 'db', 'migrations');
  mkdirSync(join(DIST, 'api', 'db'), { recursive: true });
  cpSync(migrations, join(DIST, 'api', 'db', 'migrations'), { recursive: true });
  const { buildWeb } = await import(join(DIST, 'web', 'build.js'));
  await buildWeb().catch((err) => say(`pilothub: dashboard not bundled (${err.message}); the API answers 503 at /`));
  writeFileSync(STAMP, new Date().toISOString());
  say('pilothub: build done');
}

/** Builds when there is no build or a source changed since; a release without sources runs what it ships. */
export async function ensureBuilt() {
  if (isStale()) await build();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build().catch((err) => {
    process.stderr.write(`pilothub build: ${err.message}\n`);
    process.exit(1);
  });
}
