import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
    const misspelled = problems.find((p) => p.message.includes('unknown key "adress"'));
    expect(wrongType).toMatchObject({ file: 'gw.yaml', line: 12, subject: 'device "dryer-1"' });
    expect(misspelled).toMatchObject({ file: 'gw.yaml', line: 13, subject: 'device "dryer-1"' });
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
