#!/usr/bin/env node
// postinstall: apply patches/ (patch-package) to the dependencies wherever npm put them. patch-package patches the
// node_modules of the folder it runs in; installed as a dependency (`npm install pilothub-VERSION.tgz` in
// /opt/pilothub) our dependencies are hoisted next to us, so it must run in the folder that holds them, with the
// patch directory given relative to it. Patches fix data loss (patches/README.md): an install without them must fail.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const patchDir = join(packageRoot, 'patches');
const require = createRequire(join(packageRoot, 'package.json'));

/** The folder whose node_modules holds `name` as Node resolves it from here. */
function installRootOf(name) {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(join('node_modules', name))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the installed package "${name}"`);
    dir = up;
  }
  return dirname(dirname(dir));
}

// patch-package's file names: name+version.patch, @scope+name+version.patch
const patched = readdirSync(patchDir).filter((f) => f.endsWith('.patch')).map((f) => f.slice(0, f.lastIndexOf('+')).replace(/^(@[^+]+)\+/, '$1/'));
const roots = new Set(patched.map(installRootOf));
const patchPackage = require.resolve('patch-package/dist/index.js');
for (const root of roots) {
  const result = spawnSync(process.execPath, [patchPackage, '--error-on-fail', '--patch-dir', relative(root, patchDir)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`pilothub: applying ${patchDir} to ${join(root, 'node_modules')} failed; the broker refuses to start without these fixes\n`);
    process.exit(result.status ?? 1);
  }
}
