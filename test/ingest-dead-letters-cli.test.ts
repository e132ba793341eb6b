import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserStore, usersFile } from '../broker/user-store.js';
import { DeadLetterStore, deadLettersFile } from '../ingest/dead-letters.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pilothub-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// node-opcua (loaded by other commands) prints its Node-version warning W27 to stdout: not our output.
const ours = (stdout: string) => stdout.split('\n').filter((l) => !/^\d\d:\d\d:\d\d\.\d+Z :/.test(l)).join('\n');
const cli = (args: string[], input?: string) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--data-dir', dataDir], { encoding: 'utf8', input, timeout: 60_000 });
  return { ...run, stdout: ours(run.stdout) };
};

describe('pilothub dead-letters and pilothub user', () => {
  it('lists dead letters newest first, filtered by reason and time', () => {
    const store = new DeadLetterStore(deadLettersFile(dataDir));
    store.add({ reason: 'bad_json', topic: 'pilothub/v1/a/b/data', detail: 'Unexpected end of JSON input', payload: Buffer.from('{"x":') }, new Date('2026-01-01T00:00:00Z'));
    store.add({ reason: 'schema', topic: 'pilothub/v1/a/c/data', detail: 'readings.0.q: Invalid option', payload: Buffer.from('{}') });
    store.close();
    const all = cli(['dead-letters']);
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout.split('\n').slice(0, 2).map((l) => l.split(/\s+/)[1])).toEqual(['schema', 'bad_json']);
    expect(all.stdout).toContain('2 dead letter(s)');
    const recent = cli(['dead-letters', '--since', '1h', '--json']);
    expect(recent.stdout.trim().split('\n').map((l) => JSON.parse(l) as { reason: string; payload: string })).toMatchObject([{ reason: 'schema', payload: '{}' }]);
    expect(cli(['dead-letters', '--reason', 'bad_json']).stdout).toMatch(/bad_json\s+pilothub\/v1\/a\/b\/data\s+Unexpected end of JSON input/);
    const bad = cli(['dead-letters', '--reason', 'nope']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--reason "nope" is not one of bad_json, schema');
  });

  it('adds, lists and removes MQTT accounts; the password it prints is the one stored', async () => {
    const add = cli(['user', 'add', 'gw-b', '--role', 'gateway', '--site', 'hall-b', '--equipment', 'oven-1,mixer-2']);
    expect(add.status, add.stderr).toBe(0);
    const password = /password: (\S+)/.exec(add.stdout)![1]!;
    const store = new UserStore(usersFile(dataDir));
    try {
      expect(await store.verify('gw-b', password)).toEqual({ username: 'gw-b', role: 'gateway', site: 'hall-b', gateway: 'gw-b', equipment: ['oven-1', 'mixer-2'] });
    } finally {
      store.close();
    }
    expect(cli(['user', 'add', 'ing', '--role', 'ingest', '--password-stdin'], 'a-password-from-stdin\n').status).toBe(0);
    expect(cli(['user', 'list']).stdout).toBe('gw-b\tgateway\tsite=hall-b gateway=gw-b equipment=oven-1,mixer-2\ning\tingest\n');
    const incomplete = cli(['user', 'add', 'gw-c', '--role', 'gateway']);
    expect(incomplete.status).toBe(1);
    expect(incomplete.stderr).toMatch(/--site: /);
    expect(cli(['user', 'remove', 'gw-b']).status).toBe(0);
    expect(cli(['user', 'remove', 'gw-b']).status).toBe(1);
    expect(ours(execFileSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'user', 'list', '--data-dir', dataDir], { encoding: 'utf8' }))).toBe('ing\tingest\n');
  });
});
