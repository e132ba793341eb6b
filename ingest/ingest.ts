import type { IPublishPacket, MqttClient } from 'mqtt';
import { MAX_PAYLOAD_BYTES, parseTopic, ReadingBatch, topicFilters } from '../common/contracts/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { createLogger } from '../common/runtime/logger.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { OrderedAcks } from './ordered-acks.js';
import { WriteBatcher } from './write-batcher.js';

export interface IngestOptions {
  mqttUrl: string;
  username?: string;
  password?: string;
  /** Stable id: the broker keeps this session's subscriptions and unacknowledged messages across reconnects. */
  clientId?: string;
  influxUrl: string;
  database?: string;
  /** Topic filters to consume; several instances split the topic space by site. */
  filters?: string[];
  maxBatchLines?: number;
  maxBatchDelayMs?: number;
  maxPendingLines?: number;
}

export type RejectReason = 'bad_json' | 'schema' | 'unknown_topic' | 'oversized' | 'refused_by_influxdb';

export interface IngestMetrics {
  messagesReceived: number;
  readingsWritten: number;
  batchesWritten: number;
  rejected: Record<RejectReason, number>;
}

export interface RunningIngest {
  metrics: IngestMetrics;
  /** Lines accepted but not yet in InfluxDB. */
  backlog(): number;
  /** Why InfluxDB writes currently fail, if they do. */
  lastWriteError(): string | undefined;
  stop(): Promise<void>;
}

/** Subscribes to reading batches, validates them and writes them to InfluxDB, acknowledging only what is written. */
export async function startIngest(options: IngestOptions): Promise<RunningIngest> {
  const clientId = options.clientId ?? 'pilothub-ingest';
  const logger = createLogger('ingest', { clientId });
  const influx = new InfluxV1Client(options.influxUrl, options.database ?? 'pilothub');
  await influx.waitReady();
  await influx.ensureDatabase();

  const metrics: IngestMetrics = {
    messagesReceived: 0, readingsWritten: 0, batchesWritten: 0,
    rejected: { bad_json: 0, schema: 0, unknown_topic: 0, oversized: 0, refused_by_influxdb: 0 },
  };
  const batcher = new WriteBatcher((body) => influx.write(body), {
    maxLines: options.maxBatchLines ?? 5000,
    maxDelayMs: options.maxBatchDelayMs ?? 100,
    maxPendingLines: options.maxPendingLines ?? 200_000,
  }, logger, (lines) => { metrics.readingsWritten += lines; metrics.batchesWritten++; });

  const client: MqttClient = connectMqtt(options.mqttUrl, {
    clientId, clean: false,
    username: options.username, password: options.password,
  });
  const acks = new OrderedAcks(client);

  const reject = (reason: RejectReason, topic: string, detail: string) => {
    metrics.rejected[reason]++;
    logger.warn({ reason, topic, detail }, `rejected message on ${topic}: ${detail}`);
  };

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    metrics.messagesReceived++;
    const ack = acks.hold(packet.messageId);
    const lines = toLines(packet, reject);
    if (!lines) ack();
    else batcher.add({
      lines,
      written: ack,
      refused: (reason) => { reject('refused_by_influxdb', packet.topic, reason); ack(); },
    });
    void batcher.whenRoom().then(() => callback());
  };

  const filters = options.filters ?? [topicFilters.allData];
  // Subscribing again on every connect is harmless with a kept session and repairs a broker that lost it.
  const subscribed = new Promise<void>((resolve, reject) => {
    client.on('connect', (connack) => {
      logger.info({ sessionPresent: connack.sessionPresent, filters }, 'ingest connected');
      client.subscribe(filters, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  });
  client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'));
  await subscribed;

  return {
    metrics,
    backlog: () => batcher.backlog,
    lastWriteError: () => batcher.lastError,
    stop: async () => {
      await client.endAsync();
      batcher.abort();
    },
  };
}

/** Validates a message; returns its line protocol, or undefined after recording why it was rejected. */
function toLines(packet: IPublishPacket, reject: (reason: RejectReason, topic: string, detail: string) => void): string[] | undefined {
  const topic = parseTopic(packet.topic);
  if ('error' in topic || topic.kind !== 'data') {
    reject('unknown_topic', packet.topic, 'error' in topic ? topic.error : `not a data topic`);
    return undefined;
  }
  const payload = packet.payload as Buffer;
  if (payload.length > MAX_PAYLOAD_BYTES) {
    reject('oversized', packet.topic, `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    reject('bad_json', packet.topic, (err as Error).message);
    return undefined;
  }
  const batch = ReadingBatch.safeParse(json);
  if (!batch.success) {
    const issue = batch.error.issues[0]!;
    reject('schema', packet.topic, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return undefined;
  }
  const key = { site: topic.site, equipment: topic.equipment, gateway: batch.data.gateway };
  return batch.data.readings.map((r) => readingToLine(key, r));
}
