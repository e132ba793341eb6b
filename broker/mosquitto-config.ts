import { TOPIC_ROOT } from '../common/contracts/topics.js';
import type { Account } from './accounts.js';
import { consumerPublishFilters, gatewayPublishTopics } from './grants.js';
import { DEFAULT_MAX_PACKET_BYTES } from './packet-limit.js';

/**
 * Configuration for running pilothub on Eclipse Mosquitto instead of aedes (broker/README.md "Mosquitto,
 * EMQX"). Its ACL mirrors acl.ts; the limits are raised because Mosquitto's defaults lose or throttle
 * ingest: max_queued_messages 1000 drops messages for a slow persistent subscriber with only a log notice,
 * max_inflight_messages 20 caps ingest, which holds PUBACKs until InfluxDB has the batch, at 20 messages per write.
 */
export function mosquittoConf(options: { host: string; port: number; passwordFile: string; aclFile: string; persistenceDir: string; runAsRoot?: boolean; maxPacketBytes?: number }): string {
  return [
    'per_listener_settings false',
    `listener ${options.port} ${options.host}`,
    'allow_anonymous false',
    `password_file ${options.passwordFile}`,
    `acl_file ${options.aclFile}`,
    // Sessions and queued QoS 1 messages survive a restart (written at shutdown and every autosave_interval).
    'persistence true',
    `persistence_location ${options.persistenceDir.endsWith('/') ? options.persistenceDir : `${options.persistenceDir}/`}`,
    'autosave_interval 1',
    'max_inflight_messages 1000',
    'max_queued_messages 0',
    'max_queued_bytes 0',
    'set_tcp_nodelay true',
    // The same limit as aedes' (packet-limit.ts): a larger packet closes the connection.
    `max_packet_size ${options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES}`,
    // Mosquitto started as root drops to the "mosquitto" user, which cannot read a private config directory.
    ...(options.runAsRoot ? ['user root'] : []),
    '',
  ].join('\n');
}

/**
 * Mosquitto ACL lines equivalent to canPublish/canSubscribe for these accounts. An equipment id listed by two
 * accounts (a store from before ids were unique) is granted to the first only, as UserStore binds it: pass
 * `users.list('rowid')`.
 */
export function mosquittoAcl(accounts: Account[]): string {
  const grants = gatewayPublishTopics(accounts);
  const lines: string[] = [];
  for (const a of accounts) {
    lines.push(`user ${a.username}`);
    if (a.role === 'gateway') lines.push(...(grants.get(a.username) ?? []).map((topic) => `topic write ${topic}`));
    else lines.push(`topic read ${TOPIC_ROOT}/#`, ...consumerPublishFilters(a.role).map((filter) => `topic write ${filter}`));
    lines.push('');
  }
  return lines.join('\n');
}
