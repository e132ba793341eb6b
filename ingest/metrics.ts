import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RejectReason } from './dead-letters.js';

/**
 * Prometheus metrics of one ingest instance. Its own Registry, not prom-client's global one: the API
 * and other components share the process under `npm start` and must not collide on names.
 */
export class IngestPrometheus {
  readonly registry = new Registry();
  readonly messagesReceived = new Counter({ name: 'pilothub_ingest_messages_received_total', help: 'MQTT messages received', registers: [this.registry] });
  readonly readingsWritten = new Counter({ name: 'pilothub_ingest_readings_written_total', help: 'readings written to InfluxDB', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'pilothub_ingest_rejected_total', help: 'messages dead-lettered, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly writeSeconds = new Histogram({
    name: 'pilothub_ingest_write_duration_seconds', help: 'duration of successful InfluxDB /write calls',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'pilothub_ingest_batch_size_readings', help: 'readings per InfluxDB write',
    buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 20_000], registers: [this.registry],
  });
  readonly writeErrors = new Counter({ name: 'pilothub_ingest_write_errors_total', help: 'failed InfluxDB writes (retried)', registers: [this.registry] });

  constructor(read: { backlog(): number; unacked(): number; oldestUnackedMs(): number; stalled(): number; sessionQueue(): number | undefined }) {
    new Gauge({ name: 'pilothub_ingest_backlog_readings', help: 'readings accepted but not yet in InfluxDB', registers: [this.registry], collect() { this.set(read.backlog()); } });
    new Gauge({ name: 'pilothub_ingest_unacked_messages', help: 'messages received but not yet acknowledged', registers: [this.registry], collect() { this.set(read.unacked()); } });
    new Gauge({ name: 'pilothub_ingest_oldest_unacked_seconds', help: 'how long the oldest unacknowledged message has waited (0: none)', registers: [this.registry], collect() { this.set(read.oldestUnackedMs() / 1000); } });
    new Gauge({ name: 'pilothub_ingest_ack_stalled', help: '1 while acknowledgements are stalled (oldest unacknowledged message or broker session queue over its limit)', registers: [this.registry], collect() { this.set(read.stalled()); } });
    new Gauge({
      name: 'pilothub_ingest_session_queue_messages', help: 'messages the broker holds for this session, where known', registers: [this.registry],
      collect() { const queued = read.sessionQueue(); if (queued !== undefined) this.set(queued); },
    });
    for (const reason of RejectReason.options) this.rejected.inc({ reason }, 0);
  }
}
