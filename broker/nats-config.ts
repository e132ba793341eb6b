import { z } from 'zod';
import { TOPIC_ROOT } from '../common/contracts/topics.js';
import { consumerPublishFilters, gatewayPublishTopics } from './grants.js';
import { DEFAULT_MAX_PACKET_BYTES } from './packet-limit.js';
import type { BcryptAccount } from './user-store.js';

/**
 * Configuration of one node of a NATS server cluster (2.9+, JetStream) serving pilothub's MQTT 3.1.1 clients instead
 * of aedes (docs/scale-out.md "Broker"). Every node gets the same accounts and rights, derived from the user store as
 * acl.ts decides them; passwords appear only as the store's bcrypt hashes, the one hash NATS verifies.
 */
export const NatsNode = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name or IPv4 address'),
  clientPort: z.number().int().min(1).max(65_535).default(4222),
  clusterPort: z.number().int().min(1).max(65_535).default(6222),
  mqttPort: z.number().int().min(1).max(65_535).default(1883),
});
export type NatsNode = z.infer<typeof NatsNode>;

export const NatsClusterOptions = z.strictObject({
  cluster: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "_" or "-"').default('pilothub'),
  nodes: z.array(NatsNode).min(1),
  /** 1-based position in `nodes` of the node this file is for; it is also its server_name (`n1`, `n2`...). */
  node: z.number().int().min(1),
  storeDir: z.string().min(1),
  /**
   * Replicas of the MQTT streams (sessions, QoS 1 messages, retained messages). Default: 3 with three nodes or more,
   * so one node may die without losing a message; JetStream needs an odd count no larger than the cluster.
   */
  streamReplicas: z.number().int().min(1).max(5).optional(),
  /** How long a QoS 1 message delivered to a subscriber waits for its PUBACK before NATS sends it again. */
  ackWaitSeconds: z.number().int().min(1).max(3600).default(30),
}).superRefine((o, ctx) => {
  if (o.node > o.nodes.length) ctx.addIssue({ code: 'custom', path: ['node'], message: `is ${o.node} but only ${o.nodes.length} node(s) are listed` });
  if (o.streamReplicas !== undefined && o.streamReplicas > o.nodes.length) {
    ctx.addIssue({ code: 'custom', path: ['streamReplicas'], message: `${o.streamReplicas} replicas need at least as many nodes, ${o.nodes.length} listed` });
  }
});
export type NatsClusterOptions = z.input<typeof NatsClusterOptions>;

/** Accounts that cannot be written for NATS, named so the operator can set their passwords again. */
export class MissingBcryptError extends Error {
  constructor(readonly usernames: string[]) {
    super(`account(s) ${usernames.map((u) => `"${u}"`).join(', ')} have no bcrypt hash (stored before pilothub kept one, or a password over 72 bytes), which NATS needs: set each password again with \`pilothub user add\``);
  }
}

/** An MQTT topic or filter as the NATS subject NATS maps it to: `/` -> `.`, `+` -> `*`, `#` -> `>`. */
export const natsSubject = (topic: string): string => topic.split('/').map((level) => (level === '+' ? '*' : level === '#' ? '>' : level)).join('.');

const ROOT = natsSubject(TOPIC_ROOT);
/**
 * Consumers read under pilothub/v1/. NATS turns `pilothub/v1/#` into two subscriptions, on `pilothub.v1` and
 * `pilothub.v1.>`, and a QoS 1 subscription also subscribes to its JetStream consumer's delivery subject under
 * `$MQTT.sub.` (without it NATS answers SUBACK 0x80, measured on 2.9.10).
 */
const CONSUMER_SUBSCRIBE = [ROOT, `${ROOT}.>`, '$MQTT.sub.>'];

export function natsConf(input: NatsClusterOptions, accounts: BcryptAccount[]): string {
  const o = NatsClusterOptions.parse(input);
  const missing = accounts.filter((a) => a.bcrypt === null).map((a) => a.account.username);
  if (missing.length) throw new MissingBcryptError(missing);
  const self = o.nodes[o.node - 1]!;
  const replicas = o.streamReplicas ?? (o.nodes.length >= 3 ? 3 : 1);
  const q = (s: string) => JSON.stringify(s);
  const list = (items: string[]) => `[${items.map(q).join(', ')}]`;
  const consumerPublish = (role: 'ingest' | 'api') => {
    const allowed = consumerPublishFilters(role).map(natsSubject);
    return allowed.length ? `{ allow: ${list(allowed)} }` : `{ deny: ${list(['>'])} }`;
  };
  const grants = gatewayPublishTopics(accounts.map((a) => a.account));
  const users = accounts.map(({ account, bcrypt }) => {
    const permissions = account.role === 'gateway'
      ? `publish: { allow: ${list((grants.get(account.username) ?? []).map(natsSubject))} }, subscribe: { deny: ${list(['>'])} }`
      : `publish: ${consumerPublish(account.role)}, subscribe: { allow: ${list(CONSUMER_SUBSCRIBE)} }`;
    return `    { user: ${q(account.username)}, password: ${q(bcrypt!)}, permissions: { ${permissions} } }`;
  });
  return [
    `# pilothub: NATS node ${o.node} of ${o.nodes.length} in cluster "${o.cluster}", generated from the MQTT user store.`,
    '# Regenerate (pilothub broker-config nats) and reload (nats-server --signal reload) after `pilothub user add/remove`.',
    `server_name: ${q(`n${o.node}`)}`,
    `listen: ${q(`${self.host}:${self.clientPort}`)}`,
    // Room for the largest batch ingest accepts plus MQTT framing, as aedes' packet limit (packet-limit.ts); NATS' default is 1 MB.
    `max_payload: ${DEFAULT_MAX_PACKET_BYTES}`,
    `jetstream { store_dir: ${q(o.storeDir)} }`,
    'cluster {',
    `  name: ${q(o.cluster)}`,
    `  listen: ${q(`${self.host}:${self.clusterPort}`)}`,
    // Every node, itself included (NATS skips its own route), so all files of one cluster list the same routes.
    `  routes: ${list(o.nodes.map((n) => `nats-route://${n.host}:${n.clusterPort}`))}`,
    '}',
    'mqtt {',
    `  listen: ${q(`${self.host}:${self.mqttPort}`)}`,
    `  stream_replicas: ${replicas}`,
    `  ack_wait: ${q(`${o.ackWaitSeconds}s`)}`,
    '}',
    // No no_auth_user: a client without a known user and matching password is refused (CONNACK 5).
    'authorization {',
    '  users: [',
    ...users,
    '  ]',
    '}',
    '',
  ].join('\n');
}
