import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../common/runtime/data-dir.js';

// The project's web/ folder, whether this runs from web/build.ts or from the compiled dist/web/build.js.
const WEB = join(PROJECT_ROOT, 'web');
export const WEB_SRC = join(WEB, 'src');
export const WEB_DIST = join(WEB, 'dist');
/** The message catalogs and formatting shared with the API are bundled too: a change there needs a new build. */
const SHARED_SRC = join(PROJECT_ROOT, 'common', 'i18n');
const STAMP = join(WEB_DIST, '.built');

/** Newest modification time under a folder, so a build is redone only when a source changed. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function webIsStale(): boolean {
  // An installed release ships web/dist without the sources: what it ships is current.
  if (!existsSync(WEB_SRC)) return false;
  try {
    return statSync(STAMP).mtimeMs < Math.max(newestMtime(WEB_SRC), existsSync(SHARED_SRC) ? newestMtime(SHARED_SRC) : 0);
  } catch {
    return true;
  }
}

/**
 * Bundles the dashboard with esbuild (a devDependency, imported lazily so the API runs without it):
 * one minified JS and one CSS file, uPlot and Preact included, nothing fetched from a CDN at run time.
 */
export async function buildWeb(options: { force?: boolean } = {}): Promise<{ built: boolean; outdir: string }> {
  if (!options.force && !webIsStale()) return { built: false, outdir: WEB_DIST };
  const esbuild = await import('esbuild');
  // Build beside dist, then rename file by file: test files building at once, or an API serving
  // while a build runs, never see a half-written bundle (rename replaces atomically on POSIX).
  const staging = join(WEB, `.dist-${process.pid}-${Date.now()}`);
  try {
    await esbuild.build({
      entryPoints: { app: join(WEB_SRC, 'main.ts'), style: join(WEB_SRC, 'style.css') },
      bundle: true, minify: true, sourcemap: false, format: 'esm', target: ['es2022'],
      // The staff pages are Preact components (.tsx): JSX compiled to preact/jsx-runtime calls.
      jsx: 'automatic', jsxImportSource: 'preact',
      outdir: staging, logLevel: 'warning', legalComments: 'none',
    });
    copyFileSync(join(WEB_SRC, 'index.html'), join(staging, 'index.html'));
    mkdirSync(WEB_DIST, { recursive: true });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(WEB_DIST, name));
    writeFileSync(STAMP, new Date().toISOString());
  } finally {
    rmSync(staging, { recursive: true, force: true });
    // esbuild's JS API keeps its service child running for later builds; the hub builds once, so a child left
    // behind only lingers in `npm start`'s process group (issue #12). Stopping it lets Node reap it.
    await esbuild.stop();
  }
  return { built: true, outdir: WEB_DIST };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildWeb({ force: process.argv.includes('--force') });
  console.log(result.built ? `dashboard built into ${result.outdir}` : `dashboard in ${result.outdir} is up to date`);
}
