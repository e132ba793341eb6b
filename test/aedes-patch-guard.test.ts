import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aedesPublishHandlerFile, assertAedesPatched } from '../broker/aedes-patch.js';
import { startBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

/** An install that skipped pilothub's postinstall must not run a broker that can lose acknowledged messages. */
describe('the broker refuses an aedes without the PUBACK fix', () => {
  it('accepts the aedes this project installed (postinstall applied patches/)', async () => {
    expect(() => assertAedesPatched()).not.toThrow();
    const broker = await startBroker({ port: await freePort() });
    teardown(() => broker.stop());
  });

  it('names the file and the fix when the handler is the unpatched one', () => {
    const patched = readFileSync(aedesPublishHandlerFile(), 'utf8');
    // The same handler without the patch's comment, which is what marks it as patched.
    const upstream = patched.split('\n').filter((line) => !line.includes('pilothub patch')).join('\n');
    const file = join(tempDir(), 'publish.js');
    writeFileSync(file, upstream);
    expect(() => assertAedesPatched(file)).toThrow(/publish\.js lacks pilothub's fix .*patch-dependencies\.mjs/s);
  });
});
