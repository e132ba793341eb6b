import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../../common/runtime/mqtt-client.js';
import { subscribeOnEveryConnect, type Subscription } from '../../common/runtime/mqtt-subscribe.js';
import { Birth, DeviceState, GatewayStatus, parseTopic, ReadingBatch, topicFilters, type DeviceFault, type Quality, type ReadingValue } from '../../common/contracts/index.js';
import type { Logger } from '../../common/runtime/logger.js';

export interface LiveValue { v: ReadingValue | null; t: number; q: Quality }

export interface EquipmentEntry {
  id: string;
  site: string;
  birth: Birth;
  /** Time of the newest good reading: bad readings show the device is not answering, not that it is alive. */
  lastSeen: number | undefined;
  values: Map<string, LiveValue>;
}

/** Whether the hub hears the equipment now, and if not, why and since when. */
/** Why equipment is offline, for the catalogs (`offline.*`): the reader's language, whatever `reason` says. */
export type OfflineCause =
  | { code: 'gateway_offline' | 'gateway_not_connected'; gateway: string }
  | { code: 'device_unreachable' | 'no_reading_yet' | 'not_announced' }
  | { code: 'stale'; seconds: number };

export interface Availability {
  online: boolean;
  /** The evidence in English, for logs and the API's `reason` (a device's own words come from its gateway). */
  reason?: string;
  cause?: OfflineCause;
  since?: number;
  faults: DeviceFault[];
}

/** Time after subscribing within which the broker has delivered its retained messages (on loopback: milliseconds). */
const RETAINED_SETTLE_MS = 2000;

/** Readings older than this (wall clock: readings carry their source time) say nothing about now. */
export const STALE_AFTER_MS = 30_000;

/**
 * What the API knows live from the broker: births (retained, so a fresh subscriber gets them all),
 * gateway status (retained, with the offline LWT) and the latest value of every parameter.
 */
export class EquipmentRegistry {
  private readonly equipment = new Map<string, EquipmentEntry>();
  private readonly gatewayState = new Map<string, { state: GatewayStatus['state']; since: number; equipment?: Set<string> }>();
  /** Keyed by site/equipment: retained states may arrive before the birth they belong to. */
  private readonly deviceStates = new Map<string, DeviceState>();
  private client: MqttClient | undefined;
  private subscribedAt: number | undefined;
  private subscription: Subscription | undefined;
  private readonly listeners = new Set<(equipmentId: string) => void>();

  constructor(private readonly logger: Logger, private readonly retainedSettleMs = RETAINED_SETTLE_MS) {}

  async connect(url: string, credentials: { username?: string; password?: string } = {}): Promise<void> {
    const client = connectMqtt(url, { clientId: `pilothub-api-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: true, ...credentials });
    this.client = client;
    client.on('message', (topic, payload) => this.handle(topic, payload));
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'api mqtt error'));
    // The settle window starts at a SUBACK: retained states come after it, not after a connect that lost its SUBSCRIBE.
    client.on('close', () => { this.subscribedAt = undefined; });
    const filters = [topicFilters.allBirths, topicFilters.allDeviceStates, topicFilters.allStatus, topicFilters.allData];
    this.subscription = subscribeOnEveryConnect(client, filters, { qos: 0, account: 'API', logger: this.logger, onSubscribed: () => { this.subscribedAt = Date.now(); } });
    await this.subscription.ready;
  }

  /** Why the API holds no subscription while connected (the broker refused it after the start), if it does not. */
  get subscriptionProblem(): string | undefined {
    return this.subscription?.problem();
  }

  get brokerConnected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * Connected, and long enough subscribed for the retained births, states and gateway statuses to have arrived:
   * before that an absent status means "not heard yet", not "offline".
   */
  get settled(): boolean {
    return this.brokerConnected && this.subscribedAt !== undefined && Date.now() - this.subscribedAt >= this.retainedSettleMs;
  }

  list(): EquipmentEntry[] {
    return [...this.equipment.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): EquipmentEntry | undefined {
    return this.equipment.get(id);
  }

  /** Availability of an equipment id, including one no gateway announces (never announced, or its birth cleared). */
  availabilityOf(id: string, now = Date.now()): Availability {
    const entry = this.equipment.get(id);
    return entry ? this.availability(entry, now) : { online: false, reason: 'no gateway announces it', cause: { code: 'not_announced' }, faults: [] };
  }

  isOnline(entry: EquipmentEntry, now = Date.now()): boolean {
    return this.availability(entry, now).online;
  }

  /**
   * Online means evidence, not a connection (design habit 10): the gateway is connected, it reaches the device,
   * and a good reading arrived within STALE_AFTER_MS. Each way of failing names its reason and since when.
   */
  availability(entry: EquipmentEntry, now = Date.now()): Availability {
    const gateway = this.gatewayState.get(`${entry.site}/${entry.birth.gateway}`);
    const device = this.deviceStates.get(`${entry.site}/${entry.id}`);
    const faults = device?.gateway === entry.birth.gateway ? device.faults : [];
    if (gateway?.state !== 'online') {
      return {
        online: false, reason: `gateway "${entry.birth.gateway}" is ${gateway ? 'offline' : 'not connected'}`,
        cause: { code: gateway ? 'gateway_offline' : 'gateway_not_connected', gateway: entry.birth.gateway }, since: gateway?.since ?? entry.lastSeen, faults,
      };
    }
    const vouched = device?.gateway === entry.birth.gateway;
    if (vouched && device.state === 'unreachable') return { online: false, reason: device.reason, cause: { code: 'device_unreachable' }, since: device.since, faults };
    // Nothing read since this API started: the gateway's retained state saying the device answers is the evidence.
    if (entry.lastSeen === undefined) return vouched ? { online: true, faults } : { online: false, reason: 'no good reading received yet', cause: { code: 'no_reading_yet' }, faults };
    const staleAfter = this.staleAfterMs(entry);
    if (now - entry.lastSeen > staleAfter) {
      const seconds = Math.round(staleAfter / 1000);
      return { online: false, reason: `no good reading for more than ${seconds} s`, cause: { code: 'stale', seconds }, since: entry.lastSeen, faults };
    }
    return { online: true, faults };
  }

  /**
   * How long silence may last before the data says nothing about now: STALE_AFTER_MS, or longer for equipment polled
   * slowly or reporting by subscription (an unchanged value is repeated only every repeatMs), by 2.5 of its interval.
   */
  staleAfterMs(entry: EquipmentEntry): number {
    const slowest = Math.max(0, ...entry.birth.parameters.map((p) => (p.acquisition?.mode === 'subscription' ? p.acquisition.repeatMs ?? 0 : p.acquisition?.intervalMs ?? 0)));
    return Math.max(STALE_AFTER_MS, 2.5 * slowest);
  }

  /** Called with the equipment id whenever its values, birth or gateway state change. */
  onChange(listener: (equipmentId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
  }

  private handle(topicName: string, payload: Buffer): void {
    const topic = parseTopic(topicName);
    if ('error' in topic) return;
    // An empty retained message clears the topic: the gateway no longer has that device.
    if (payload.length === 0) return this.forget(topic);
    let json: unknown;
    try { json = JSON.parse(payload.toString('utf8')); } catch { return; }
    if (topic.kind === 'birth') {
      const birth = Birth.safeParse(json);
      if (!birth.success) return void this.logger.warn({ topic: topicName }, 'ignoring invalid birth');
      // A retained birth its gateway no longer lists: a device removed while the birth could not be cleared.
      if (this.gatewayState.get(`${topic.site}/${birth.data.gateway}`)?.equipment?.has(topic.equipment) === false) return;
      const previous = this.equipment.get(topic.equipment);
      if (previous && previous.site !== topic.site) this.logger.warn({ equipmentId: topic.equipment, sites: [previous.site, topic.site] }, 'equipment id used on two sites; the newer birth wins');
      this.equipment.set(topic.equipment, { id: topic.equipment, site: topic.site, birth: birth.data, lastSeen: previous?.lastSeen, values: previous?.values ?? new Map() });
      this.notify(topic.equipment);
    } else if (topic.kind === 'status') {
      const status = GatewayStatus.safeParse(json);
      if (!status.success) return;
      const key = `${topic.site}/${topic.gateway}`;
      const before = this.gatewayState.get(key);
      // The offline will lists nothing: what the gateway served while online stays known.
      const equipment = status.data.equipment ? new Set(status.data.equipment) : before?.equipment;
      this.gatewayState.set(key, { state: status.data.state, since: before?.state === status.data.state ? before.since : Date.now(), equipment });
      for (const e of [...this.equipment.values()]) {
        if (e.site !== topic.site || e.birth.gateway !== topic.gateway) continue;
        if (equipment && !equipment.has(e.id)) {
          this.equipment.delete(e.id);
          this.deviceStates.delete(`${e.site}/${e.id}`);
        }
        this.notify(e.id);
      }
    } else if (topic.kind === 'state') {
      const state = DeviceState.safeParse(json);
      if (!state.success) return void this.logger.warn({ topic: topicName }, 'ignoring invalid device state');
      this.deviceStates.set(`${topic.site}/${topic.equipment}`, state.data);
      if (this.equipment.has(topic.equipment)) this.notify(topic.equipment);
    } else {
      const entry = this.equipment.get(topic.equipment);
      const batch = ReadingBatch.safeParse(json);
      if (!entry || !batch.success) return;
      for (const r of batch.data.readings) {
        const current = entry.values.get(r.p);
        if (!current || current.t <= r.t) entry.values.set(r.p, { v: r.v, t: r.t, q: r.q ?? 'good' });
        if (r.q === undefined || r.q === 'good') entry.lastSeen = Math.max(entry.lastSeen ?? 0, r.t);
      }
      this.notify(topic.equipment);
    }
  }

  private forget(topic: Exclude<ReturnType<typeof parseTopic>, { error: string }>): void {
    if (topic.kind === 'state') this.deviceStates.delete(`${topic.site}/${topic.equipment}`);
    else if (topic.kind === 'birth' && this.equipment.get(topic.equipment)?.site === topic.site) {
      this.equipment.delete(topic.equipment);
      this.notify(topic.equipment);
    }
  }

  private notify(equipmentId: string): void {
    for (const listener of this.listeners) listener(equipmentId);
  }
}
