import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { openClient, readBlock } from '../gateway/drivers/modbus/link.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp } from '../simulators/modbus/server.js';
import { teardown } from './helpers/teardown.js';

// A full collection on demand: the flag makes V8 define gc() in contexts created from now on.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('Modbus reads keep no response alive (issue #20)', () => {
  it('lets each answered read be collected, although modbus-serial keeps the last 256 transactions of a connection', async () => {
    const sim = await serveModbusTcp({ units: new Map([[1, new RegisterBank(100)]]), port: await freePort() });
    teardown(() => sim.stop());
    const client = await openClient({ transport: 'tcp', host: '127.0.0.1', port: sim.port, unitId: 1 }, 1000);
    teardown(() => new Promise<void>((resolve) => client.close(() => resolve())));

    const answers: WeakRef<object>[] = [];
    // In a function of its own, so no frame of the test's still holds the last answer.
    const readTwenty = async () => {
      for (let i = 0; i < 20; i++) {
        const values = await readBlock(client, { unitId: 1, table: 'holding', address: 0, length: 10, parameters: [] });
        expect(values).toHaveLength(10);
        answers.push(new WeakRef(values));
      }
    };
    await readTwenty();
    // WeakRef targets stay alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    // Through the promise API each transaction's callback kept its promise and so its response: 20 of 20 here, 25 600
    // (~40 MB of old space) at 100 devices.
    expect(answers.filter((answer) => answer.deref() !== undefined)).toHaveLength(0);
  });
});
