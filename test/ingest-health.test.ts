import { describe, expect, it } from 'vitest';
import { startApi } from '../api/server.js';
import { topics } from '../common/contracts/index.js';
import { freePort } from '../common/runtime/ports.js';
import mqtt from 'mqtt';
import { broker, eventually, influxd, ingest } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

describe('API /health reflects the in-process ingest', () => {
  it('says degraded (200) with the ingest detail while ingest cannot write, ok again once it can', async () => {
    const apiInflux = await influxd();
    const ingestInflux = await influxd();
    const mqttBroker = await broker();
    const running = await ingest({ mqttUrl: mqttBroker.url, influxUrl: ingestInflux.url, clientId: 'ingest-health' });
    const api = await startApi({ port: await freePort(), mqttUrl: mqttBroker.url, influxUrl: apiInflux.url, ingestHealth: () => running.health() });
    teardown(() => api.stop());
    const health = async () => {
      const res = await fetch(`${api.url}/health`);
      return { code: res.status, body: (await res.json()) as { status: string; dependencies: { ingest?: { status: string; detail?: string } } } };
    };
    expect(await eventually('API up', async () => ((await health()).body.status === 'ok' ? true : undefined))).toBe(true);

    await ingestInflux.stop();
    const publisher = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => publisher.endAsync());
    await publisher.publishAsync(topics.data('hall-a', 'health-1'), JSON.stringify({ gateway: 'gw', seq: 1, readings: [{ p: 'x', v: 1, t: Date.now() }] }), { qos: 1 });
    const degraded = await eventually('degraded', async () => {
      const h = await health();
      return h.body.status === 'degraded' ? h : undefined;
    });
    expect(degraded.code).toBe(200);
    expect(degraded.body.dependencies.ingest).toMatchObject({ status: 'degraded' });
    expect(degraded.body.dependencies.ingest?.detail).toMatch(/InfluxDB writes fail.*1 readings held unacknowledged/);

    const { startPrivateInfluxd } = await import('../common/runtime/influxd.js');
    const back = await startPrivateInfluxd({ dataDir: ingestInflux.dataDir, port: ingestInflux.port });
    teardown(() => back.stop());
    await eventually('ok again', async () => ((await health()).body.status === 'ok' ? true : undefined), 30_000);
    expect(running.metrics.readingsWritten).toBe(1);
  });

  it('says the equipment state is not known yet (degraded, 200) until the retained gateway statuses have had time to arrive', async () => {
    const apiInflux = await influxd();
    const mqttBroker = await broker();
    const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { status: string; dependencies: { equipment: { status: string; detail?: string } } };
    // A window no test outlasts: an "up" here would be the old lie of a fresh start that has heard nothing yet.
    const waiting = await startApi({ port: await freePort(), mqttUrl: mqttBroker.url, influxUrl: apiInflux.url, retainedSettleMs: 3_600_000 });
    teardown(() => waiting.stop());
    const early = await health(waiting.url);
    expect(early.status).toBe('degraded');
    expect(early.dependencies.equipment).toEqual({ status: 'degraded', detail: expect.stringContaining('not known yet') });

    const settled = await startApi({ port: await freePort(), mqttUrl: mqttBroker.url, influxUrl: apiInflux.url, retainedSettleMs: 0 });
    teardown(() => settled.stop());
    const later = await health(settled.url);
    expect(later.status).toBe('ok');
    expect(later.dependencies.equipment).toEqual({ status: 'up' });
  });
});
