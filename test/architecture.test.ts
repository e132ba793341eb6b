import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/servers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Component folders: each may import itself and common/, never another component (design.md). */
const COMPONENTS = ['common', 'gateway', 'broker', 'ingest', 'api', 'simulators', 'web'];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

function crossings(root: string): string[] {
  const found: string[] = [];
  for (const component of COMPONENTS) {
    for (const file of sourceFiles(join(root, component))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(import\s+type\s[^;]*?from\s*|(?:from|import)\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = relative(root, resolve(dirname(file), match[2]!)).split(sep)[0]!;
        // The dashboard is the API's client: it may read the API's schema types (erased by esbuild), never its code.
        const typeOnlyApiSchema = component === 'web' && target === 'api' && match[1]!.startsWith('import type');
        const allowed = target === component || target === 'common' || typeOnlyApiSchema;
        if (!allowed) found.push(`${relative(root, file)} imports ${match[2]} (${target}/)`);
      }
    }
  }
  return found;
}

describe('architecture', () => {
  it('components import only themselves and common/', () => {
    expect(sourceFiles(join(ROOT, 'gateway')).length).toBeGreaterThan(3);
    expect(crossings(ROOT)).toEqual([]);
  });

  it('the check sees a crossing when there is one', () => {
    const root = tempDir();
    mkdirSync(join(root, 'gateway'));
    writeFileSync(join(root, 'gateway', 'x.ts'), "import { startApi } from '../api/server.js';\nimport { topics } from '../common/contracts/index.js';\n");
    expect(crossings(root)).toEqual(['gateway/x.ts imports ../api/server.js (api/)']);
  });
});
