import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stopAtEnd, teardown } from './helpers/teardown.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually } from './helpers/servers.js';
import { runModbus } from './modbus-helpers.js';

describe('pilothub sim extruder: fault injection from the command line', () => {
  it('starts with a --fault, takes more on stdin, and the gateway driver sees each', async () => {
    const port = await freePort();
    const bin = fileURLToPath(new URL('../bin/pilothub.js', import.meta.url));
    const sim = spawn(process.execPath, [bin, 'sim', 'extruder', '--port', String(port), '--fault', 'exception 4 input'], { stdio: ['pipe', 'pipe', 'inherit'] });
    stopAtEnd(sim);
    let out = '';
    sim.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    // The help comes last; the lines before it may arrive in separate chunks.
    await eventually('the simulator listening', () => (out.includes('listening') && out.includes('fault injection:') ? true : undefined));
    expect(out).toContain('answering with exception 4 in input');

    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port }, pollIntervalMs: 100, timeoutMs: 300, parameters: [
      { id: 'zone1', name: 'Zone 1', table: 'input', address: 0, type: 'float32', order: 'CDAB' },
      { id: 'speed_sp', name: 'Speed setpoint', table: 'holding', address: 16, type: 'int32', order: 'CDAB', scale: 0.1 },
    ] });
    teardown(() => run.driver.stop());
    await run.driver.start();
    const first = await eventually('a poll', () => run.polls[0]);
    expect(first.find((r) => r.p === 'zone1')?.q).toBe('bad');
    expect(first.find((r) => r.p === 'speed_sp')?.v).toBe(300);

    sim.stdin!.write('clear\nspike zone1 999 100000\n');
    await eventually('the spike through the driver', () => run.polls.find((p) => p.find((r) => r.p === 'zone1')?.v === 999));
    sim.stdin!.write('slow 1000\n');
    await eventually('timeouts', () => run.polls.find((p) => p.every((r) => r.q === 'bad')));
    expect(run.logs.some((l) => /Timed out/.test(l.msg))).toBe(true);
  });
});
