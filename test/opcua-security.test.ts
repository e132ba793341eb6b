import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { pkiFolder } from '../gateway/drivers/opcua/pki.js';
import { reactorNodeId, type ReactorSim } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';

/** The reactor offers only secured endpoints and no anonymous access: like a plant server should. */
let sim: ReactorSim;
const gatewayDataDir = tempDir('pilothub-gw-pki-');
const pki = pkiFolder(gatewayDataDir);

function runDriver(overrides: Record<string, unknown>) {
  const emitted: Reading[] = [];
  const logLines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(JSON.parse(String(chunk)) as { level: number; msg: string }); done(); } });
  const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
    id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl: sim.endpointUrl,
    securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256',
    auth: { type: 'username', username: 'operator', password: 'secret-1' },
    publishingIntervalMs: 300, samplingIntervalMs: 100, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
    parameters: [{ id: 'reactor_temp', name: 'Reactor temperature', nodeId: reactorNodeId('Measurements', 'ReactorTemperature') }],
    ...overrides,
  }), { logger: pino({ level: 'info' }, sink), emit: (r) => emitted.push(...r), dataDir: gatewayDataDir });
  teardown(() => driver.stop());
  return { driver, emitted, logLines, good: () => emitted.some((r) => r.q === undefined && typeof r.v === 'number') ? true : undefined };
}

describe('opcua security: certificates, modes, policies and users', () => {
  beforeAll(async () => {
    sim = await reactor({ securityModes: ['Sign', 'SignAndEncrypt'], allowAnonymous: false, users: [{ username: 'operator', password: 'secret-1' }] });
  });

  it('refuses an untrusted server certificate with an error naming the file to move, and connects by itself once it is moved', async () => {
    const run = runDriver({});
    await run.driver.start();
    const line = await eventually('the untrusted-certificate error', () => run.logLines.find((l) => l.level === 50 && /not trusted/.test(l.msg)));
    const rejected = readdirSync(join(pki, 'rejected'));
    expect(rejected).toHaveLength(1);
    const file = rejected[0]!;
    expect(line.msg).toContain(`move ${join(pki, 'rejected', file)} to ${join(pki, 'trusted', 'certs', file)}`);
    await eventually('bad readings while untrusted', () => run.emitted.find((r) => r.q === 'bad' && r.v === null));
    expect(run.good()).toBeUndefined();

    mkdirSync(join(pki, 'trusted', 'certs'), { recursive: true });
    renameSync(join(pki, 'rejected', file), join(pki, 'trusted', 'certs', file));
    await eventually('good readings after trusting the server', run.good);
    // The gateway's own certificate and key live under the data dir, not in the home directory.
    expect(existsSync(join(pki, 'own', 'private', 'private_key.pem'))).toBe(true);
  });

  it.each([
    ['Sign', 'Basic256Sha256'],
    ['Sign', 'Aes128_Sha256_RsaOaep'],
    ['SignAndEncrypt', 'Aes128_Sha256_RsaOaep'],
    ['SignAndEncrypt', 'Aes256_Sha256_RsaPss'],
  ])('reads data over %s with %s and a user name', async (securityMode, securityPolicy) => {
    const run = runDriver({ securityMode, securityPolicy });
    await run.driver.start();
    await eventually('good readings', run.good);
    expect(sim.sessions()).toContainEqual({ securityMode, securityPolicy, user: 'operator' });
    await run.driver.stop();
  });

  it('reports a refused password and publishes bad readings', async () => {
    const run = runDriver({ auth: { type: 'username', username: 'operator', password: 'wrong' } });
    await run.driver.start();
    const line = await eventually('the refused-user warning', () => run.logLines.find((l) => /refused user "operator"/.test(l.msg)));
    expect(line.msg).toContain('check auth');
    await eventually('bad readings', () => run.emitted.find((r) => r.q === 'bad'));
    expect(run.good()).toBeUndefined();
  });

  it('reports a server without the requested endpoint (None is not offered here)', async () => {
    const run = runDriver({ securityMode: 'None', auth: { type: 'anonymous' } });
    await run.driver.start();
    await eventually('bad readings', () => run.emitted.find((r) => r.q === 'bad'));
    await eventually('a warning', () => run.logLines.find((l) => l.level === 40 && /unavailable/.test(l.msg)));
    expect(run.good()).toBeUndefined();
  });
});
