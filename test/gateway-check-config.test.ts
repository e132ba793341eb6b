import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../gateway/config.js';
import { GATEWAY_SCHEMA_FILE, gatewayJsonSchema } from '../gateway/json-schema.js';

const BAD = fileURLToPath(new URL('./fixtures/bad-gateway.yaml', import.meta.url));

describe('pilothub check-config on a sample with one mistake per rule', () => {
  it('reports every mistake on its line, nothing else, and exits 1', () => {
    const bin = fileURLToPath(new URL('../bin/pilothub.js', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'check-config', BAD], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    const reported = result.stderr.split('\n').filter((l) => l.startsWith(`${BAD}:`));
    const expected = readFileSync(BAD, 'utf8').split('\n')
      .map((text, i) => ({ line: i + 1, what: /# expect: (.+)$/.exec(text)?.[1]?.trim() }))
      .filter((e): e is { line: number; what: string } => e.what !== undefined);
    expect(expected.length).toBeGreaterThanOrEqual(25);
    for (const { line, what } of expected) {
      expect.soft(reported.some((r) => r.startsWith(`${BAD}:${line}:`) && r.includes(what)), `line ${line}: ${what}`).toBe(true);
    }
    const linesWithProblems = new Set(reported.map((r) => Number(r.slice(BAD.length + 1).split(':')[0])));
    expect([...linesWithProblems].sort((a, b) => a - b)).toEqual(expected.map((e) => e.line));
    expect(result.stderr).toContain(`${reported.length} problem(s) found`);
  });
});

describe('config/gateway.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing a config schema)', () => {
    expect(readFileSync(GATEWAY_SCHEMA_FILE, 'utf8')).toBe(gatewayJsonSchema());
  });
});

describe('shipped configurations', () => {
  it('the Modbus sample documenting every option is valid', () => {
    const sample = fileURLToPath(new URL('../gateway/drivers/modbus/sample.yaml', import.meta.url));
    expect(loadGatewayConfig(sample, {}).devices.map((d) => d.id)).toEqual(['extruder-1', 'oven-1', 'dryer-2']);
  });
});
