import type { ClientSession, ClientSubscription, OPCUAClient } from 'node-opcua';
import type { ParameterMeta, Reading } from '../../../common/contracts/index.js';
import type { DeviceDriver, DriverContext, DriverModule } from '../driver.js';
import { OpcuaDevice, type OpcuaParameter } from './config.js';
import { loadOpcua, monitorParameters, overflowedValues, readParameters, type Opcua } from './monitoring.js';
import { resolveNodes, type ResolvedNode } from './nodes.js';
import { createClient, createSubscription, openSession, sleep } from './session.js';
import { acquireCertificateManager, checkServerCertificate, pkiFolder, releaseCertificateManager, UntrustedServerCertificateError } from './pki.js';
import { TimeOrder, toReading, type DataValueLike } from './values.js';

type LinkState = 'connecting' | 'up' | 'down';

/**
 * One OPC UA server. node-opcua's client does keep-alive, reconnection with backoff and session and
 * subscription recovery (`connectionStrategy`, `session_restored`); this class maps its events to the
 * published quality, batches data-change notifications and retries what the client does not
 * (a refused certificate or user, a failed session).
 */
class OpcuaDriver implements DeviceDriver {
  private link: LinkState = 'connecting';
  private stopped = false;
  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private running: Promise<void> | undefined;
  private badTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimers: NodeJS.Timeout[] = [];
  private pending: Reading[] = [];
  private readonly order = new TimeOrder();
  /** Each parameter's node on the connected server (nsu= resolved); a refused parameter has none. */
  private nodes = new Map<string, ResolvedNode>();
  private nodesSignature = '';
  /** Parameters the server refused (unknown node or namespace, array without indexRange, bad filter), with the reason: bad while the link is up. */
  private refused = new Map<string, string>();
  /** Parameters whose last value could not be converted: a part fault until a value converts again. */
  private readonly unconvertible = new Set<string>();
  /** What was last reported to the gateway as the device's problem (null: nothing reported yet); cleared when data flows. */
  private deviceProblem: string | undefined | null = null;
  /** Problems already logged, so a long outage does not flood the log. */
  private readonly reported = new Set<string>();
  private readonly pki: string;

  constructor(private readonly device: OpcuaDevice, private readonly ctx: DriverContext) {
    this.pki = pkiFolder(ctx.dataDir);
  }

  async start(): Promise<void> {
    this.ctx.logger.info({ endpointUrl: this.device.endpointUrl, securityMode: this.device.securityMode, parameters: this.device.parameters.length }, 'opcua driver starting');
    this.badTimer = setInterval(() => this.emitBad(), this.device.publishingIntervalMs);
    this.heartbeatTimer = setInterval(() => this.repeatValues(), this.device.heartbeatIntervalMs);
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.badTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimers.forEach(clearInterval);
    await this.closeClient();
    await this.running;
  }

  /** Connects until it succeeds or the driver stops; node-opcua takes over reconnection from then on. */
  private async run(): Promise<void> {
    const opcua = await loadOpcua();
    const certificateManager = await acquireCertificateManager(opcua, this.pki);
    try {
      const { initialDelayMs, maxDelayMs } = this.device.reconnect;
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.connect(opcua, certificateManager);
          return;
        } catch (err) {
          if (this.stopped) return;
          this.setLink('down', err as Error);
          await this.closeClient();
          await sleep(Math.min(maxDelayMs, initialDelayMs * 2 ** attempt), () => this.stopped);
        }
      }
    } finally {
      if (this.stopped) await releaseCertificateManager(this.pki);
    }
  }

  private async connect(opcua: Opcua, certificateManager: Awaited<ReturnType<typeof acquireCertificateManager>>): Promise<void> {
    const d = this.device;
    if (d.securityMode !== 'None') await checkServerCertificate(opcua, certificateManager, this.pki, d.endpointUrl, d.requestTimeoutMs);
    if (this.stopped) return;
    const client = createClient(opcua, d, certificateManager);
    this.client = client;
    client.on('backoff', (count, delay) => {
      this.setLink('down', new Error(`no answer from ${d.endpointUrl}`));
      this.ctx.logger.debug({ attempt: count, delayMs: delay }, 'opcua connection attempt failed; retrying');
    });
    client.on('connection_lost', () => this.setLink('down', new Error(`no answer from ${d.endpointUrl} (connection lost)`)));
    client.on('connection_reestablished', () => this.ctx.logger.info({ endpointUrl: d.endpointUrl }, 'opcua secure channel re-established; restoring session'));
    await client.connect(d.endpointUrl);
    if (this.stopped) return;

    const session = await openSession(opcua, client, d);
    this.session = session;
    // node-opcua 2.182 folds a session the server closed (BadSessionClosed, BadSessionIdInvalid) into this one event
    // (client_session_keepalive_manager.js) and emits session_closed only for closes the client makes itself.
    session.on('keepalive_failure', () => this.setLink('down', new Error(`no answer from ${d.endpointUrl} (keep-alive failed: link lost or session closed by server)`)));
    session.on('session_restored', () => void this.restored());
    await this.subscribe(opcua, session);
    this.startPolling();
    this.setLink('up');
    await this.refresh();
  }

  /** Resolves the nodes for this server, then monitors the subscribed parameters in a new subscription. */
  private async subscribe(opcua: Opcua, session: ClientSession): Promise<void> {
    const d = this.device;
    const resolution = await resolveNodes(opcua, session, d.parameters);
    this.nodes = resolution.nodes;
    this.nodesSignature = resolution.signature;
    const refused = resolution.refused;
    const subscribed = d.parameters.filter((p) => !p.poll && this.nodes.has(p.id));
    if (subscribed.length === 0) return this.setRefused(refused);
    const subscription = await createSubscription(session, d);
    this.subscription = subscription;
    // Each publish response (keep-alives too) tells whether the server had to discard samples: overload is never silent.
    // The revised publishing interval is an OPC UA Duration (a double); the device state carries whole milliseconds.
    subscription.on('raw_notification', (message) => this.ctx.metrics?.published?.(Math.round(subscription.publishingInterval), overflowedValues(message)));
    refused.push(...await monitorParameters(opcua, subscription, subscribed, this.nodes, d, (p, dv) => this.onValue(p, dv), this.ctx.logger));
    this.setRefused(refused);
  }

  /**
   * After node-opcua repaired the session (and recreated the subscription on a restarted server). A restarted
   * server may have given a namespace URI another index, or may know other nodes: then the nodes are resolved
   * again and monitored anew.
   */
  private async restored(): Promise<void> {
    const session = this.session;
    if (!session || this.stopped) return;
    try {
      const opcua = await loadOpcua();
      const { signature } = await resolveNodes(opcua, session, this.device.parameters);
      if (signature !== this.nodesSignature) {
        this.ctx.logger.info({ endpointUrl: this.device.endpointUrl }, `opcua device "${this.device.id}" resolves its nodes differently since the reconnect; monitoring them anew`);
        const old = this.subscription;
        this.subscription = undefined;
        await old?.terminate().catch(() => undefined);
        await this.subscribe(opcua, session);
      }
    } catch (err) {
      this.ctx.logger.warn({ endpointUrl: this.device.endpointUrl, err: (err as Error).message }, `opcua device "${this.device.id}": checking its nodes after the reconnect failed`);
    }
    this.setLink('up');
    await this.refresh();
  }

  /**
   * Reads every parameter once and publishes each value again as a repeat stamped now: values that did not change
   * during an outage would otherwise stay "bad", and a steady value would show only at its old source time.
   */
  private async refresh(): Promise<void> {
    await this.pollOnce(this.device.parameters);
    this.flush();
    this.repeatValues();
  }

  /** The heartbeat (and birth) repeat of every readable parameter's last value, while the server answers. */
  private repeatValues(): void {
    if (this.stopped || this.link !== 'up') return;
    const ids = this.readable(this.device.parameters).map((p) => p.id);
    const readings = this.order.repeats(ids, Date.now());
    if (readings.length) this.ctx.emit(readings);
  }

  private startPolling(): void {
    const groups = new Map<number, OpcuaParameter[]>();
    for (const p of this.device.parameters.filter((x) => x.poll)) {
      const interval = p.pollIntervalMs ?? this.device.publishingIntervalMs;
      groups.set(interval, [...(groups.get(interval) ?? []), p]);
    }
    for (const [interval, parameters] of groups) {
      this.pollTimers.push(setInterval(() => { if (this.link === 'up') void this.pollOnce(parameters); }, interval));
    }
  }

  /** The parameters whose node this server has and accepted: a refused node stays out of Read requests. */
  private readable(parameters: OpcuaParameter[]): OpcuaParameter[] {
    return parameters.filter((p) => this.nodes.has(p.id) && !this.refused.has(p.id));
  }

  private async pollOnce(all: OpcuaParameter[]): Promise<void> {
    const session = this.session;
    const parameters = this.readable(all);
    if (!session || parameters.length === 0 || this.stopped) return;
    try {
      const values = await readParameters(await loadOpcua(), session, parameters, this.nodes);
      parameters.forEach((p, i) => this.onValue(p, values[i]!));
    } catch (err) {
      // While the link is down the outage is already reported and the parameters published as bad.
      if (this.link === 'up') this.ctx.logger.warn({ err: (err as Error).message }, `opcua read failed: device "${this.device.id}" ${this.device.endpointUrl}`);
    }
  }

  /** Collects the notifications of one publish response (delivered synchronously) into one emit. */
  private onValue(p: OpcuaParameter, dv: DataValueLike): void {
    if (this.stopped) return;
    const { reading, error } = toReading(p.id, dv, p.datatype, Date.now(), p.indexRange !== undefined);
    if (error) {
      this.reportOnce(`value:${p.id}`, 'warn', `parameter "${p.id}" node ${p.nodeId}: ${error}`);
      this.unconvertible.add(p.id);
      this.ctx.health?.part(partOf(p), error);
    } else if (this.unconvertible.delete(p.id)) this.ctx.health?.part(partOf(p), undefined);
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(reading);
  }

  private flush(): void {
    const now = Date.now();
    const readings = this.pending.flatMap((r) => this.order.admit(r, now) ?? []);
    this.pending = [];
    if (readings.length === 0 || this.stopped) return;
    this.ctx.emit(readings);
    // Data from the server is the evidence that the device answers (design habit 10), not the open connection.
    if (this.link === 'up' && this.deviceProblem !== undefined) {
      this.deviceProblem = undefined;
      this.ctx.health?.device(undefined);
    }
  }

  private emitBad(): void {
    if (this.stopped || this.link === 'connecting') return;
    const parameters = this.link === 'down' ? this.device.parameters : this.device.parameters.filter((p) => this.refused.has(p.id));
    if (parameters.length === 0) return;
    const now = Date.now();
    const readings = parameters.flatMap((p) => this.order.admit({ p: p.id, v: null, t: now, q: 'bad' }, now) ?? []);
    if (readings.length) this.ctx.emit(readings);
  }

  private setLink(link: LinkState, err?: Error): void {
    if (this.stopped || link === this.link && !err) return;
    const previous = this.link;
    this.link = link;
    if (link === 'up') {
      if (previous === 'down') this.ctx.logger.info({ endpointUrl: this.device.endpointUrl }, `opcua device "${this.device.id}" is back; data resumes`);
      this.reported.clear();
      return;
    }
    if (link === 'down') {
      const reason = err?.message ?? 'unavailable';
      if (reason !== this.deviceProblem) this.ctx.health?.device((this.deviceProblem = reason));
      this.reportOnce(reason, err instanceof UntrustedServerCertificateError ? 'error' : 'warn', `opcua device "${this.device.id}" at ${this.device.endpointUrl} unavailable: ${reason}; parameters are bad until it is back`);
      if (previous !== 'down') this.emitBad();
    }
  }

  /** Logs and reports each newly refused parameter as a part fault, and clears those accepted again. */
  private setRefused(refused: { parameter: OpcuaParameter; reason: string }[]): void {
    const next = new Map(refused.map(({ parameter, reason }) => [parameter.id, reason]));
    for (const p of this.device.parameters) {
      const reason = next.get(p.id);
      if (reason === this.refused.get(p.id)) continue;
      if (reason) this.ctx.logger.error({ parameter: p.id, nodeId: p.nodeId, reason }, `opcua device "${this.device.id}" refused parameter "${p.id}" (node ${p.nodeId}): ${reason}; it is published as bad`);
      else this.ctx.logger.info({ parameter: p.id, nodeId: p.nodeId }, `opcua device "${this.device.id}" accepts parameter "${p.id}" (node ${p.nodeId}) again`);
      this.ctx.health?.part(partOf(p), reason);
    }
    this.refused = next;
  }

  private reportOnce(key: string, level: 'warn' | 'error', message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.ctx.logger[level]({ endpointUrl: this.device.endpointUrl }, message);
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.session = undefined;
    this.subscription = undefined;
    if (client) await client.disconnect().catch(() => undefined);
  }
}

/** The part a node fault is reported for: the node as configured, and the element when the parameter reads one. */
const partOf = (p: OpcuaParameter) => `node ${p.nodeId}${p.indexRange === undefined ? '' : ` index ${p.indexRange}`}`;

export const opcuaDriver: DriverModule<typeof OpcuaDevice> = {
  protocol: 'opcua',
  deviceSchema: OpcuaDevice,
  describe: (device): ParameterMeta[] => device.parameters.map((p) => ({
    id: p.id, name: p.name, unit: p.unit, range: p.range, description: p.description, datatype: p.datatype,
    acquisition: p.poll
      ? { mode: 'poll', intervalMs: p.pollIntervalMs ?? device.publishingIntervalMs }
      : { mode: 'subscription', intervalMs: p.samplingIntervalMs ?? device.samplingIntervalMs, deadband: p.deadband, repeatMs: device.heartbeatIntervalMs },
  })),
  create: (device, context) => new OpcuaDriver(device, context),
};
