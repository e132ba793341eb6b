import type { Logger } from 'pino';
import { ReadingBatch, topics, type Reading } from '../common/contracts/index.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { demoHistory } from './history.js';
import { demoPastBookings, PastRunTracker, type PastRun } from './past-runs.js';
import { readProfiles, seedPastRecords } from './seed-records.js';

/** Readings per message: the contract allows 10 000; a few thousand keep each message near 200 kB. */
const READINGS_PER_MESSAGE = 4000;
/** Messages awaiting their PUBACK: ingest acknowledges once written, so a window keeps its writes going (32 x 4000 readings stay below its 200 000-line back-pressure limit). */
const IN_FLIGHT = 32;

export interface HistoryOptions {
  gatewayConfig: string;
  mqttUrl: string;
  /** The gateway's account: the broker lets only it publish its equipment's data, and ingest stores it as the gateway's. */
  username: string;
  password: string;
  /** The API's SQLite file. */
  dbFile: string;
  /** The first admin: the internal bookings are theirs. */
  operatorEmail: string;
  /** The history ends here (when the live simulators started) and covers `hours` before. */
  to: number;
  hours: number;
  logger: Logger;
  signal?: AbortSignal;
}

export interface HistoryResult { readings: number; messages: number; bookings: number; runs: number; ms: number }

/**
 * Demo mode's first start: `hours` of history before `to`, so charts, runs, usage and reports have content at once.
 * The readings (demo/history.ts) go through the normal write path: published as the gateway's batches, late as
 * store-and-forward delivers them, so ingest validates them, writes InfluxDB and keeps the rollups as for live data.
 * Once all are acknowledged (written), the bookings and the runs the run tracker would have recorded from them go
 * into the API's store (demo/seed-records.ts). Aborted by `signal`: what was sent stays, nothing is recorded.
 */
export async function backfillDemoHistory(o: HistoryOptions): Promise<HistoryResult> {
  const started = Date.now();
  const config = loadGatewayConfig(o.gatewayConfig);
  const from = o.to - o.hours * 3_600_000;
  const bookings = demoPastBookings(from, o.to);
  const profiles = readProfiles(o.dbFile, config.devices.map((d) => d.id));
  const trackers = new Map([...profiles].map(([id, p]) => [id, new PastRunTracker(p.runCondition!, p.runCloseAfterS * 1000, bookings.filter((b) => b.equipmentId === id))]));
  const client = connectMqtt(o.mqttUrl, { clientId: `pilothub-gw-${config.gateway.id}-history`, clean: true, username: o.username, password: o.password });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    let seq = 0;
    let readings = 0;
    const inFlight = new Set<Promise<unknown>>();
    const pending = new Map<string, Reading[]>();
    const send = async (equipment: string, batch: Reading[]) => {
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      // Checked as the gateway checks before publishing (common/contracts); ingest checks again.
      const payload = JSON.stringify(ReadingBatch.parse({ gateway: config.gateway.id, seq: seq++, readings: batch }));
      const sent = client.publishAsync(topics.data(config.gateway.site, equipment), payload, { qos: 1 }).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      readings += batch.length;
    };
    let nextLog = from;
    for (const tick of demoHistory(config, from, o.to)) {
      if (o.signal?.aborted) throw new Error('demo history interrupted: the hub is stopping');
      // The models run on the thread of the broker, ingest and the gateway: a turn of their event loop every simulated minute.
      if ((tick.t - from) % 60_000 === 0) await new Promise(setImmediate);
      for (const [equipment, taken] of tick.readings) {
        trackers.get(equipment)?.update(tick.t, taken);
        const batch = pending.get(equipment) ?? [];
        batch.push(...taken);
        if (batch.length >= READINGS_PER_MESSAGE) { pending.delete(equipment); await send(equipment, batch); } else pending.set(equipment, batch);
      }
      if (tick.t >= nextLog) {
        o.logger.info({ upTo: new Date(tick.t).toISOString(), readings, percent: Math.round((100 * (tick.t - from)) / (o.to - from)) }, 'demo history: filling');
        nextLog += (o.to - from) / 4;
      }
    }
    for (const [equipment, batch] of pending) await send(equipment, batch);
    await Promise.all(inFlight);
    const runs: PastRun[] = [...trackers.values()].flatMap((t) => t.runs).sort((a, b) => a.startedAt - b.startedAt);
    const closeAfterMs = new Map([...profiles].map(([id, p]) => [id, p.runCloseAfterS * 1000]));
    const seeded = seedPastRecords({ dbFile: o.dbFile, operatorEmail: o.operatorEmail, bookings, runs, closeAfterMs, now: Date.now() });
    return { readings, messages: seq, ...seeded, ms: Date.now() - started };
  } finally {
    await client.endAsync(true);
  }
}

export interface FillingHistory {
  /** Resolves when the history is written and recorded, or with undefined when it failed or was stopped (logged). */
  done: Promise<HistoryResult | undefined>;
  stop(): Promise<void>;
}

/** Runs the backfill in the background after the hub is ready, logging its start, progress and outcome. */
export function fillDemoHistory(o: Omit<HistoryOptions, 'signal'>): FillingHistory {
  const abort = new AbortController();
  o.logger.info({ hours: o.hours, to: new Date(o.to).toISOString() }, 'demo history: filling the past hours in the background');
  const done = backfillDemoHistory({ ...o, signal: abort.signal }).then(
    (result) => { o.logger.info(result, 'demo history filled'); return result; },
    (err: Error) => {
      if (abort.signal.aborted) o.logger.info('demo history stopped with the hub; readings sent stay, no past bookings or runs recorded, not resumed');
      else o.logger.error({ err: err.message }, 'demo history failed; the hub runs on with what was written and no past runs');
      return undefined;
    },
  );
  return { done, stop: async () => { abort.abort(); await done; } };
}
