#!/usr/bin/env node
// Runs the compiled CLI (dist/), building it first in a checkout whose sources are newer than the build;
// an installed release ships dist/ and runs it as it is. No TypeScript loader at run time.
import { ensureBuilt } from '../scripts/build.mjs';

try {
  await ensureBuilt();
} catch (err) {
  process.stderr.write(`pilothub: ${err.message}\n`);
  process.exit(1);
}
await import('../dist/cli/main.js');
