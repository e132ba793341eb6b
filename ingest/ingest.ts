import type { IPublishPacket, MqttClient } from 'mqtt';
import { MAX_PAYLOAD_BYTES, parseTopic, topicFilters, topics, type IngestOwnerRecord } from '../common/contracts/index.js';
import { readingsToLines } from '../common/influx/layout.js';
import { ensureRollupsInBackground, rebuildRollups } from '../common/influx/rollup-rebuild.js';
import { extremesOf, freshStamp, type MessageExtremes } from '../common/influx/rollups.js';
import { InfluxV1Client, type InfluxAuth } from '../common/influx/v1-client.js';
import { createLogger } from '../common/runtime/logger.js';
import { subscribeOnEveryConnect } from '../common/runtime/mqtt-subscribe.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { serveMetrics, type MetricsServer } from '../common/runtime/metrics-server.js';
import { batchValidator } from './batch-validator.js';
import { DeadLetterStore, RejectReason } from './dead-letters.js';
import { provenance, type EquipmentOwners } from './provenance.js';
import { IngestPrometheus } from './metrics.js';
import { OrderedAcks } from './ordered-acks.js';
import { RollupWriter } from './rollup-writer.js';
import { WriteBatcher, type BatchItem } from './write-batcher.js';

export type { RejectReason } from './dead-letters.js';

export interface IngestOptions {
  mqttUrl: string;
  username?: string;
  password?: string;
  /** CA certificate(s) for an mqtts:// broker with a private CA. */
  ca?: Buffer;
  /** Stable id: the broker keeps this session's subscriptions and unacknowledged messages across reconnects. */
  clientId?: string;
  influxUrl: string;
  /** Credentials when the InfluxDB has authentication on. */
  influxAuth?: InfluxAuth;
  database?: string;
  /** A retention policy other than the database's default (PILOTHUB_INFLUX_RETENTION_POLICY). */
  retentionPolicy?: string;
  /** Topic filters to consume; several instances split the topic space by site (README "Scale-out"). */
  filters?: string[];
  maxBatchLines?: number;
  maxBatchDelayMs?: number;
  maxPendingLines?: number;
  /** InfluxDB writes in flight at once; acknowledgements stay in arrival order whatever finishes first. */
  concurrentWrites?: number;
  /**
   * The account bindings (the broker's UserStore): each batch is stored under the gateway its equipment is bound to,
   * and one naming another gateway is dead-lettered as `forged` (provenance.ts). Without it the payload's word is taken.
   */
  equipmentOwners?: EquipmentOwners;
  /** /health is degraded once the oldest unacknowledged message has waited this long (default 60 s): an ack stall. */
  maxUnackedAgeMs?: number;
  /**
   * Messages the broker holds (queued or in flight) for this session, where known: under `npm start` the in-process
   * broker's count (broker.queueDepth). /health is degraded above `maxSessionQueue` (default 10 000).
   */
  sessionQueue?: () => number | undefined;
  maxSessionQueue?: number;
  /** SQLite file for rejected messages; without it they are only counted and logged. */
  deadLetterFile?: string;
  /** Serve /metrics and /health on this port (0: any free port); no HTTP server when absent. */
  metricsPort?: number;
  metricsHost?: string;
  /**
   * When ingest/shares.ts runs this instance for a share: it announces itself as the share's owner (retained) on
   * every connect, and its will frees the share when its connection drops without a goodbye.
   */
  owner?: { share: string; instance: string };
}

export interface IngestCounts {
  messagesReceived: number;
  readingsWritten: number;
  batchesWritten: number;
  rejected: Record<RejectReason, number>;
}

export interface IngestHealth {
  status: 'ok' | 'degraded';
  backlog: number;
  detail?: string;
}

export interface RunningIngest {
  metrics: IngestCounts;
  prometheus: IngestPrometheus;
  /** Port of the /metrics endpoint when `metricsPort` was given. */
  metricsPort?: number;
  /** Lines accepted but not yet in InfluxDB. */
  backlog(): number;
  /** Why InfluxDB writes currently fail, if they do. */
  lastWriteError(): string | undefined;
  /** Degraded while InfluxDB writes fail or the backlog is at half the back-pressure limit. */
  health(): IngestHealth;
  /** With `owner`: `keepRecord` leaves the share's ownership record alone (another instance has taken the share over). */
  stop(options?: { keepRecord?: boolean }): Promise<void>;
}

/** Subscribes to reading batches, validates them and writes them to InfluxDB, acknowledging only what is written. */
export async function startIngest(options: IngestOptions): Promise<RunningIngest> {
  const clientId = options.clientId ?? 'pilothub-ingest';
  const logger = createLogger('ingest', { clientId });
  const database = options.database ?? 'pilothub';
  const influx = new InfluxV1Client(options.influxUrl, database, undefined, { auth: options.influxAuth, retentionPolicy: options.retentionPolicy });
  await influx.waitReady();
  await influx.ensureDatabase();
  const maxPendingLines = options.maxPendingLines ?? 200_000;
  const deadLetters = options.deadLetterFile ? new DeadLetterStore(options.deadLetterFile) : undefined;

  const metrics: IngestCounts = {
    messagesReceived: 0, readingsWritten: 0, batchesWritten: 0,
    rejected: Object.fromEntries(RejectReason.options.map((r) => [r, 0])) as Record<RejectReason, number>,
  };
  let acks: OrderedAcks | undefined;
  const rollups = new RollupWriter({
    write: (body) => influx.write([body], 'ns'),
    recompute: async (equipment, from, to) => { await rebuildRollups(influx, from, to, { equipment, stamp: freshStamp }); },
  }, logger);
  const batcher = new WriteBatcher<IngestItem>((bodies) => influx.write(bodies), {
    maxLines: options.maxBatchLines ?? 5000,
    maxDelayMs: options.maxBatchDelayMs ?? 100,
    maxPendingLines,
    concurrentWrites: options.concurrentWrites ?? 2,
    confirm: (items, refused) => (refused ? rollups.reconcile(items[0]?.extremes) : rollups.record(items.map((item) => item.extremes))),
  }, logger, {
    written: (lines, ms) => {
      metrics.readingsWritten += lines; metrics.batchesWritten++;
      prometheus.readingsWritten.inc(lines); prometheus.batchSize.observe(lines); prometheus.writeSeconds.observe(ms / 1000);
    },
    failed: () => prometheus.writeErrors.inc(),
  });
  const oldestUnackedMs = () => {
    const since = acks?.oldestSince;
    return since === undefined ? 0 : Date.now() - since;
  };
  const prometheus = new IngestPrometheus({
    backlog: () => batcher.backlog, unacked: () => acks?.pending ?? 0, oldestUnackedMs,
    stalled: () => Number(ackStall() !== undefined), sessionQueue: () => options.sessionQueue?.(),
  });

  const owner = options.owner;
  const ownerRecord = (state: IngestOwnerRecord['state']) => JSON.stringify({ state, instance: owner!.instance, at: Date.now() } satisfies IngestOwnerRecord);
  const client: MqttClient = connectMqtt(options.mqttUrl, {
    clientId, clean: false,
    username: options.username, password: options.password, ca: options.ca,
    // A short keep-alive: a silent owner (a hung host) frees its share within 15 s, not the default 90.
    ...(owner ? { keepalive: 10, will: { topic: topics.ingestOwner(owner.share), payload: Buffer.from(ownerRecord('free')), qos: 1, retain: true } } : {}),
  });
  acks = new OrderedAcks(client, () => batcher.whenRoom());
  const heldAcks = acks;

  const reject = (reason: RejectReason, packet: IPublishPacket, detail: string) => {
    metrics.rejected[reason]++;
    prometheus.rejected.inc({ reason });
    deadLetters?.add({ reason, topic: packet.topic, detail, payload: packet.payload as Buffer });
    // A batch claiming another gateway's identity is an alarm, not a malformed message.
    if (reason === 'forged') logger.error({ alarm: 'forged_provenance', reason, topic: packet.topic, detail }, `rejected message on ${packet.topic}: ${detail}`);
    else logger.warn({ reason, topic: packet.topic, detail }, `rejected message on ${packet.topic}: ${detail}`);
  };

  const receive = (packet: IPublishPacket) => {
    metrics.messagesReceived++;
    prometheus.messagesReceived.inc();
    const ack = heldAcks.hold(packet);
    const lines = toLines(packet, reject, options.equipmentOwners);
    if (!lines) ack();
    else batcher.add({
      ...lines,
      written: ack,
      refused: (reason) => { reject('refused_by_influxdb', packet, reason); ack(); },
    });
  };

  // Ingest subscribes at QoS 1, but a broker may still deliver QoS 2 against [MQTT-3.8.4-6] (aedes 1.2 downgrades
  // only for a subscription whose filter equals the topic, lib/client.js deliverQoS). mqtt.js calls handleMessage for
  // QoS 2 only at PUBREL, after it has sent PUBREC; the message is taken here instead, when the PUBLISH arrives, so
  // its PUBREC can be held until it is written (ordered-acks.ts).
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'publish' && packet.qos === 2) receive(packet);
  });
  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    // QoS 2 arrives here at PUBREL, long after it was received; the callback lets mqtt.js send PUBCOMP.
    if (packet.qos !== 2) receive(packet);
    void batcher.whenRoom().then(() => callback());
  };

  const filters = options.filters ?? [topicFilters.allData];
  const subscription = subscribeOnEveryConnect(client, filters, {
    qos: 1, account: 'ingest', logger,
    onConnect: (connack) => {
      logger.info({ sessionPresent: connack.sessionPresent, filters, broker: `${client.options.host}:${client.options.port}` }, 'ingest connected');
      if (owner) client.publish(topics.ingestOwner(owner.share), ownerRecord('owned'), { qos: 1, retain: true });
    },
  });
  client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'));
  try {
    await subscription.ready;
  } catch (err) {
    // A failed start leaves nothing running (the subscription ended the client): no open dead-letter file either.
    batcher.abort();
    rollups.close();
    deadLetters?.close();
    throw err;
  }

  const maxUnackedAgeMs = options.maxUnackedAgeMs ?? 60_000;
  const maxSessionQueue = options.maxSessionQueue ?? 10_000;
  /** Why acknowledgements are stalled, if they are: a message waiting too long, or the broker's queue for us too deep. */
  function ackStall(): string | undefined {
    const age = oldestUnackedMs();
    if (age > maxUnackedAgeMs) return `the oldest unacknowledged message has waited ${Math.round(age / 1000)} s (limit ${maxUnackedAgeMs / 1000} s); ${acks?.pending ?? 0} messages unacknowledged`;
    const queued = options.sessionQueue?.();
    if (queued !== undefined && queued > maxSessionQueue) return `the broker holds ${queued} messages for session "${clientId}" (limit ${maxSessionQueue})`;
    return undefined;
  }
  const health = (): IngestHealth => {
    const backlog = batcher.backlog;
    // Nothing arrives while the broker refuses the subscription: readings published meanwhile are not ours to keep.
    const refused = subscription.problem();
    if (refused) return { status: 'degraded', backlog, detail: refused };
    if (batcher.lastError) return { status: 'degraded', backlog, detail: `InfluxDB writes fail (${batcher.lastError}); ${backlog} readings held unacknowledged` };
    if (rollups.lastError) return { status: 'degraded', backlog, detail: `rollup writes fail (${rollups.lastError}); ${backlog} readings written but held unacknowledged until their rollups are` };
    if (backlog >= maxPendingLines / 2) return { status: 'degraded', backlog, detail: `backlog of ${backlog} readings (limit ${maxPendingLines})` };
    const stall = ackStall();
    if (stall) return { status: 'degraded', backlog, detail: stall };
    return { status: 'ok', backlog };
  };
  let metricsServer: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    metricsServer = await serveMetrics({
      registry: prometheus.registry, health, host: options.metricsHost ?? '127.0.0.1', port: options.metricsPort,
      what: 'ingest metrics', portEnvVar: 'PILOTHUB_INGEST_METRICS_PORT',
    });
  }
  // Readings stored before rollups were kept get theirs rebuilt while ingest consumes (README "Rollups"), through a
  // client of its own whose long timeout suits scans of a large database.
  const rebuilding = new AbortController();
  const rebuildClient = new InfluxV1Client(options.influxUrl, database, 120_000, { auth: options.influxAuth, retentionPolicy: options.retentionPolicy });
  const rebuilt = ensureRollupsInBackground(rebuildClient, logger, rebuilding.signal);
  let stopping: Promise<void> | undefined;

  return {
    metrics, prometheus, health,
    metricsPort: metricsServer?.port,
    backlog: () => batcher.backlog,
    lastWriteError: () => batcher.lastError,
    // Once: a second call (a test's own stop, then its teardown) waits for the first.
    stop: (stopOptions: { keepRecord?: boolean } = {}) => stopping ??= (async () => {
      // A clean stop frees the share at once (the will is not sent on DISCONNECT); best effort on a dead link.
      if (owner && !stopOptions.keepRecord && client.connected) await client.publishAsync(topics.ingestOwner(owner.share), ownerRecord('free'), { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync();
      batcher.abort();
      rollups.close();
      rebuilding.abort();
      await rebuilt;
      await metricsServer?.close();
      deadLetters?.close();
    })(),
  };
}

const validateBatch = batchValidator();

/** A message on its way to InfluxDB: its lines and what it adds to the per-minute rollups. */
interface IngestItem extends BatchItem { extremes: MessageExtremes | undefined }

/** Validates a message; returns its line protocol, or undefined after recording why it was rejected. */
function toLines(packet: IPublishPacket, reject: (reason: RejectReason, packet: IPublishPacket, detail: string) => void, owners: EquipmentOwners | undefined): Pick<IngestItem, 'body' | 'lines' | 'extremes'> | undefined {
  const topic = parseTopic(packet.topic);
  if ('error' in topic || topic.kind !== 'data') {
    reject('unknown_topic', packet, 'error' in topic ? topic.error : 'not a data topic');
    return undefined;
  }
  const payload = packet.payload as Buffer;
  if (payload.length > MAX_PAYLOAD_BYTES) {
    reject('oversized', packet, `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    reject('bad_json', packet, (err as Error).message);
    return undefined;
  }
  const checked = validateBatch(json);
  if (!checked.ok) {
    reject('schema', packet, `${checked.path}: ${checked.message}`);
    return undefined;
  }
  const { readings } = checked.batch;
  const origin = owners ? provenance(owners, topic.site, topic.equipment, checked.batch.gateway) : { ok: true as const, gateway: checked.batch.gateway };
  if (!origin.ok) {
    reject(origin.reason, packet, origin.detail);
    return undefined;
  }
  const key = { site: topic.site, equipment: topic.equipment, gateway: origin.gateway };
  return { body: readingsToLines(key, readings), lines: readings.length, extremes: extremesOf(key, readings) };
}
