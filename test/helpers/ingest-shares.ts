import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { IngestOwnerRecord, topicFilters } from '../../common/contracts/index.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { ingestProcess } from './ingest-process.js';
import { eventually } from './pipeline.js';
import { checkSequence, publishSequence, sequence } from './sequence.js';
import { teardown } from './teardown.js';

export interface SharesHealth { status: string; owned: string[] }
export interface SharesProcess { child: ChildProcess; metricsUrl: string; health(): Promise<SharesHealth>; output(): string }

/** `pilothub ingest` with shares; logging at info, so a failed takeover's message shows who owned what when. */
export async function sharesProcess(env: Record<string, string>): Promise<SharesProcess> {
  const p = await ingestProcess({ ...env, PILOTHUB_LOG_LEVEL: 'info' });
  const health = async () => (await (await fetch(`${p.url}/health`)).json()) as SharesHealth;
  return { child: p.child, metricsUrl: `${p.url}/metrics`, health, output: p.output };
}

/** The process's shares when they are exactly `shares`, else undefined (for `eventually`). */
export const owning = async (p: SharesProcess, shares: string[]) => {
  const owned = (await p.health()).owned.sort();
  return owned.join() === [...shares].sort().join() ? owned : undefined;
};

/** The counters that tell what an ingest process received, wrote and holds unacknowledged, from its /metrics. */
const counters = (metrics: string) => metrics.split('\n').filter((l) => /received|written_total|unacked|backlog/.test(l) && !l.startsWith('#')).join(' | ');

type Login = { username: string; password: string };
export interface TakeoverSetup {
  /** The broker URLs of ingest-a and of ingest-b (a cluster's URLs are a comma list); gateways use the first of a's. */
  mqttUrls: [string, string];
  /** The broker's own log, for the message of a failure (a cluster's leader changes). */
  brokerLog?: () => string;
  influx: InfluxV1Client;
  influxUrl: string;
  ingest: Login;
  /** Two sites, each with one equipment and the gateway account that may publish it. */
  sites: [{ site: string; equipment: string; gateway: Login }, { site: string; equipment: string; gateway: Login }];
}

/**
 * Two ingest processes share two sites; the owner of the first is SIGKILLed while its gateway publishes: the other
 * takes its share over, every reading is stored once, the killed one back stands by, and a clean stop hands over.
 */
export async function killOwnerAndCheckTakeover(setup: TakeoverSetup): Promise<void> {
  const [first, second] = setup.sites;
  const env = (instance: 'ingest-a' | 'ingest-b', preferred: string) => ({
    PILOTHUB_MQTT_URL: setup.mqttUrls[instance === 'ingest-a' ? 0 : 1], PILOTHUB_INFLUX_URL: setup.influxUrl,
    PILOTHUB_MQTT_USERNAME: setup.ingest.username, PILOTHUB_MQTT_PASSWORD: setup.ingest.password,
    PILOTHUB_INGEST_SHARES: `${first.site},${second.site}`, PILOTHUB_INGEST_PREFERRED: preferred, PILOTHUB_INGEST_INSTANCE: instance,
    // Longer than the two processes take to start side by side, so each first takes its preferred share.
    PILOTHUB_INGEST_TAKEOVER_DELAY_MS: '8000',
    // A long batch delay leaves messages received but unwritten (so unacknowledged) when the kill lands.
    PILOTHUB_INGEST_MAX_BATCH_DELAY_MS: '1000', PILOTHUB_INGEST_MAX_BATCH_LINES: '100000',
  });
  const [a, b] = await Promise.all([sharesProcess(env('ingest-a', first.site)), sharesProcess(env('ingest-b', second.site))]);
  await eventually('each process owns its preferred share', async () => ((await owning(a, [first.site])) && (await owning(b, [second.site])) ? true : undefined), 30_000);

  // Gateways publish on the first broker ingest-a lists.
  const publishUrl = setup.mqttUrls[0].split(',')[0]!;
  const s1 = sequence(first.site, first.equipment, 300, 20);
  const s2 = sequence(second.site, second.equipment, 300, 20);
  let takenOverAfterMs = 0;
  let aAtKill = '';
  await Promise.all([
    publishSequence(publishUrl, s1, {
      clientId: `pub-${first.site}`, ...first.gateway,
      between: async (i) => {
        if (i !== 150) return;
        aAtKill = counters(await (await fetch(a.metricsUrl)).text());
        a.child.kill('SIGKILL');
        await once(a.child, 'exit');
        const killedAt = Date.now();
        await eventually(`${first.site} taken over by ingest-b`, () => owning(b, [first.site, second.site]), 30_000)
          .catch((err: Error) => { throw new Error(`${err.message}; ingest-b output: ${b.output()}`); });
        takenOverAfterMs = Date.now() - killedAt;
      },
    }),
    publishSequence(publishUrl, s2, { clientId: `pub-${second.site}`, ...second.gateway }),
  ]);
  // The will frees the share at once and the takeover delay is 8 s (~9-12 s in all); without the will the share would
  // wait for the keep-alive (15 s) plus that delay, 23 s or more.
  expect(takenOverAfterMs).toBeLessThan(22_000);
  await eventually('every reading of both sites stored', async () => ((await checkSequence(setup.influx, s1)).stored >= 6000 && (await checkSequence(setup.influx, s2)).stored >= 6000 ? true : undefined), 60_000)
    .catch(async (err: Error) => {
      const [c1, c2] = [await checkSequence(setup.influx, s1), await checkSequence(setup.influx, s2)];
      throw new Error(`${err.message}: ${first.site} ${c1.stored} stored (${c1.missing.length} missing: messages ${[...new Set(c1.missing.map((n) => Math.floor(n / s1.perMessage)))].join(', ')}), ${second.site} ${c2.stored}; ingest-b health ${JSON.stringify(await b.health())} metrics ${counters(await (await fetch(b.metricsUrl)).text())}; ingest-a's metrics just before the kill ${aAtKill}; ingest-b output: ${b.output()}; ingest-a output: ${a.output()}; broker's leader changes, warnings and errors: ${(setup.brokerLog?.() ?? '').split('\n').filter((l) => /leader|quorum|\[WRN\]|\[ERR\]/.test(l)).slice(-60).join('\n')}`);
    });
  expect(await checkSequence(setup.influx, s1)).toEqual({ stored: 6000, missing: [], duplicated: [], wrong: [] });
  expect(await checkSequence(setup.influx, s2)).toEqual({ stored: 6000, missing: [], duplicated: [], wrong: [] });
  // One /metrics for the process, each share's series labelled with it.
  const metrics = await (await fetch(b.metricsUrl)).text();
  for (const site of [first.site, second.site]) expect(metrics).toMatch(new RegExp(`pilothub_ingest_readings_written_total\\{share="${site}"\\} [1-9]`));

  // Back, the killed instance finds both shares owned and stands by: no taking turns over a session.
  const again = await sharesProcess(env('ingest-a', first.site));
  await new Promise((r) => setTimeout(r, 10_000));
  expect((await again.health()).owned).toEqual([]);
  expect((await b.health()).owned.sort()).toEqual([first.site, second.site].sort());
  const watcher = await mqtt.connectAsync(publishUrl, { protocolVersion: 4, reconnectPeriod: 0, ...setup.ingest });
  teardown(() => watcher.endAsync(true));
  const records = new Map<string, IngestOwnerRecord>();
  watcher.on('message', (topic, payload) => records.set(topic, IngestOwnerRecord.parse(JSON.parse(payload.toString()))));
  await watcher.subscribeAsync(topicFilters.ingestOwners, { qos: 1 });
  await eventually('the retained ownership records', () => (records.size === 2 ? true : undefined));
  expect([...records.values()].map((r) => [r.state, r.instance])).toEqual([['owned', 'ingest-b'], ['owned', 'ingest-b']]);

  // A clean stop frees its shares at once: the standby takes them without waiting for a will.
  b.child.kill('SIGTERM');
  await once(b.child, 'exit');
  await eventually('both shares taken by the restarted ingest-a', () => owning(again, [first.site, second.site]), 30_000);
}
