import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/runtime/config-file.js';
import { loadGatewayConfig, parseGatewayConfig } from '../gateway/config.js';
import { tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';

const TWO_MISTAKES = `gateway:
  id: gw-1
  site: hall-a
mqtt:
  url: mqtt://127.0.0.1:1883
devices:
  - id: dryer-1
    name: Spray dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: 5020 }
    parameters:
      - { id: inlet_temp, name: Inlet, unit: °C, table: input, address: 0, type: float23 }
      - { id: outlet_temp, name: Outlet, unit: °C, table: input, adress: 2, type: float32 }
`;

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('accepts the shipped example', () => {
    const config = loadGatewayConfig(EXAMPLE_GATEWAY_CONFIG, {});
    expect(config.devices[0]?.parameters.length).toBeGreaterThanOrEqual(4);
  });

  it('reports both mistakes of a file at once, each with its line and device', () => {
    const problems = problemsOf(() => parseGatewayConfig(TWO_MISTAKES, 'gw.yaml'));
    const wrongType = problems.find((p) => p.path === 'devices[0].parameters[0].type');
    const misspelled = problems.find((p) => p.path === 'devices[0].parameters[1].adress');
    expect(wrongType).toMatchObject({ file: 'gw.yaml', line: 12, subject: 'device "dryer-1"' });
    expect(misspelled).toMatchObject({ file: 'gw.yaml', line: 13, subject: 'device "dryer-1"', message: 'unknown key; did you mean "address"?' });
    // the misspelt key also leaves "address" missing; that is reported on the same entry
    expect(problems.some((p) => p.path === 'devices[0].parameters[1].address' && p.line === 13)).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf(() => parseGatewayConfig('gateway:\n  id: gw-1\n  site: [unclosed\n', 'broken.yaml'));
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
    expect(problems[0]?.message).toMatch(/YAML syntax/);
  });

  it('reports a placeholder with no value and no default on its line', () => {
    const text = TWO_MISTAKES.replace('port: 5020', 'port: ${DRYER_PORT}');
    const problems = problemsOf(() => parseGatewayConfig(text, 'gw.yaml', {}));
    expect(problems).toContainEqual(expect.objectContaining({ line: 10, message: expect.stringContaining('DRYER_PORT') }));
    // the rest of the file is still checked in the same run, and the unset port is reported once
    expect(problems.filter((p) => p.line === 10)).toHaveLength(1);
    expect(problems.some((p) => p.path === 'devices[0].parameters[0].type' && p.line === 12)).toBe(true);
  });

  it('rejects duplicate device and parameter ids', () => {
    const text = TWO_MISTAKES
      .replace('type: float23', 'type: float32').replace('adress', 'address').replace('id: outlet_temp', 'id: inlet_temp');
    const problems = problemsOf(() => parseGatewayConfig(text, 'gw.yaml'));
    expect(problems).toEqual([expect.objectContaining({ line: 13, path: 'devices[0].parameters[1].id', message: expect.stringContaining('already used') })]);
  });

  it('pilothub check-config prints every problem and exits 1', () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, TWO_MISTAKES);
    const bin = new URL('../bin/pilothub.js', import.meta.url).pathname;
    const result = spawnSync(process.execPath, [bin, 'check-config', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:12:`);
    expect(result.stderr).toContain(`${file}:13:`);
    const ok = spawnSync(process.execPath, [bin, 'check-config', EXAMPLE_GATEWAY_CONFIG], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('OK');
  });
});

/** The shipped example with one edit, and where that edit is. */
function exampleWith(find: string, replace: string): { text: string; line: number; column: number } {
  const original = readFileSync(EXAMPLE_GATEWAY_CONFIG, 'utf8');
  const index = original.indexOf(find);
  if (index < 0) throw new Error(`"${find}" is not in the example`);
  const before = original.slice(0, index).split('\n');
  return { text: original.replace(find, replace), line: before.length, column: before.at(-1)!.length + 1 };
}

describe('config mistakes said plainly (#12)', () => {
  const bin = new URL('../bin/pilothub.js', import.meta.url).pathname;

  it('stops at the first YAML syntax error and points at the unquoted bracket', () => {
    // Unquoted, the `[` opens a flow sequence that swallows the rest of the file: hundreds of parser errors.
    const at = exampleWith('name: Pilot spray dryer SD-1', 'name: [Pilot spray dryer SD-1');
    const problems = problemsOf(() => parseGatewayConfig(at.text, 'gw.yaml'));
    expect(problems).toEqual([expect.objectContaining({
      file: 'gw.yaml', line: at.line, column: at.column + 'name: '.length,
      message: 'YAML syntax: "[" is not closed by "]"; if "[" is part of the value, put the value in quotes',
    })]);
  });

  it('says so when an inline mapping holds a stray bracket', () => {
    const at = exampleWith('name: Feed rate,', 'name: Feed rate [,');
    const problems = problemsOf(() => parseGatewayConfig(at.text, 'gw.yaml'));
    expect(problems).toEqual([expect.objectContaining({
      line: at.line, column: at.column + 'name: Feed rate '.length, message: expect.stringMatching(/^YAML syntax: unexpected "\["/),
    })]);
  });

  it('calls a missing key required and suggests the known key an unknown one is a typo of', () => {
    const text = exampleWith('pollIntervalMs: 1000\n    parameters:', 'pollIntervallMs: 1000\n    parameters:').text
      .replace('      host: ${PILOTHUB_SIM_DRYER_HOST:-127.0.0.1}\n', '');
    const problems = problemsOf(() => parseGatewayConfig(text, 'gw.yaml'));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'devices[0].connection.host: required',
      'devices[0].pollIntervallMs: unknown key; did you mean "pollIntervalMs"?',
    ]);
    const missingProtocol = problemsOf(() => parseGatewayConfig(text.replace('    protocol: modbus\n', ''), 'gw.yaml'));
    expect(missingProtocol).toContainEqual(expect.objectContaining({ path: 'devices[0].protocol', message: 'required (one of "modbus", "opcua")' }));
    const farOff = problemsOf(() => parseGatewayConfig(text.replace('pollIntervallMs', 'frequency'), 'gw.yaml'));
    expect(farOff).toContainEqual(expect.objectContaining({ path: 'devices[0].frequency', message: 'unknown key' }));
  });

  it('pilothub check-config says the same', () => {
    const dir = tempDir();
    const syntax = exampleWith('name: Pilot spray dryer SD-1', 'name: [Pilot spray dryer SD-1');
    const typo = exampleWith('pollIntervalMs: 1000\n    parameters:', 'pollIntervallMs: 1000\n    parameters:');
    writeFileSync(join(dir, 'syntax.yaml'), syntax.text);
    writeFileSync(join(dir, 'typo.yaml'), typo.text.replace('      host: ${PILOTHUB_SIM_DRYER_HOST:-127.0.0.1}\n', ''));
    const run = (name: string) => spawnSync(process.execPath, [bin, 'check-config', join(dir, name)], { encoding: 'utf8' });
    const first = run('syntax.yaml');
    expect(first.status).toBe(1);
    expect(first.stderr).toBe(`${join(dir, 'syntax.yaml')}:${syntax.line}:${syntax.column + 'name: '.length}: YAML syntax: "[" is not closed by "]"; if "[" is part of the value, put the value in quotes\n1 problem(s) found\n`);
    const second = run('typo.yaml');
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(' devices[0].connection.host (device "dryer-1"): required\n');
    expect(second.stderr).toContain(`${join(dir, 'typo.yaml')}:${typo.line - 1}:5 devices[0].pollIntervallMs (device "dryer-1"): unknown key; did you mean "pollIntervalMs"?\n`);
  });
});
