import type { ClientSession, ClientSubscription, OPCUACertificateManager, OPCUAClient } from 'node-opcua';
import type { OpcuaDevice } from './config.js';
import type { Opcua } from './monitoring.js';

/** The client for one device: node-opcua does keep-alive, reconnection with the device's backoff and session repair. */
export function createClient(opcua: Opcua, d: OpcuaDevice, certificateManager: OPCUACertificateManager): OPCUAClient {
  return opcua.OPCUAClient.create({
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
}

/** A session with the device's identity; a refused identity says which one and where to fix it. */
export async function openSession(opcua: Opcua, client: OPCUAClient, d: OpcuaDevice): Promise<ClientSession> {
  const identity = d.auth.type === 'username'
    ? { type: opcua.UserTokenType.UserName, userName: d.auth.username, password: d.auth.password } as const
    : { type: opcua.UserTokenType.Anonymous } as const;
  return client.createSession(identity).catch((err: Error) => {
    if (!/BadUserAccessDenied|BadIdentityToken/.test(err.message)) throw err;
    const who = d.auth.type === 'username' ? `user "${d.auth.username}"` : 'anonymous access';
    throw new Error(`the server refused ${who} (${err.message}); check auth in the device config`);
  });
}

export function createSubscription(session: ClientSession, d: OpcuaDevice): Promise<ClientSubscription> {
  return session.createSubscription2({
    requestedPublishingInterval: d.publishingIntervalMs,
    // Part 4 §5.13.1.1: the server sends a keep-alive after maxKeepAliveCount empty cycles and drops the
    // subscription after lifetimeCount of them without a Publish request (at least 3 x keep-alive).
    requestedMaxKeepAliveCount: Math.max(2, Math.ceil(d.keepAliveIntervalMs / d.publishingIntervalMs)),
    requestedLifetimeCount: Math.max(10, Math.ceil((6 * d.keepAliveIntervalMs) / d.publishingIntervalMs)),
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 1,
  });
}

/** Resolves after `ms`, or within 100 ms once `cancelled()` says so. */
export function sleep(ms: number, cancelled: () => boolean): Promise<void> {
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
