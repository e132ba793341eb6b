import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { Birth, DeviceState, GatewayStatus, topics, type Reading } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import { batchCheck } from './batch-check.js';
import type { Outbox, OutboxItem } from './outbox.js';

const MAX_READINGS_PER_BATCH = 10_000;
/**
 * Batches emitted within this window are queued in one transaction (one fsync): devices polled on the same grid
 * finish their cycles a few milliseconds apart, so this is about one write per poll cycle instead of one per device.
 */
const QUEUE_WINDOW_MS = 20;
/** A batch queued on a live connection that waits longer than this for its PUBACK means publishing falls behind. */
const PUBLISH_LAG_MS = 10_000;
/** ...unless this many readings are waiting already. */
const QUEUE_MAX_PENDING_READINGS = 100_000;

/**
 * The gateway's MQTT side: retained online/offline status with the offline one as the will, retained
 * births on every (re)connect and config change, and reading batches through the on-disk outbox:
 * queued first, published at QoS 1 in queue order, deleted only on PUBACK. mqtt.js resends its own
 * unacknowledged packets first after a reconnect, so order holds across outages; a restart resends
 * from the outbox. Payloads are validated before they are queued, so a driver bug shows here and not
 * in ingest's dead letters.
 */
export class Publisher {
  private client: MqttClient | undefined;
  /** Each equipment's birth as published (JSON): 100 000 parameters take ~10 MB so, several times that as objects. */
  private readonly births = new Map<string, string>();
  private readonly deviceStates = new Map<string, DeviceState>();
  private readonly inflight = new Set<number>();
  /** Highest outbox id handed to mqtt.js on this connection; later ones are still to send. */
  private lastSentId = 0;
  private pumping = false;
  /** Status and births of this connection not yet acknowledged; data waits for them (see announce). */
  private unacknowledgedAnnouncements = 0;
  private connection = 0;
  /**
   * Set by our 'connect' handler, cleared when the connection closes. mqtt.js is `connected` earlier, while it
   * resends the last connection's unacknowledged packets; what is published then waits in its queue and fails with
   * "Connection closed" if that connection drops too, after we have moved past it in the outbox.
   */
  private announced = false;
  private readonly check = batchCheck();
  private pending: OutboxItem[] = [];
  private pendingReadings = 0;
  private queueTimer: NodeJS.Timeout | undefined;
  private connectedAt = Infinity;
  private publishLagging = false;

  constructor(
    private readonly config: Pick<GatewayConfig, 'gateway' | 'mqtt' | 'buffer'>,
    private readonly logger: Logger,
    private readonly outbox: Outbox,
    private readonly metrics: GatewayMetrics,
  ) {
    this.updateQueueGauges();
  }

  private get statusTopic() {
    return topics.status(this.config.gateway.site, this.config.gateway.id);
  }

  async start(): Promise<void> {
    const { mqtt: m, gateway } = this.config;
    const offline: GatewayStatus = { gateway: gateway.id, state: 'offline' };
    this.client = connectMqtt(m.url, {
      clientId: `pilothub-gw-${gateway.id}`,
      username: m.username, password: m.password,
      keepalive: m.keepaliveSeconds, clean: true,
      ...(m.ca ? { ca: readFileSync(m.ca) } : {}),
      will: { topic: this.statusTopic, payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
    });
    this.client.on('connect', () => {
      const queued = this.outbox.depth().messages;
      // With several URLs (a cluster's nodes) mqtt.js keeps the one it reached in its options.
      this.logger.info({ url: m.url, broker: `${this.client?.options.host}:${this.client?.options.port}`, queued }, queued ? `connected to broker; sending ${queued} queued batch(es) first` : 'connected to broker');
      this.metrics.connected.set(1);
      this.connection++;
      this.announced = true;
      this.connectedAt = Date.now();
      this.unacknowledgedAnnouncements = 0;
      this.announceOnline();
      for (const [equipment, birth] of this.births) this.publishBirth(equipment, birth);
      for (const [equipment, state] of this.deviceStates) this.publishDeviceState(equipment, state);
      this.pump();
    });
    this.client.on('close', () => { this.announced = false; });
    this.client.on('offline', () => {
      this.metrics.connected.set(0);
      this.logger.warn({ url: m.url, queued: this.outbox.depth().messages }, 'broker unreachable; queueing batches on disk and retrying');
    });
    this.client.on('error', (err) => this.logger.warn({ err: err.message }, 'mqtt error'));
  }

  /** Remembers the birth (resent on reconnect) and publishes it now. */
  setBirth(birth: Birth): void {
    const valid = Birth.parse(birth);
    const equipment = valid.equipment.id;
    const added = !this.births.has(equipment);
    const payload = JSON.stringify(valid);
    this.births.set(equipment, payload);
    // The status listing the new equipment goes first: a consumer drops births of equipment its gateway does not list.
    if (added) this.announceOnline();
    this.publishBirth(equipment, payload);
  }

  /** Remembers the device's state (resent on reconnect) and publishes it now. */
  setDeviceState(equipment: string, state: DeviceState): void {
    // Called from drivers' poll loops: an invalid state is a bug to log, never an exception that stops acquisition.
    const valid = DeviceState.safeParse(state);
    if (!valid.success) return void this.logger.error({ equipmentId: equipment, err: valid.error.message }, 'device state not published: it does not fit the contract');
    this.deviceStates.set(equipment, valid.data);
    this.publishDeviceState(equipment, valid.data);
  }

  /**
   * A device removed from the configuration: its retained birth and state are cleared (an empty retained
   * message deletes one, [MQTT-3.3.1-10]) so consumers stop listing equipment that no longer reports.
   */
  forget(equipment: string): void {
    this.births.delete(equipment);
    this.deviceStates.delete(equipment);
    for (const topic of [topics.birth(this.config.gateway.site, equipment), topics.state(this.config.gateway.site, equipment)]) this.announce(topic, '');
    // Also what clears the birth when the empty message cannot go out now: the status no longer lists the equipment.
    this.announceOnline();
  }

  /**
   * Validates the readings (a driver bug throws here, to its caller) and queues them as batches within QUEUE_WINDOW_MS,
   * in the order they were emitted.
   */
  publishReadings(equipment: string, readings: Reading[]): void {
    const topic = topics.data(this.config.gateway.site, equipment);
    const gateway = this.config.gateway.id;
    for (let i = 0; i < readings.length; i += MAX_READINGS_PER_BATCH) {
      const chunk = readings.length <= MAX_READINGS_PER_BATCH ? readings : readings.slice(i, i + MAX_READINGS_PER_BATCH);
      this.check({ gateway, seq: 0, readings: chunk });
      this.pending.push({ topic, build: (seq) => JSON.stringify({ gateway, seq, readings: chunk }) });
      this.pendingReadings += chunk.length;
    }
    if (this.pendingReadings >= QUEUE_MAX_PENDING_READINGS) this.queuePending();
    else this.queueTimer ??= setTimeout(() => this.queuePending(), QUEUE_WINDOW_MS);
  }

  /** Writes the batches waiting in memory to the outbox, in one transaction, and sends what the window allows. */
  queuePending(): void {
    clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.pendingReadings = 0;
    const dropped = this.outbox.enqueueMany(items);
    if (dropped) {
      this.metrics.dropped.inc(dropped);
      this.logger.warn({ dropped, droppedTotal: this.outbox.droppedTotal, maxMegabytes: this.config.buffer.maxMegabytes },
        `store-and-forward queue full (${this.config.buffer.maxMegabytes} MB): dropped the ${dropped} oldest batch(es)`);
    }
    this.updateQueueGauges();
    this.pump();
  }

  /** Resolves when the outbox is empty (every batch acknowledged) or after `timeoutMs`; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.queuePending();
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.depth().messages > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.outbox.depth().messages === 0;
  }

  async stop(): Promise<void> {
    this.queuePending();
    const client = this.client;
    if (!client) return;
    // A broker that stopped acknowledging must not hang the shutdown: give the offline status a second.
    if (client.connected) {
      await Promise.race([
        this.publishStatusAsync('offline').catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
    }
    // Forced: a graceful end waits for every in-flight PUBACK, possibly forever. Unacknowledged batches
    // stay in the outbox and go out on the next start (stop({ drainMs }) waits for them first).
    await client.endAsync(true);
    this.metrics.connected.set(0);
  }

  /** Hands queued batches to mqtt.js in order, keeping at most `maxInflight` awaiting PUBACK. */
  private pump(): void {
    // mqtt.js may call a publish callback synchronously; the flag keeps that from re-entering this loop.
    if (this.pumping || !this.announced || this.unacknowledgedAnnouncements > 0) return;
    this.pumping = true;
    try {
      const client = this.client;
      while (client?.connected) {
        const room = this.config.buffer.maxInflight - this.inflight.size;
        if (room <= 0) break;
        const batch = this.outbox.next(this.lastSentId, room);
        if (batch.length === 0) break;
        for (const message of batch) {
          this.lastSentId = message.id;
          this.inflight.add(message.id);
          client.publish(message.topic, message.payload, { qos: 1 }, (err) => this.acknowledged(message.id, message.created, err));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private acknowledged(id: number, created: number, err: Error | undefined): void {
    this.inflight.delete(id);
    if (err) {
      // The client is closing for good (reconnects keep their callbacks): the batch stays queued for the next start.
      this.logger.debug({ id, err: err.message }, 'batch not acknowledged; kept in the queue');
      return;
    }
    this.outbox.remove(id);
    this.metrics.published.inc();
    const waited = Date.now() - created;
    this.metrics.publishLatency.observe(waited / 1000);
    this.notePublishLag(waited, created);
    this.updateQueueGauges();
    this.pump();
  }

  /**
   * Publishing is overloaded when a batch queued on this connection (not a backlog from an outage) waited longer than
   * PUBLISH_LAG_MS: the queue grows on disk (counted in the queue metrics) instead of anything being dropped.
   */
  private notePublishLag(waited: number, created: number): void {
    if (!this.publishLagging && waited > PUBLISH_LAG_MS && created >= this.connectedAt) {
      this.publishLagging = true;
      this.metrics.publishLagging.set(1);
      this.logger.warn({ waitedMs: waited, ...this.outbox.depth() }, `publishing falls behind: a batch waited ${waited} ms for the broker's acknowledgement; the queue grows on disk`);
    } else if (this.publishLagging && waited < PUBLISH_LAG_MS / 10) {
      this.publishLagging = false;
      this.metrics.publishLagging.set(0);
      this.logger.info({ waitedMs: waited, ...this.outbox.depth() }, 'publishing keeps up again');
    }
  }

  private updateQueueGauges(): void {
    const depth = this.outbox.depth();
    this.metrics.queueMessages.set(depth.messages);
    this.metrics.queueBytes.set(depth.bytes);
  }

  /** The retained online status, naming every equipment this gateway serves (GatewayStatus.equipment). */
  private announceOnline(): void {
    const status: GatewayStatus = { gateway: this.config.gateway.id, state: 'online', equipment: [...this.births.keys()] };
    this.announce(this.statusTopic, JSON.stringify(status));
  }

  private publishDeviceState(equipment: string, state: DeviceState): void {
    this.announce(topics.state(this.config.gateway.site, equipment), JSON.stringify(state));
  }

  private publishBirth(equipment: string, birth: string): void {
    this.announce(topics.birth(this.config.gateway.site, equipment), birth);
  }

  /**
   * Publishes a retained status or birth and holds data back until the broker has acknowledged it. Brokers number
   * publishes, and aedes makes a subscriber drop one numbered below one it already got; a retained publish is
   * emitted only once stored, so a batch sent right behind a birth could overtake it and the birth never reach a
   * subscriber already listening (the API). aedes as patched here acknowledges only after emitting.
   */
  private announce(topic: string, payload: string): void {
    if (!this.client?.connected) return;
    const connection = this.connection;
    this.unacknowledgedAnnouncements++;
    this.client.publish(topic, payload, { qos: 1, retain: true }, () => {
      // A callback from an earlier connection does not count against this one's announcements.
      if (connection !== this.connection) return;
      this.unacknowledgedAnnouncements--;
      this.pump();
    });
  }

  private async publishStatusAsync(state: GatewayStatus['state']): Promise<void> {
    await this.client?.publishAsync(this.statusTopic, JSON.stringify({ gateway: this.config.gateway.id, state }), { qos: 1, retain: true });
  }
}
