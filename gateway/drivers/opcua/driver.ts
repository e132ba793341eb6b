import type { ClientSession, ClientSubscription, OPCUAClient } from 'node-opcua';
import type { ParameterMeta, Reading } from '../../../common/contracts/index.js';
import type { DeviceDriver, DriverContext, DriverModule } from '../driver.js';
import { OpcuaDevice, type OpcuaParameter } from './config.js';
import { loadOpcua, monitorParameters, readParameters, type Opcua } from './monitoring.js';
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
  private pollTimers: NodeJS.Timeout[] = [];
  private pending: Reading[] = [];
  private readonly order = new TimeOrder();
  /** Parameters the server refused to monitor or read (unknown node, bad filter): bad while the link is up. */
  private readonly refused = new Set<string>();
  /** Problems already logged, so a long outage does not flood the log. */
  private readonly reported = new Set<string>();
  private readonly pki: string;

  constructor(private readonly device: OpcuaDevice, private readonly ctx: DriverContext) {
    this.pki = pkiFolder(ctx.dataDir);
  }

  async start(): Promise<void> {
    this.ctx.logger.info({ endpointUrl: this.device.endpointUrl, securityMode: this.device.securityMode, parameters: this.device.parameters.length }, 'opcua driver starting');
    this.badTimer = setInterval(() => this.emitBad(), this.device.publishingIntervalMs);
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.badTimer);
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
    const client = opcua.OPCUAClient.create({
      applicationName: 'pilothub-gateway',
      clientCertificateManager: certificateManager,
      securityMode: opcua.MessageSecurityMode[d.securityMode],
      securityPolicy: d.securityMode === 'None' ? opcua.SecurityPolicy.None : opcua.SecurityPolicy[d.securityPolicy],
      endpointMustExist: false,
      keepSessionAlive: true,
      keepAliveInterval: d.keepAliveIntervalMs,
      requestedSessionTimeout: d.sessionTimeoutMs,
      defaultTransactionTimeout: d.requestTimeoutMs,
      connectionStrategy: { maxRetry: -1, initialDelay: d.reconnect.initialDelayMs, maxDelay: d.reconnect.maxDelayMs, randomisationFactor: 0.1 },
    });
    this.client = client;
    client.on('backoff', (count, delay) => {
      this.setLink('down', new Error(`cannot reach ${d.endpointUrl}`));
      this.ctx.logger.debug({ attempt: count, delayMs: delay }, 'opcua connection attempt failed; retrying');
    });
    client.on('connection_lost', () => this.setLink('down', new Error('connection lost')));
    client.on('connection_reestablished', () => this.ctx.logger.info({ endpointUrl: d.endpointUrl }, 'opcua secure channel re-established; restoring session'));
    await client.connect(d.endpointUrl);
    if (this.stopped) return;

    const identity = d.auth.type === 'username'
      ? { type: opcua.UserTokenType.UserName, userName: d.auth.username, password: d.auth.password } as const
      : { type: opcua.UserTokenType.Anonymous } as const;
    const session = await client.createSession(identity).catch((err: Error) => {
      if (!/BadUserAccessDenied|BadIdentityToken/.test(err.message)) throw err;
      const who = d.auth.type === 'username' ? `user "${d.auth.username}"` : 'anonymous access';
      throw new Error(`the server refused ${who} (${err.message}); check auth in the device config`);
    });
    this.session = session;
    session.on('keepalive_failure', () => this.setLink('down', new Error('session keep-alive failed')));
    session.on('session_restored', () => void this.restored());

    const subscription = await session.createSubscription2({
      requestedPublishingInterval: d.publishingIntervalMs,
      // Part 4 §5.13.1.1: the server sends a keep-alive after maxKeepAliveCount empty cycles and drops the
      // subscription after lifetimeCount of them without a Publish request (at least 3 x keep-alive).
      requestedMaxKeepAliveCount: Math.max(2, Math.ceil(d.keepAliveIntervalMs / d.publishingIntervalMs)),
      requestedLifetimeCount: Math.max(10, Math.ceil((6 * d.keepAliveIntervalMs) / d.publishingIntervalMs)),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    this.subscription = subscription;
    const subscribed = d.parameters.filter((p) => !p.poll);
    const failures = await monitorParameters(opcua, subscription, subscribed, d, (p, dv) => this.onValue(p, dv));
    for (const { parameter, reason } of failures) this.refuse(parameter, reason);
    this.startPolling();
    this.setLink('up');
  }

  /** After node-opcua repaired the session (and recreated subscriptions on a restarted server). */
  private async restored(): Promise<void> {
    this.setLink('up');
    // Values that did not change during the outage would otherwise stay "bad" until they change.
    await this.pollOnce(this.device.parameters.filter((p) => !this.refused.has(p.id)));
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

  private async pollOnce(parameters: OpcuaParameter[]): Promise<void> {
    const session = this.session;
    if (!session || parameters.length === 0 || this.stopped) return;
    try {
      const values = await readParameters(await loadOpcua(), session, parameters);
      parameters.forEach((p, i) => this.onValue(p, values[i]!));
    } catch (err) {
      // While the link is down the outage is already reported and the parameters published as bad.
      if (this.link === 'up') this.ctx.logger.warn({ err: (err as Error).message }, `opcua read failed: device "${this.device.id}" ${this.device.endpointUrl}`);
    }
  }

  /** Collects the notifications of one publish response (delivered synchronously) into one emit. */
  private onValue(p: OpcuaParameter, dv: DataValueLike): void {
    if (this.stopped) return;
    const { reading, error } = toReading(p.id, dv, p.datatype, Date.now());
    if (error) this.reportOnce(`value:${p.id}`, 'warn', `parameter "${p.id}" node ${p.nodeId}: ${error}`);
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(reading);
  }

  private flush(): void {
    const now = Date.now();
    const readings = this.pending.flatMap((r) => this.order.admit(r, now) ?? []);
    this.pending = [];
    if (readings.length && !this.stopped) this.ctx.emit(readings);
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
      this.reportOnce(reason, err instanceof UntrustedServerCertificateError ? 'error' : 'warn', `opcua device "${this.device.id}" at ${this.device.endpointUrl} unavailable: ${reason}; parameters are bad until it is back`);
      if (previous !== 'down') this.emitBad();
    }
  }

  private refuse(p: OpcuaParameter, reason: string): void {
    this.refused.add(p.id);
    this.ctx.logger.error({ parameter: p.id, nodeId: p.nodeId, reason }, `opcua device "${this.device.id}" refused parameter "${p.id}" (node ${p.nodeId}): ${reason}; it is published as bad`);
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

function sleep(ms: number, cancelled: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (cancelled() || Date.now() - started >= ms) {
        clearInterval(tick);
        resolve();
      }
    }, Math.min(ms, 100));
  });
}

export const opcuaDriver: DriverModule<typeof OpcuaDevice> = {
  protocol: 'opcua',
  deviceSchema: OpcuaDevice,
  describe: (device): ParameterMeta[] => device.parameters.map((p) => ({
    id: p.id, name: p.name, unit: p.unit, range: p.range, description: p.description, datatype: p.datatype,
    acquisition: p.poll
      ? { mode: 'poll', intervalMs: p.pollIntervalMs ?? device.publishingIntervalMs }
      : { mode: 'subscription', intervalMs: p.samplingIntervalMs ?? device.samplingIntervalMs, deadband: p.deadband },
  })),
  create: (device, context) => new OpcuaDriver(device, context),
};
