import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, Variant,
  type StatusCode, type UAVariable,
} from 'node-opcua';
import { describeListenError } from '../../common/runtime/ports.js';
import { batchState, buildReactorAddressSpace, type ReactorNode } from './address-space.js';
import { initialReactorState, stepReactor, type ReactorState } from './model.js';

export { jacketGridNodeId, jacketZonesNodeId, jacketZoneTemperatures, JACKET_ZONES, REACTOR_NODES, REACTOR_SETPOINTS, reactorNodeId } from './address-space.js';

export type SimQuality = 'good' | 'uncertain' | 'bad';
export type ReactorVariable = ReactorNode['key'];

export interface ReactorOptions {
  port: number;
  /** Address to listen on and to advertise in the endpoint URL; 127.0.0.1 by default. */
  host?: string;
  /** PKI of the server (own certificate, trusted/rejected client certificates) lives under `dataDir/pki`. */
  dataDir: string;
  tickMs?: number;
  /** Security modes offered; all three by default, each with Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss. */
  securityModes?: ('None' | 'Sign' | 'SignAndEncrypt')[];
  /** Accepted user name / password pairs; none by default. */
  users?: { username: string; password: string }[];
  allowAnonymous?: boolean;
  /**
   * Puts R101 in a namespace of its own with this URI (index 2 or later) instead of the server's namespace 1, so
   * its index can move: see `reconnect({ namespacesBefore })`. `reactorNodeId` (ns=1) does not apply then; use `nsu=`.
   */
  namespaceUri?: string;
}

export interface ReactorSim {
  endpointUrl: string;
  /**
   * URI of the reactor's namespace: by default namespace 1, node-opcua's `urn:<os.hostname()>:NodeOPCUA-Server`, so
   * it differs per machine.
   */
  namespaceUri: string;
  host: string;
  port: number;
  /** The server's own certificate (PEM file), for tests that trust it on the client side. */
  certificateFile: string;
  state(): ReactorState;
  setSetpoint(key: 'temperatureSetpoint' | 'agitatorSetpoint' | 'dosingSetpoint', value: number): void;
  /** Open sessions with their channel security and user, to check what a client negotiated. */
  sessions(): { securityMode: string; securityPolicy: string; user: string | undefined }[];
  /** Fault: shuts the endpoint down, as a PLC that is switched off or unplugged. */
  disconnect(): Promise<void>;
  /**
   * Brings the endpoint back on the same port with the same certificate (a fresh server: sessions are gone).
   * `namespacesBefore`: URIs registered before the reactor's own `namespaceUri`, moving its index as an updated server may.
   */
  reconnect(options?: { namespacesBefore?: string[] }): Promise<void>;
  /** Fault: a frozen value stops changing (and keeps its old source timestamp) until unfrozen. */
  freeze(variable: ReactorVariable, frozen: boolean): void;
  /** The recipe phase the control system reports as BatchState (charge, heat, ...); `undefined`: idle/dosing/reacting from the process. */
  setPhase(phase: string | undefined): void;
  /** Fault: pins a value (e.g. an out-of-range spike) until cleared with `undefined`. */
  override(variable: ReactorVariable, value: number | boolean | string | undefined): void;
  /** Fault: publishes the variable with an Uncertain or Bad status code (sensor failure) until set back to good. */
  setStatus(variable: ReactorVariable, quality: SimQuality): void;
  stop(): Promise<void>;
}

const STATUS: Record<SimQuality, StatusCode> = {
  good: StatusCodes.Good,
  uncertain: StatusCodes.UncertainSensorNotAccurate,
  bad: StatusCodes.BadSensorFailure,
};

const MODES: Record<string, MessageSecurityMode> = {
  None: MessageSecurityMode.None, Sign: MessageSecurityMode.Sign, SignAndEncrypt: MessageSecurityMode.SignAndEncrypt,
};

/** Starts the simulated jacketed batch reactor R-101 as an OPC UA server (node-opcua). */
export async function startReactor(options: ReactorOptions): Promise<ReactorSim> {
  const host = options.host ?? '127.0.0.1';
  const tickMs = options.tickMs ?? 100;
  const pkiDir = join(options.dataDir, 'pki');
  mkdirSync(pkiDir, { recursive: true });
  let state = initialReactorState();
  const frozen = new Set<ReactorVariable>();
  const overrides = new Map<ReactorVariable, number | boolean | string>();
  let phase: string | undefined;
  const statuses = new Map<ReactorVariable, SimQuality>();
  let variables = new Map<ReactorVariable, UAVariable>();
  let server: OPCUAServer | undefined;

  const valueOf = (key: ReactorVariable): Variant => {
    const value = overrides.get(key) ?? (key === 'batchState' ? phase ?? batchState(state) : state[key]);
    const dataType = typeof value === 'boolean' ? DataType.Boolean : typeof value === 'string' ? DataType.String : DataType.Double;
    return new Variant({ dataType, value });
  };
  const publish = () => {
    const now = new Date();
    for (const [key, variable] of variables) {
      if (!frozen.has(key)) variable.setValueFromSource(valueOf(key), STATUS[statuses.get(key) ?? 'good'], now);
    }
  };

  const startServer = async (namespacesBefore: string[] = []) => {
    const policies = [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss];
    const users = options.users ?? [];
    // The simulator stands in for equipment on a test bench: it trusts any gateway certificate it sees.
    const serverCertificateManager = new OPCUACertificateManager({ rootFolder: join(pkiDir, 'server'), automaticallyAcceptUnknownCertificate: true });
    const userCertificateManager = new OPCUACertificateManager({ rootFolder: join(pkiDir, 'user'), automaticallyAcceptUnknownCertificate: true });
    const candidate = new OPCUAServer({
      port: options.port, host, hostname: host, alternateHostname: [host],
      serverCertificateManager, userCertificateManager,
      securityModes: (options.securityModes ?? ['None', 'Sign', 'SignAndEncrypt']).map((m) => MODES[m]!),
      securityPolicies: policies,
      allowAnonymous: options.allowAnonymous ?? true,
      userManager: { isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password) },
      buildInfo: { productName: 'pilothub reactor simulator', manufacturerName: 'pilothub', softwareVersion: '1.0.0' },
      serverInfo: { applicationName: { text: 'pilothub reactor R-101' } },
      isAuditing: false,
    });
    await candidate.initialize();
    const addressSpace = candidate.engine.addressSpace!;
    for (const uri of namespacesBefore) addressSpace.registerNamespace(uri);
    const namespace = options.namespaceUri ? addressSpace.registerNamespace(options.namespaceUri) : addressSpace.getOwnNamespace();
    variables = buildReactorAddressSpace(namespace, addressSpace.rootFolder.objects, () => state, (key, value) => { state = { ...state, [key]: value }; });
    publish();
    try {
      await candidate.start();
    } catch (err) {
      await candidate.shutdown(0).catch(() => undefined);
      throw describeListenError(err, 'reactor simulator', host, options.port);
    }
    server = candidate;
    return candidate;
  };

  const first = await startServer();
  const certificateFile = join(pkiDir, 'server', 'own', 'certs', 'certificate.pem');
  const timer = setInterval(() => { state = stepReactor(state, tickMs / 1000); publish(); }, tickMs);
  timer.unref();

  const shutdown = async () => {
    const running = server;
    server = undefined;
    variables = new Map();
    if (running) await running.shutdown(0);
  };

  return {
    endpointUrl: first.getEndpointUrl() || `opc.tcp://${host}:${options.port}`,
    namespaceUri: options.namespaceUri ?? first.engine.addressSpace!.getOwnNamespace().namespaceUri,
    host,
    port: options.port,
    certificateFile,
    state: () => state,
    setSetpoint: (key, value) => { state = { ...state, [key]: value }; },
    setPhase: (next) => { phase = next; publish(); },
    sessions: () => (server?.engine.getSessions() ?? []).map((session) => ({
      securityMode: MessageSecurityMode[session.channel?.securityMode ?? MessageSecurityMode.Invalid] ?? 'Invalid',
      securityPolicy: String(session.channel?.securityPolicy ?? '').split('#').pop() ?? '',
      user: (session.userIdentityToken as { userName?: string } | undefined)?.userName ?? undefined,
    })),
    disconnect: shutdown,
    reconnect: async (again = {}) => { if (!server) await startServer(again.namespacesBefore); },
    freeze: (variable, isFrozen) => { if (isFrozen) frozen.add(variable); else frozen.delete(variable); },
    override: (variable, value) => {
      if (value === undefined) overrides.delete(variable);
      else overrides.set(variable, value);
      publish();
    },
    setStatus: (variable, quality) => { statuses.set(variable, quality); publish(); },
    stop: async () => { clearInterval(timer); await shutdown(); },
  };
}
