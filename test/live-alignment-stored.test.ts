import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { storedAlignment } from '../api/alarms/index.js';
import { LiveAlignments } from '../api/alarms/live-envelope.js';
import type { LiveEnvelope, OpenRunInfo } from '../api/alarms/model.js';
import { EquipmentRegistry } from '../api/live/equipment-registry.js';
import { topics, type Birth } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import { createLogger } from '../common/runtime/logger.js';
import { broker, eventually, influxd } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const SITE = 'hall-l';
const EQ = 'reactor-l';
const ENVELOPE: LiveEnvelope = { id: 'env_l', bucketMs: 60_000, alignment: { align: 'phase', phase: 'heating', phaseParameter: 'batch_state' }, parameters: {} };

/**
 * An API process that meets an open run after its phase began (it restarted, or is another process) takes the
 * envelope's alignment point from the stored readings, not from the first live reading it happens to receive.
 */
describe('live alignment of an open run found in the stored readings', () => {
  it('aligns on the phase as stored before this process saw the run; without the stored lookup it would wait for a live reading', async () => {
    const influx = await influxd();
    await influx.client.ensureDatabase();
    const mqttBroker = await broker();
    const birth: Birth = { gateway: 'gw-l', equipment: { id: EQ, name: 'Reactor L', kind: 'reactor', protocol: 'opcua' }, t: Date.now(),
      parameters: [{ id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' }, { id: 'temp', name: 'Temp', unit: '°C', datatype: 'number' }] };
    const publisher = await mqtt.connectAsync(mqttBroker.url);
    teardown(() => publisher.endAsync());
    await publisher.publishAsync(topics.birth(SITE, EQ), JSON.stringify(birth), { qos: 1, retain: true });
    const registry = new EquipmentRegistry(createLogger('test'));
    await registry.connect(mqttBroker.url);
    teardown(() => registry.close());
    await eventually('birth received', () => registry.get(EQ));

    const t0 = Date.now() - 10 * 60_000;
    const run: OpenRunInfo = { id: 'run_l', equipmentId: EQ, orgId: null, startedAt: t0, recipe: 'r' };
    await writeReadings(influx.client, { site: SITE, equipment: EQ, gateway: 'gw-l' }, [
      { p: 'batch_state', v: 'heating', t: t0 - 60_000 }, // before the run: not its phase
      { p: 'batch_state', v: 'charging', t: t0 + 1000 },
      { p: 'batch_state', v: 'heating', t: t0 + 90_000 },
      { p: 'temp', v: 80, t: t0 + 95_000 },
    ]);

    const withStore = new LiveAlignments(registry, storedAlignment(influx.client, registry, () => Date.now()));
    expect(withStore.alignedAt(run, ENVELOPE)).toBeNull(); // asked, not answered yet: nothing compared meanwhile
    expect(await eventually('the stored phase', () => withStore.alignedAt(run, ENVELOPE) ?? undefined)).toBe(t0 + 90_000);

    const liveOnly = new LiveAlignments(registry);
    expect(liveOnly.alignedAt(run, ENVELOPE)).toBeNull();

    // Not stored yet for another run: the live readings find it.
    const later: OpenRunInfo = { ...run, id: 'run_m', startedAt: Date.now() - 1000 };
    expect(withStore.alignedAt(later, ENVELOPE)).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    const heatingAt = Date.now();
    await publisher.publishAsync(topics.data(SITE, EQ), JSON.stringify({ gateway: 'gw-l', seq: 1, readings: [{ p: 'batch_state', v: 'heating', t: heatingAt }] }), { qos: 1 });
    expect(await eventually('the live phase', () => withStore.alignedAt(later, ENVELOPE) ?? undefined)).toBe(heatingAt);
  });
});
