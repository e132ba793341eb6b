import { execFileSync } from 'node:child_process';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { topics, type Birth } from '../common/contracts/index.js';
import { freePort } from '../common/runtime/ports.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { startSprayDryer } from '../simulators/spray-dryer/index.js';
import { api, broker, eventually, gateway, influxd, ingest } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';

interface Summary { id: string; online: boolean; status: string; lastSeen: number | null; offline: { reason: string | null; code: string | null; since: number | null } | null }
interface Health { status: string; dependencies: { equipment: { status: string; detail?: string } }; offlineEquipment: { id: string; reason: string | null }[] }

const yaml = (mqttUrl: string, dryerPort: number, deadPort: number) => `gateway: { id: gw-state, site: hall-1 }
mqtt: { url: "${mqttUrl}" }
devices:
  - id: dryer-1
    name: Spray dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${dryerPort} }
    pollIntervalMs: 200
    timeoutMs: 300
    parameters:
      - { id: inlet_temp, name: Inlet temperature, unit: °C, table: input, address: 0, type: float32 }
  - id: mill-9
    name: Mill that is not there
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${deadPort} }
    pollIntervalMs: 200
    timeoutMs: 300
    parameters:
      - { id: speed, name: Speed, unit: rpm, table: input, address: 0, type: uint16 }
`;

/** influxd, broker, API, a spray dryer and a gateway serving it and a device nothing answers for (mill-9). */
async function stack(options: { ingest?: boolean; trackerTickMs?: number } = {}) {
  const influx = await influxd();
  const mqttBroker = await broker();
  if (options.ingest) await ingest({ mqttUrl: mqttBroker.url, influxUrl: influx.url, clientId: 'device-state-ingest' });
  const hub = await api({ mqttUrl: mqttBroker.url, influxUrl: influx.url, trackerTickMs: options.trackerTickMs });
  const dryerPort = await freePort();
  let dryer = await startSprayDryer({ port: dryerPort });
  teardown(() => dryer.stop());
  const text = yaml(mqttBroker.url, dryerPort, await freePort());
  const gw = await gateway(text, {});
  const find = async (id: string) => ((await (await hub.fetch('/api/v1/equipment')).json()) as { items: Summary[] }).items.find((e) => e.id === id);
  return {
    hub, text, gw, find,
    stopDryer: () => dryer.stop(),
    restartDryer: async () => { dryer = await startSprayDryer({ port: dryerPort }); },
  };
}

/** Issue 12: what the board, the status stream and /health show must be what the device is doing. */
describe('device state: a device that stops answering is shown offline, with a reason, within seconds', () => {
  it('shows a never-reachable device and a device that goes away as offline, and one that comes back as online', async () => {
    const { hub, find, stopDryer, restartDryer } = await stack();
    const health = async () => (await (await fetch(`${hub.url}/health`)).json()) as Health;

    const mill = await eventually('mill-9 offline with a reason', async () => {
      const e = await find('mill-9');
      return e?.status === 'offline' && e.offline?.reason ? e : undefined;
    }, 5_000);
    expect(mill.online).toBe(false);
    expect(mill.lastSeen).toBeNull();
    // The dryer's first good reading may still be on its way when the refused connection is already known.
    await eventually('dryer-1 online', async () => ((await find('dryer-1'))?.online ? true : undefined), 5_000);
    // /health names offline equipment once the retained states have had time to arrive (2 s after the API connects).
    const degraded = await eventually('health degraded naming the offline equipment', async () => { const h = await health(); return h.status === 'degraded' && h.offlineEquipment.length ? h : undefined; }, 5_000);
    expect(degraded.offlineEquipment.map((e) => e.id)).toEqual(['mill-9']);
    expect(degraded.dependencies.equipment.detail).toContain('mill-9');

    // The dryer's instrument goes away: offline within 5 s, and lastSeen stops at the last good reading.
    await stopDryer();
    const stoppedAt = Date.now();
    const gone = await eventually('dryer-1 offline', async () => {
      const e = await find('dryer-1');
      return e?.status === 'offline' ? e : undefined;
    }, 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(gone.online).toBe(false);
    expect(gone.offline?.reason).toBeTruthy();
    // A cause the dashboard words in the reader's language, beside the evidence in English.
    expect(gone.offline?.code).toBe('device_unreachable');
    expect(gone.offline?.since).toBeGreaterThanOrEqual(gone.lastSeen!);
    expect(gone.lastSeen).toBeLessThanOrEqual(stoppedAt + 250);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await find('dryer-1'))?.lastSeen).toBe(gone.lastSeen);
    expect((await health()).offlineEquipment.map((e) => e.id).sort()).toEqual(['dryer-1', 'mill-9']);

    await restartDryer();
    await eventually('dryer-1 back online', async () => ((await find('dryer-1'))?.online ? true : undefined), 10_000);
    expect((await find('dryer-1'))?.offline).toBeNull();
  });

  it('pushes offline with its reason on the status stream, and a removed device stops being announced', async () => {
    const { hub, text, gw } = await stack();

    const controller = new AbortController();
    teardown(() => controller.abort());
    const res = await hub.fetch('/api/v1/status/stream', { signal: controller.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    const event = await eventually('an offline status event for mill-9', async () => {
      const { value } = await reader.read();
      seen += value ?? '';
      const match = seen.split('\n\n').map((block) => /^event: status\ndata: (.*)$/m.exec(block)?.[1]).filter((d): d is string => d !== undefined)
        .map((d) => JSON.parse(d) as { equipmentId: string; status: string; offline?: { reason: string } })
        .find((s) => s.equipmentId === 'mill-9' && s.status === 'offline' && s.offline?.reason);
      return match;
    }, 10_000);
    expect(event.offline?.reason).toBeTruthy();

    // Without mill-9 in the config its retained birth and state are cleared, so /health no longer counts it.
    await gw.applyDevices(parseGatewayConfig(text.replace(/ {2}- id: mill-9[\s\S]*$/, ''), 'reload.yaml', {}));
    await eventually('health ok without mill-9', async () => {
      const h = (await (await fetch(`${hub.url}/health`)).json()) as Health;
      return h.status === 'ok' ? h : undefined;
    }, 10_000);
  });

  it('keeps an outage during a run on the run and in its report, and says how billing treats it', async () => {
    const { hub, find, stopDryer, restartDryer } = await stack({ ingest: true, trackerTickMs: 100 });
    await eventually('dryer-1 online', async () => ((await find('dryer-1'))?.online ? true : undefined));
    const json = { 'content-type': 'application/json' };
    const patched = await hub.fetch('/api/v1/equipment/dryer-1', { method: 'PATCH', headers: json, body: JSON.stringify({ bookable: true, autoApproveAll: true, leadTimeMin: 0, minBookingMin: 1, multiDay: true }) });
    expect(patched.status).toBe(200);
    const t0 = Date.now();
    const booked = await hub.fetch('/api/v1/bookings', { method: 'POST', headers: json, body: JSON.stringify({ equipmentId: 'dryer-1', startsAt: new Date(t0 + 1000).toISOString(), endsAt: new Date(t0 + 31 * 60_000).toISOString(), purpose: 'trial' }) });
    expect(booked.status).toBe(201);
    const booking = await booked.json() as { id: string };
    const opened = await hub.fetch('/api/v1/runs', { method: 'POST', headers: json, body: JSON.stringify({ equipmentId: 'dryer-1', bookingId: booking.id, startedAt: new Date(t0 + 1000).toISOString(), note: 'trial' }) });
    expect(opened.status).toBe(201);
    const run = await opened.json() as { id: string; startedAt: number };
    type Gap = { from: number; to: number | null; reason: string };
    const gapsOf = async () => ((await (await hub.fetch(`/api/v1/runs/${run.id}`)).json()) as { gaps: Gap[] }).gaps;
    expect(await gapsOf()).toEqual([]);

    await stopDryer();
    const stoppedAt = Date.now();
    const lasting = await eventually('an open gap', async () => ((await gapsOf()).find((g) => g.to === null)), 5_000);
    expect(lasting.from).toBeGreaterThanOrEqual(run.startedAt);
    expect(lasting.from).toBeLessThanOrEqual(stoppedAt + 3000);
    expect(lasting.reason).toBeTruthy();

    await restartDryer();
    const [closed] = await eventually('the gap closed', async () => {
      const gaps = await gapsOf();
      return gaps.length === 1 && gaps[0]!.to !== null ? gaps : undefined;
    }, 30_000);
    expect(closed!.to! - closed!.from).toBeGreaterThan(0);
    expect(closed!.reason).toBe(lasting.reason);

    const ended = await hub.fetch(`/api/v1/runs/${run.id}/close`, { method: 'POST', headers: json, body: JSON.stringify({}) });
    expect(ended.status).toBe(200);
    expect((await ended.json() as { gaps: Gap[] }).gaps).toEqual([closed]);

    // The report prints the gap with its reason.
    const issued = await hub.fetch('/api/v1/reports', { method: 'POST', headers: json, body: JSON.stringify({ runId: run.id, method: 'Outage trial' }) });
    expect(issued.status).toBe(201);
    const report = await issued.json() as { id: string };
    const content = await (await hub.fetch(`/api/v1/reports/${report.id}`)).json() as { dataGaps: Gap[] };
    expect(content.dataGaps).toEqual([closed]);
    const pdf = Buffer.from(await (await hub.fetch(`/api/v1/reports/${report.id}/pdf`)).arrayBuffer());
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8').replace(/\s+/g, ' ');
    expect(text).toContain('Data gaps');
    expect(text).toContain(closed!.reason.slice(0, 20));

    // Billing states how it treated the outage: counted as used time, and how much of it there was.
    const month = new Date(t0 + 1000).toISOString().slice(0, 7);
    const usage = await (await hub.fetch(`/api/v1/usage?month=${month}`)).json() as { gapPolicy: string; lines: { equipmentId: string; gapMinutes: number; usedMinutes: number }[] };
    expect(usage.gapPolicy).toContain('used time');
    const line = usage.lines.find((l) => l.equipmentId === 'dryer-1')!;
    expect(line.gapMinutes).toBeCloseTo((closed!.to! - closed!.from) / 60_000, 2);
    expect(line.usedMinutes).toBeGreaterThanOrEqual(line.gapMinutes);
  });

  it('gives subscriptions their repeat interval before calling them stale, and drops births their gateway no longer lists', async () => {
    const influx = await influxd();
    const mqttBroker = await broker();
    const hub = await api({ mqttUrl: mqttBroker.url, influxUrl: influx.url });
    const client = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => client.endAsync());
    const birth = (id: string): Birth => ({
      gateway: 'gw-sub', equipment: { id, name: id, kind: '', protocol: 'opcua' }, t: Date.now(),
      parameters: [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number', acquisition: { mode: 'subscription', intervalMs: 1000, repeatMs: 60_000 } }],
    });
    const retained = { qos: 1, retain: true } as const;
    // A birth left by a device removed while its gateway could not clear it (or by an older release).
    await client.publishAsync(topics.birth('hall-q', 'ghost-1'), JSON.stringify(birth('ghost-1')), retained);
    await client.publishAsync(topics.status('hall-q', 'gw-sub'), JSON.stringify({ gateway: 'gw-sub', state: 'online', equipment: ['reactor-9'] }), retained);
    await client.publishAsync(topics.birth('hall-q', 'reactor-9'), JSON.stringify(birth('reactor-9')), retained);
    await client.publishAsync(topics.state('hall-q', 'reactor-9'), JSON.stringify({ gateway: 'gw-sub', state: 'reachable', since: Date.now(), faults: [], t: Date.now() }), retained);
    // Unchanged for 40 s: longer than the 30 s default, well inside 2.5 x the 60 s repeat interval.
    await client.publishAsync(topics.data('hall-q', 'reactor-9'), JSON.stringify({ gateway: 'gw-sub', seq: 1, readings: [{ p: 'temp', v: 80.5, t: Date.now() - 40_000 }] }), { qos: 1 });
    const find = async (id: string) => ((await (await hub.fetch('/api/v1/equipment')).json()) as { items: Summary[] }).items.find((e) => e.id === id);
    const reactor = await eventually('reactor-9 known with its reading', async () => ((await find('reactor-9'))?.lastSeen ? find('reactor-9') : undefined));
    expect(reactor?.online).toBe(true);
    await new Promise((r) => setTimeout(r, 2500));
    const health = (await (await fetch(`${hub.url}/health`)).json()) as Health;
    expect(health.offlineEquipment.map((e) => e.id)).not.toContain('ghost-1');
    expect(health.offlineEquipment.map((e) => e.id)).not.toContain('reactor-9');
  });
});
