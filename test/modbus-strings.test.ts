import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { EXTRUDER_MAP, EXTRUDER_MATERIAL, startExtruder } from '../simulators/extruder/index.js';
import { eventually, tempDir } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';
import { runModbus } from './modbus-helpers.js';

/** Issue #12: a string's size is said in registers or in characters, never in an ambiguous `length`. */
describe('Modbus strings: registers or lengthChars', () => {
  it('reads the extruder\'s material name by registers and by characters, and stops at lengthChars', async () => {
    const sim = await startExtruder({ port: await freePort() });
    teardown(() => sim.stop());
    // An 11-character code, a stray byte in the rest of its last register, and a value right behind:
    // reading past the text would show their bytes.
    sim.bank.writeBytes('holding', 200, Buffer.from('LOT-2026-07Z', 'latin1'), 'ABCD');
    sim.bank.holding[206] = 0x4142;
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port: sim.port }, pollIntervalMs: 100, parameters: [
      { id: 'by_registers', name: 'Material', table: 'holding', address: EXTRUDER_MAP.holding.material, type: 'string', registers: 8 },
      { id: 'by_chars', name: 'Material', table: 'holding', address: EXTRUDER_MAP.holding.material, type: 'string', lengthChars: 16 },
      { id: 'lot', name: 'Lot', table: 'holding', address: 200, type: 'string', lengthChars: 11 },
      { id: 'next', name: 'Next', table: 'holding', address: 206, type: 'uint16' },
    ] });
    teardown(() => run.driver.stop());
    await run.driver.start();
    await eventually('a poll', () => run.polls[0]);
    const got = run.latest();
    expect(got.get('by_registers')?.v).toBe(EXTRUDER_MATERIAL);
    expect(got.get('by_chars')?.v).toBe(EXTRUDER_MATERIAL);
    expect(got.get('lot')?.v).toBe('LOT-2026-07');
    expect(got.get('next')?.v).toBe(0x4142);
  });

  it('check-config refuses the old "length", says what it meant, and asks strings for their size', () => {
    const file = join(tempDir('pilothub-strings-'), 'gateway.yaml');
    writeFileSync(file, `gateway: { id: gw-1, site: hall }
mqtt: { url: "mqtt://127.0.0.1:1883" }
devices:
  - id: oven-1
    name: Oven
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1 }
    parameters:
      - { id: recipe, name: Recipe, table: holding, address: 100, type: string, length: 8 }
      - { id: batch, name: Batch, table: holding, address: 120, type: string }
      - { id: both, name: Both, table: holding, address: 140, type: string, registers: 4, lengthChars: 8 }
      - { id: level, name: Level, table: holding, address: 160, type: uint16, lengthChars: 2 }
`);
    const bin = fileURLToPath(new URL('../bin/pilothub.js', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'check-config', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n');
    const at = (line: number) => lines.filter((l) => l.startsWith(`${file}:${line}:`)).join('\n');
    expect(at(9)).toContain('devices[0].parameters[0].length');
    expect(at(9)).toContain('"length: 8" meant 8 registers (16 characters); write "registers: 8" to keep reading them, or "lengthChars: 8" if 8 was the number of characters');
    expect(at(10)).toContain('devices[0].parameters[1].registers');
    expect(at(10)).toContain('"registers: N" (2 characters each) or "lengthChars: N" (characters)');
    expect(at(11)).toContain('give "registers" or "lengthChars", not both');
    expect(at(12)).toContain('"lengthChars" applies only to type "string", not "uint16"');
    expect(result.stderr).toContain('4 problem(s) found');
  });
});
