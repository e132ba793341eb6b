import { hostname } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { jacketGridNodeId, jacketZonesNodeId, jacketZoneTemperatures, reactorNodeId, type ReactorSim } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';

const PRESSURE = reactorNodeId('Measurements', 'Pressure');
const MISSING = 'ns=1;s=R101.NoSuchNode';
const ELSEWHERE = 'nsu=urn:nowhere:nothing;s=R101.Measurements.Pressure';

describe('opcua node ids: nsu= namespace URIs, unknown nodes and array elements', () => {
  let sim: ReactorSim;
  const emitted: Reading[] = [];
  const parts = new Map<string, string | undefined>();
  const devices: (string | undefined)[] = [];
  const of = (id: string, since = 0) => emitted.slice(since).filter((r) => r.p === id && !r.r);
  const good = (id: string, since = 0) => of(id, since).filter((r) => r.q === undefined);

  beforeAll(async () => {
    sim = await reactor();
    const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
      id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl: sim.endpointUrl, publishingIntervalMs: 300, samplingIntervalMs: 100,
      parameters: [
        { id: 'pressure_nsu', name: 'P by URI', nodeId: `nsu=${sim.namespaceUri};s=R101.Measurements.Pressure` },
        { id: 'pressure', name: 'P', nodeId: PRESSURE },
        { id: 'elsewhere', name: 'Unknown namespace', nodeId: ELSEWHERE },
        { id: 'missing', name: 'Unknown node', nodeId: MISSING },
        { id: 'zone_2', name: 'Jacket zone 2', nodeId: jacketZonesNodeId, indexRange: '2' },
        { id: 'zone_3_polled', name: 'Jacket zone 3', nodeId: jacketZonesNodeId, indexRange: '3', poll: true, pollIntervalMs: 300 },
        { id: 'zones', name: 'All zones', nodeId: jacketZonesNodeId },
        { id: 'grid_1_0', name: 'Grid upper front', nodeId: jacketGridNodeId, indexRange: '1,0' },
        { id: 'grid_1', name: 'Grid with one index', nodeId: jacketGridNodeId, indexRange: '1' },
        { id: 'missing_polled', name: 'Unknown node, polled with zone 3', nodeId: 'ns=1;s=R101.NoSuchPolledNode', poll: true, pollIntervalMs: 300 },
        { id: 'pressure_element', name: 'P[0]', nodeId: PRESSURE, indexRange: '0' },
      ],
    }), {
      logger: createLogger('opcua-nodes-test'),
      emit: (readings) => emitted.push(...readings),
      dataDir: tempDir('pilothub-gw-'),
      health: { device: (problem) => devices.push(problem), part: (part, problem) => parts.set(part, problem) },
    });
    await driver.start();
    teardown(() => driver.stop());
    await eventually('good data by namespace URI', () => good('pressure_nsu').at(0));
  });

  it('resolves nsu= through the server\'s NamespaceArray (a URI holding the host name), at connect and after a restart', async () => {
    expect(sim.namespaceUri).toContain(hostname());
    expect(typeof good('pressure_nsu').at(-1)!.v).toBe('number');
    await sim.disconnect();
    await sim.reconnect();
    const since = emitted.length;
    await eventually('good data by URI after the restart', () => good('pressure_nsu', since).at(0), 20_000);
  });

  it('makes an unknown node or namespace bad with a part fault, while the other nodes stay good', async () => {
    await eventually('bad readings of both', () => (of('missing').length && of('elsewhere').length ? true : undefined));
    for (const id of ['missing', 'elsewhere', 'missing_polled']) expect(of(id).every((r) => r.q === 'bad' && r.v === null)).toBe(true);
    expect(of('missing_polled').length).toBeGreaterThan(0);
    expect(parts.get(`node ${MISSING}`)).toMatch(/BadNodeIdUnknown/);
    expect(parts.get(`node ${ELSEWHERE}`)).toMatch(/namespace "urn:nowhere:nothing" is not in the server's NamespaceArray/);
    expect(parts.has(`node ${PRESSURE}`)).toBe(false);
    expect(good('pressure').length).toBeGreaterThan(0);
    // The device as a whole answers: reported so as soon as data flowed, despite the bad nodes.
    expect(devices[0]).toBeUndefined();
    expect(devices.length).toBeGreaterThan(0);
  });

  it('publishes array elements picked with indexRange, subscribed and polled', async () => {
    // The simulated state moves every 100 ms: every state the server could have sampled is recorded, so each published
    // element must be exactly that element of one of them.
    const states: number[][] = [];
    const sampler = setInterval(() => states.push(jacketZoneTemperatures(sim.state())), 20);
    const from = Date.now() + 200;
    const sampled = (id: string) => good(id).filter((r) => r.t >= from);
    await eventually('three readings of each element', () => (['zone_2', 'zone_3_polled', 'grid_1_0'].every((id) => sampled(id).length >= 3) ? true : undefined));
    clearInterval(sampler);
    const published = (id: string) => sampled(id).map((r) => r.v as number);
    const element = (i: number) => states.map((z) => z[i]!);
    for (const v of published('zone_2')) expect(element(2)).toContain(v);
    for (const v of published('zone_3_polled')) expect(element(3)).toContain(v);
    // Row 1, column 0 of the 2×2 grid is zone 2.
    for (const v of published('grid_1_0')) expect(element(2)).toContain(v);
    expect(published('zone_2').some((v) => !element(3).includes(v))).toBe(true);
  });

  it('refuses an array node without indexRange and a scalar with one, naming the node and the fix', async () => {
    await eventually('bad readings of both', () => (of('zones').length && of('pressure_element').length ? true : undefined));
    expect(of('zones').every((r) => r.q === 'bad')).toBe(true);
    expect(parts.get(`node ${jacketZonesNodeId}`)).toMatch(/the node holds an array \(Double\[4\]\); set indexRange .*indexRange: "0"/);
    expect(of('pressure_element').every((r) => r.q === 'bad')).toBe(true);
    expect(parts.get(`node ${PRESSURE} index 0`)).toMatch(/the node holds a scalar; remove indexRange "0"/);
    expect(parts.has(`node ${PRESSURE}`)).toBe(false);
    expect(parts.get(`node ${jacketGridNodeId} index 1`)).toMatch(/indexRange "1" does not fit the node's 2 dimension\(s\) \(Double\[2,2\]\)/);
  });
});

describe('opcua nsu= node ids when a restarted server moves the namespace', () => {
  it('resolves the URI again at the reconnect and monitors the nodes at their new index', async () => {
    const uri = `urn:${hostname()}:pilothub:reactor-r101`;
    const sim = await reactor({ namespaceUri: uri });
    const emitted: Reading[] = [];
    const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
      id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl: sim.endpointUrl, publishingIntervalMs: 300, samplingIntervalMs: 100,
      parameters: [{ id: 'temp', name: 'T', nodeId: `nsu=${uri};s=R101.Measurements.ReactorTemperature` }],
    }), { logger: createLogger('opcua-nodes-test'), emit: (readings) => emitted.push(...readings), dataDir: tempDir('pilothub-gw-') });
    await driver.start();
    teardown(() => driver.stop());
    const good = (since: number) => emitted.slice(since).filter((r) => r.q === undefined && !r.r);
    await eventually('good data by URI', () => good(0).at(0));

    await sim.disconnect();
    // The server comes back with two namespaces before the reactor's: its index moves from 2 to 4.
    await sim.reconnect({ namespacesBefore: ['urn:pilothub:test:first', 'urn:pilothub:test:second'] });
    const since = emitted.length;
    await eventually('good data by URI at the new index', () => good(since).at(2), 20_000);
  });
});
