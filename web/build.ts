import { mkdirSync, readdirSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('.', import.meta.url));
export const WEB_SRC = join(WEB, 'src');
export const WEB_DIST = join(WEB, 'dist');
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
  try {
    return statSync(STAMP).mtimeMs < newestMtime(WEB_SRC);
  } catch {
    return true;
  }
}

/**
 * Bundles the dashboard with esbuild (a devDependency, imported lazily so the API runs without it):
 * one minified JS and one CSS file, uPlot included, nothing fetched from a CDN at run time.
 */
export async function buildWeb(options: { force?: boolean } = {}): Promise<{ built: boolean; outdir: string }> {
  if (!options.force && !webIsStale()) return { built: false, outdir: WEB_DIST };
  const esbuild = await import('esbuild');
  mkdirSync(WEB_DIST, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(WEB_SRC, 'main.ts'), style: join(WEB_SRC, 'style.css') },
    bundle: true, minify: true, sourcemap: false, format: 'esm', target: ['es2022'],
    outdir: WEB_DIST, logLevel: 'warning', legalComments: 'none',
  });
  copyFileSync(join(WEB_SRC, 'index.html'), join(WEB_DIST, 'index.html'));
  writeFileSync(STAMP, new Date().toISOString());
  return { built: true, outdir: WEB_DIST };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildWeb({ force: process.argv.includes('--force') });
  console.log(result.built ? `dashboard built into ${result.outdir}` : `dashboard in ${result.outdir} is up to date`);
}
