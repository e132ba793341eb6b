// `npm run build`: the compiled distribution in dist/ (what the pilothub command, its workers and the Docker image
// run, with no TypeScript loader at run time) and the dashboard bundle in web/dist/. Plain JavaScript, so it runs
// before anything is compiled. `ensureBuilt()` rebuilds only when a source is newer than the last build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const LOCK = join(ROOT, '.dist.lock');
const SOURCES = ['hub.ts', 'cli', 'common', 'gateway', 'broker', 'ingest', 'api', 'simulators', 'backup', 'web/build.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

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

/**
 * One build at a time (two commands started together after a pull), written beside dist/ and swapped in whole, so
 * a process running from dist/ never sees a half-written or deleted tree.
 */
async function withLock(work) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than any build is left by a killed build.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another build holds ${LOCK}; remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function build({ quiet = false } = {}) {
  const say = (line) => { if (!quiet) process.stderr.write(`${line}\n`); };
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new Error('cannot build: typescript is not installed (run "npm install" with dev dependencies, or install a packed release that ships dist/)');
  await withLock(async () => {
    say('pilothub: compiling TypeScript into dist/ ...');
    const staging = join(ROOT, `.dist-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    try {
      const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', staging], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (compiled.status !== 0) throw new Error(`tsc failed (exit ${compiled.status})`);
      // Files the compiled code reads beside itself.
      mkdirSync(join(staging, 'api', 'db'), { recursive: true });
      cpSync(join(ROOT, 'api', 'db', 'migrations'), join(staging, 'api', 'db', 'migrations'), { recursive: true });
      const { buildWeb } = await import(join(staging, 'web', 'build.js'));
      await buildWeb().catch((err) => say(`pilothub: dashboard not bundled (${err.message}); the API answers 503 at /`));
      writeFileSync(join(staging, '.built'), new Date().toISOString());
      const old = join(ROOT, `.dist-old-${process.pid}`);
      if (existsSync(DIST)) renameSync(DIST, old);
      renameSync(staging, DIST);
      rmSync(old, { recursive: true, force: true });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    say('pilothub: build done');
  });
}

/** Builds when there is no build or a source changed since; a release without sources runs what it ships. */
export async function ensureBuilt() {
  if (!isStale()) return;
  // Another process may have built while this one waited for the lock.
  await withLock(async () => undefined);
  if (isStale()) await build();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build().catch((err) => {
    process.stderr.write(`pilothub build: ${err.message}\n`);
    process.exit(1);
  });
}
