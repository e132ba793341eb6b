import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The broker's Prometheus metrics, in a registry of its own (components share one process under `npm start`).
 * `queueDepths` reads the persistent sessions' queues from the persistence (SqlitePersistence) at each scrape.
 */
export class BrokerPrometheus {
  readonly registry = new Registry();
  readonly refused = new Counter({
    name: 'pilothub_broker_packets_refused_total', help: 'packets refused before processing, by reason; the connection was closed',
    labelNames: ['reason'] as const, registers: [this.registry],
  });

  constructor(queueDepths: () => Map<string, number>) {
    this.refused.inc({ reason: 'too_large' }, 0);
    new Gauge({
      name: 'pilothub_broker_session_queue_messages', help: 'QoS 1/2 messages queued or in flight for a persistent session (clean: false), by client id',
      labelNames: ['client_id'] as const, registers: [this.registry],
      collect() {
        this.reset();
        for (const [clientId, depth] of queueDepths()) this.set({ client_id: clientId }, depth);
      },
    });
  }
}
