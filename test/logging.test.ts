import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rotateLogFile } from '../common/runtime/logger.js';
import { tempDir } from './helpers/servers.js';

const LOGGER = fileURLToPath(new URL('../common/runtime/logger.ts', import.meta.url));

/** Logs one line as a component would, in a process of its own with this environment. */
function logOnce(env: Record<string, string>) {
  const script = `const { createLogger } = await import(${JSON.stringify(LOGGER)}); createLogger('gateway', { gatewayId: 'gw-hall-a' }).warn({ equipmentId: 'dryer-1' }, 'device slow to answer');`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, PILOTHUB_LOG_LEVEL: 'info', ...env } });
}

describe('log lines (issue 15: readable on a terminal, kept in the data dir)', () => {
  it('writes readable lines to stdout and the same line as JSON to the log file, owner-only', () => {
    const file = join(tempDir('pilothub-log-'), 'logs', 'pilothub.log');
    const run = logOnce({ PILOTHUB_LOG_FORMAT: 'pretty', PILOTHUB_LOG_FILE: file });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('device slow to answer');
    expect(run.stdout).toContain('dryer-1');
    expect(() => JSON.parse(run.stdout.trim())).toThrow();
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, component: 'gateway', gatewayId: 'gw-hall-a', equipmentId: 'dryer-1', msg: 'device slow to answer' });
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    // A second process appends; nothing is lost.
    logOnce({ PILOTHUB_LOG_FILE: file });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('tightens a log file an older run left readable, and keeps one previous log when it grows too large', () => {
    const file = join(tempDir('pilothub-log-'), 'pilothub.log');
    writeFileSync(file, 'x'.repeat(100), { mode: 0o644 });
    chmodSync(file, 0o644);
    logOnce({ PILOTHUB_LOG_FILE: file });
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    rotateLogFile(file, 1000);
    expect(existsSync(`${file}.1`)).toBe(false);
    rotateLogFile(file, 50);
    expect(readFileSync(`${file}.1`, 'utf8')).toContain('device slow to answer');
    expect(existsSync(file)).toBe(false);
  });

  it('writes JSON lines by default', () => {
    const run = logOnce({});
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ component: 'gateway', msg: 'device slow to answer' });
  });

  it('refuses an unknown format, naming the variable', () => {
    const run = logOnce({ PILOTHUB_LOG_FORMAT: 'xml' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('PILOTHUB_LOG_FORMAT="xml" must be json or pretty');
  });
});
