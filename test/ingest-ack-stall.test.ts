import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import { batch, client, metric } from './helpers/edges.js';
import { broker, eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

/** Freezes the influxd this test started (SIGSTOP): writes hang without failing, as on a wedged disk. */
function freeze(port: number): () => void {
  const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, 'SIGSTOP');
  let thawed = false;
  const thaw = () => { if (!thawed) process.kill(pid, 'SIGCONT'); thawed = true; };
  teardown(thaw);
  return thaw;
}

describe('ingest /health reports an acknowledgement stall (issue #12)', () => {
  it('is degraded while the oldest unacknowledged message is older than the limit, and says so in /metrics', async () => {
    const influx = await influxd();
    const mqttBroker = await broker();
    const running = await ingest({ mqttUrl: mqttBroker.url, influxUrl: influx.url, clientId: 'ingest-stall-age', metricsPort: 0, maxUnackedAgeMs: 1000 });
    const base = `http://127.0.0.1:${running.metricsPort}`;
    const health = async () => (await (await fetch(`${base}/health`)).json()) as { status: string; detail?: string };
    expect(await health()).toMatchObject({ status: 'ok' });
    const thaw = freeze(influx.port);
    const gw = await client(mqttBroker.url, undefined);
    await gw.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 1, [{ p: 'temp', v: 1, t: Date.now() }]), { qos: 1 });
    const degraded = await eventually('degraded', async () => {
      const h = await health();
      return h.status === 'degraded' ? h : undefined;
    }, 8000);
    expect(degraded.detail).toMatch(/oldest unacknowledged message has waited \d+ s \(limit 1 s\); 1 messages unacknowledged/);
    expect(await metric(`${base}/metrics`, 'pilothub_ingest_ack_stalled')).toBe(1);
    expect(await metric(`${base}/metrics`, 'pilothub_ingest_oldest_unacked_seconds')).toBeGreaterThan(1);
    thaw();
    await eventually('ok again', async () => ((await health()).status === 'ok' ? true : undefined), 30_000);
    expect(await metric(`${base}/metrics`, 'pilothub_ingest_ack_stalled')).toBe(0);
  });

  it('is degraded while the broker holds more than the bound for its session; the broker\'s /metrics shows the depth', async () => {
    const influx = await influxd();
    const mqttBroker = await broker({ persistenceFile: join(tempDir(), 'sessions.sqlite'), metricsPort: 0 });
    const brokerMetrics = `http://127.0.0.1:${mqttBroker.metricsPort}/metrics`;
    const running = await ingest({
      mqttUrl: mqttBroker.url, influxUrl: influx.url, clientId: 'ingest-stall-queue', metricsPort: 0,
      sessionQueue: () => mqttBroker.queueDepth('ingest-stall-queue'), maxSessionQueue: 5,
    });
    const health = async () => (await (await fetch(`http://127.0.0.1:${running.metricsPort}/health`)).json()) as { status: string; detail?: string };
    const thaw = freeze(influx.port);
    const gw = await client(mqttBroker.url, undefined);
    for (let seq = 1; seq <= 10; seq++) await gw.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', seq, [{ p: 'temp', v: seq, t: Date.now() }]), { qos: 1 });
    expect(await metric(brokerMetrics, 'pilothub_broker_session_queue_messages', 'client_id="ingest-stall-queue"')).toBe(10);
    expect(await health()).toMatchObject({ status: 'degraded', detail: 'the broker holds 10 messages for session "ingest-stall-queue" (limit 5)' });
    thaw();
    await eventually('ok again', async () => ((await health()).status === 'ok' ? true : undefined), 30_000);
    await eventually('the queue drained', async () => ((await metric(brokerMetrics, 'pilothub_broker_session_queue_messages', 'client_id="ingest-stall-queue"')) === 0 ? true : undefined));
  });
});
