import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Written into aedes by patches/aedes+1.2.0.patch: QoS 1 PUBACK only after the message is routed and stored. */
const MARK = 'pilothub patch: acknowledge only once the message is routed';

/** aedes/lib/handlers/publish.js as this process loads it (aedes' exports hide its package.json). */
export function aedesPublishHandlerFile(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('aedes'));
  while (!existsSync(join(dir, 'lib', 'handlers', 'publish.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find aedes/lib/handlers/publish.js');
    dir = up;
  }
  return join(dir, 'lib', 'handlers', 'publish.js');
}

/**
 * Refuses an aedes without the PUBACK fix: an install that skipped scripts (`--ignore-scripts`, or npm not allowed to
 * run pilothub's postinstall) would otherwise run a broker that can lose acknowledged messages, and say nothing.
 */
export function assertAedesPatched(file = aedesPublishHandlerFile()): void {
  if (readFileSync(file, 'utf8').includes(MARK)) return;
  throw new Error(
    `${file} lacks pilothub's fix (patches/aedes+1.2.0.patch): this aedes acknowledges QoS 1 messages before storing them and can lose them. ` +
      'Apply it with `node scripts/patch-dependencies.mjs` in the pilothub package folder (npm runs it at install unless scripts are off), then start again.',
  );
}
