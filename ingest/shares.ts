import { AggregatorRegistry, Registry } from 'prom-client';
import { IngestOwnerRecord, ingestOwnerShare, topicFilters } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { subscribeOnEveryConnect } from '../common/runtime/mqtt-subscribe.js';
import { serveMetrics, type MetricsServer } from '../common/runtime/metrics-server.js';
import { startIngest, type IngestHealth, type IngestOptions, type RunningIngest } from './ingest.js';

/**
 * Several ingest processes share the sites ("shares") of a platform; when one dies, another takes its shares over
 * with nothing lost (README "Scale-out"). Each share is one persistent MQTT session (client id
 * `pilothub-ingest-<share>`, filter `pilothub/v1/<share>/+/data`): whoever resumes it gets every message the broker
 * held, so a takeover loses nothing, and MQTT lets one connection at a time hold a client id, so two owners can
 * never consume a share at once (at worst they take turns, and a message written twice is one point in InfluxDB).
 * The retained record on `topics.ingestOwner(share)` only says who holds it, so that instances do not take turns:
 * the owner announces itself on connect, and its will (published by the broker when its connection drops without
 * a goodbye: SIGKILL, crash, lost network) or its clean stop frees it. An instance takes a free share at once if
 * it is one of its `preferred`, otherwise after `takeoverDelayMs`, so a restarting owner gets its share back first.
 */
export interface IngestSharesOptions extends Omit<IngestOptions, 'clientId' | 'filters' | 'owner' | 'metricsPort' | 'metricsHost'> {
  /** This process, as the ownership records name it; unique on the platform (default host and pid). */
  instance: string;
  /** Every share (site) this process may consume. */
  shares: string[];
  /** Shares taken as soon as they are free; the others only after `takeoverDelayMs`. */
  preferred: string[];
  takeoverDelayMs?: number;
  metricsPort?: number;
  metricsHost?: string;
}

export interface RunningShares {
  /** The shares this process consumes now: connected and subscribed. */
  owned(): string[];
  metricsPort?: number;
  /** `taking`: shares whose session is being opened, not yet consumed. */
  health(): { status: IngestHealth['status']; owned: string[]; taking: string[]; shares: Record<string, IngestHealth> };
  stop(): Promise<void>;
}

export const shareClientId = (share: string) => `pilothub-ingest-${share}`;

export async function startIngestShares(options: IngestSharesOptions): Promise<RunningShares> {
  const logger = createLogger('ingest-shares', { instance: options.instance });
  const takeoverDelayMs = options.takeoverDelayMs ?? 5000;
  const records = new Map<string, IngestOwnerRecord>();
  /** Since when each share has been free as far as this process knows (absent: owned, or not yet known). */
  const freeSince = new Map<string, number>();
  const running = new Map<string, { ingest?: RunningIngest; starting: Promise<void>; since: number }>();
  let stopped = false;

  const take = (share: string) => {
    const since = Date.now();
    const slot: { ingest?: RunningIngest; starting: Promise<void>; since: number } = { since, starting: Promise.resolve() };
    running.set(share, slot);
    logger.info({ share }, `taking share "${share}"`);
    // The process serves one /metrics and /health for all its shares (below), none per share.
    slot.starting = startIngest({
      ...options, metricsPort: undefined, metricsHost: undefined,
      clientId: shareClientId(share), filters: [topicFilters.siteData(share)], owner: { share, instance: options.instance },
    })
      .then(async (ingest) => {
        slot.ingest = ingest;
        // Released while it started: by a takeover (the winner's record stays) or by this process stopping.
        if (stopped || running.get(share) !== slot) await ingest.stop({ keepRecord: !stopped });
      })
      .catch((err: Error) => {
        logger.error({ share, err: err.message }, `could not start ingest for share "${share}": ${err.message}`);
        if (running.get(share) === slot) running.delete(share);
      });
  };
  /** `takenOver`: another instance owns the share now, so its record must stay as it is. */
  const release = async (share: string, why: string, takenOver = false) => {
    const slot = running.get(share);
    if (!slot) return;
    running.delete(share);
    logger.warn({ share }, `leaving share "${share}": ${why}`);
    await slot.starting;
    await slot.ingest?.stop({ keepRecord: takenOver });
  };

  const decide = () => {
    if (stopped) return;
    const now = Date.now();
    for (const share of options.shares) {
      const record = records.get(share);
      const mine = running.get(share);
      // Another instance announced itself after this one started on the share: it holds the session now.
      if (mine && record?.state === 'owned' && record.instance !== options.instance && record.at >= mine.since) {
        void release(share, `instance "${record.instance}" took it over`, true);
        continue;
      }
      const since = freeSince.get(share);
      if (mine || since === undefined) continue;
      const wait = options.preferred.includes(share) ? 0 : takeoverDelayMs;
      if (now - since >= wait) take(share);
    }
  };

  const watch = connectMqtt(options.mqttUrl, {
    clientId: `pilothub-ingest-watch-${options.instance}`.slice(0, 200), clean: true,
    username: options.username, password: options.password, ca: options.ca,
  });
  watch.on('message', (topic, payload) => {
    const share = ingestOwnerShare(topic);
    if (!share || !options.shares.includes(share)) return;
    const known = records.get(share);
    let record: IngestOwnerRecord;
    try {
      // An operator clearing the retained record (an empty message) frees the share whoever held it.
      record = payload.length === 0 ? { state: 'free', instance: known?.instance ?? '', at: Date.now() } : IngestOwnerRecord.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      logger.warn({ share, err: (err as Error).message }, `ignored an unreadable ownership record of share "${share}"`);
      return;
    }
    // A will published after its instance was already replaced says nothing about the new owner.
    if (record.state === 'free' && known?.state === 'owned' && known.instance !== record.instance) return;
    records.set(share, record);
    if (record.state === 'free') { if (!freeSince.has(share)) freeSince.set(share, Date.now()); } else freeSince.delete(share);
    decide();
  });
  watch.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error (ownership watch)'));
  await subscribeOnEveryConnect(watch, [topicFilters.ingestOwners], { qos: 1, account: 'ingest', logger }).ready;
  // Retained records arrive right after the subscription; a share without one has never been owned: free.
  setTimeout(() => {
    for (const share of options.shares) if (!records.has(share) && !freeSince.has(share)) freeSince.set(share, Date.now());
    decide();
  }, 1000).unref();
  const timer = setInterval(decide, 500);
  timer.unref();

  const owned = () => [...running].flatMap(([share, slot]) => (slot.ingest ? [share] : []));
  const health = () => {
    const shares = Object.fromEntries([...running].flatMap(([share, slot]) => (slot.ingest ? [[share, slot.ingest.health()]] : [])));
    const degraded = Object.values(shares).some((h) => h.status === 'degraded');
    return { status: degraded ? 'degraded' as const : 'ok' as const, owned: owned(), taking: [...running.keys()].filter((s) => !shares[s]), shares };
  };
  let metricsServer: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    metricsServer = await serveMetrics({
      registry: sharesRegistry(() => [...running].flatMap(([share, slot]) => (slot.ingest ? [{ share, registry: slot.ingest.prometheus.registry }] : []))),
      health, host: options.metricsHost ?? '127.0.0.1', port: options.metricsPort, what: 'ingest metrics', portEnvVar: 'PILOTHUB_INGEST_METRICS_PORT',
    });
  }
  return {
    owned,
    metricsPort: metricsServer?.port,
    health,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...running.keys()].map((share) => release(share, 'stopping')));
      await watch.endAsync();
      await metricsServer?.close();
    },
  };
}

/** One registry whose metrics are those of every share's ingest, each series labelled with its share. */
function sharesRegistry(sources: () => { share: string; registry: Registry }[]): Registry {
  const view = new Registry();
  view.metrics = async () => {
    const parts = await Promise.all(sources().map(async ({ share, registry }) => {
      registry.setDefaultLabels({ share });
      return registry.getMetricsAsJSON();
    }));
    return parts.length ? AggregatorRegistry.aggregate(parts).metrics() : '';
  };
  return view;
}
