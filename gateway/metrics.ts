import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The gateway's Prometheus metrics, in a registry of its own: the hub runs ingest and the API in the same
 * process, and prom-client's default registry would mix their series (and refuse duplicate names).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly readings = new Counter({ name: 'pilothub_gateway_readings_total', help: 'Readings acquired, by device and quality', labelNames: ['device', 'quality'], registers: [this.registry] });
  readonly requests = new Counter({ name: 'pilothub_gateway_requests_total', help: 'Protocol requests sent to devices', labelNames: ['device'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'pilothub_gateway_errors_total', help: 'Failed requests and connection attempts', labelNames: ['device'], registers: [this.registry] });
  readonly queueMessages = new Gauge({ name: 'pilothub_gateway_queue_messages', help: 'Batches in the store-and-forward queue (not yet acknowledged by the broker)', registers: [this.registry] });
  readonly queueBytes = new Gauge({ name: 'pilothub_gateway_queue_bytes', help: 'Bytes in the store-and-forward queue', registers: [this.registry] });
  readonly dropped = new Counter({ name: 'pilothub_gateway_queue_dropped_total', help: 'Batches dropped because the queue was full', registers: [this.registry] });
  readonly published = new Counter({ name: 'pilothub_gateway_batches_published_total', help: 'Batches acknowledged by the broker', registers: [this.registry] });
  readonly publishLatency = new Histogram({
    name: 'pilothub_gateway_publish_latency_seconds', help: 'From queueing a batch to the broker\'s PUBACK',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600], registers: [this.registry],
  });
  readonly deviceReachable = new Gauge({ name: 'pilothub_gateway_device_reachable', help: '1 while the device answers, 0 while it is unreachable (the retained device state says why)', labelNames: ['device'], registers: [this.registry] });
  readonly pollCycleSeconds = new Gauge({ name: 'pilothub_gateway_poll_cycle_seconds', help: 'How long the device\'s last acquisition cycle took', labelNames: ['device'], registers: [this.registry] });
  readonly cyclesMissed = new Counter({ name: 'pilothub_gateway_poll_cycles_missed_total', help: 'Poll slots skipped because the cycle before took longer than the poll interval (overload: readings come less often, none is dropped)', labelNames: ['device'], registers: [this.registry] });
  readonly queueOverflows = new Counter({ name: 'pilothub_gateway_queue_overflows_total', help: 'Subscribed values the OPC UA server flagged as overflowed: it discarded older samples before the gateway fetched them', labelNames: ['device'], registers: [this.registry] });
  readonly deviceLagging = new Gauge({ name: 'pilothub_gateway_device_lagging', help: '1 while the device is read less often than configured (its retained state carries "lag")', labelNames: ['device'], registers: [this.registry] });
  readonly publishLagging = new Gauge({ name: 'pilothub_gateway_publish_lagging', help: '1 while batches wait longer than 10 s for the broker\'s PUBACK on a live connection (publishing falls behind)', registers: [this.registry] });
  readonly connected = new Gauge({ name: 'pilothub_gateway_broker_connected', help: '1 while the MQTT connection is up', registers: [this.registry] });
  readonly configReloads = new Counter({ name: 'pilothub_gateway_config_reloads_total', help: 'Config file reloads, by result', labelNames: ['result'], registers: [this.registry] });
}
