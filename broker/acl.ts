import { ingestOwnerShare, parseTopic, TOPIC_ROOT } from '../common/contracts/topics.js';
import type { Account } from './accounts.js';

/**
 * The broker's access rules as pure functions; broker.ts only adapts them to aedes' hooks.
 * - a gateway publishes only data, births and device states of its own equipment under its own site, and its own status;
 * - ingest and the API subscribe under pilothub/v1/; ingest publishes only the records of which instance consumes
 *   which share (topics.ingestOwner, ingest/shares.ts), the API nothing;
 * - nobody subscribes to `#` or `$SYS` (a filter starting with a wildcard never matches `$` topics anyway,
 *   [MQTT-4.7.2-1], but an explicit refusal says so in the log).
 */
export type Decision = { ok: true } | { ok: false; reason: string };

const ALLOW: Decision = { ok: true };
const deny = (reason: string): Decision => ({ ok: false, reason });

/**
 * `equipmentOwner` is the username the equipment of the topic is bound to (user-store.ts `ownerOf`): equipment ids
 * are unique on the platform, so an account that lists an equipment bound to another one (a store written before
 * that rule) may not publish for it either; births and device states of two sites would overwrite each other.
 */
export function canPublish(account: Account, topic: string, options: { retain?: boolean; equipmentOwner?: string } = {}): Decision {
  if (account.role === 'ingest') {
    return ingestOwnerShare(topic) !== undefined ? ALLOW : deny(`role "ingest" may publish only share ownership records (${TOPIC_ROOT}/_ingest/{share}/owner)`);
  }
  if (account.role !== 'gateway') return deny(`role "${account.role}" may not publish`);
  // [MQTT-3.3.2-2]: a PUBLISH topic name must not contain wildcards; mqtt-packet enforces it too.
  if (/[+#]/.test(topic)) return deny('topic names may not contain wildcards');
  const parsed = parseTopic(topic);
  if ('error' in parsed) return deny(parsed.error);
  if (parsed.site !== account.site) return deny(`gateway "${account.gateway}" belongs to site "${account.site}", not "${parsed.site}"`);
  if (parsed.kind === 'status') {
    return parsed.gateway === account.gateway ? ALLOW : deny(`gateway "${account.gateway}" may not publish the status of gateway "${parsed.gateway}"`);
  }
  if (!account.equipment.includes(parsed.equipment)) {
    return deny(`gateway "${account.gateway}" is not bound to equipment "${parsed.equipment}"`);
  }
  if (options.equipmentOwner !== undefined && options.equipmentOwner !== account.username) {
    return deny(`equipment "${parsed.equipment}" is bound to account "${options.equipmentOwner}", not "${account.username}"`);
  }
  // Births are retained by design; retained data would replay an old batch to every new subscriber.
  if (parsed.kind === 'data' && options.retain) return deny('data messages may not be retained');
  return ALLOW;
}

export function canSubscribe(account: Account, filter: string): Decision {
  if (account.role === 'gateway') return deny('gateways publish only; they may not subscribe');
  if (filter.startsWith('$')) return deny(`"${filter}": $-topics are broker internals`);
  if (!filter.startsWith(`${TOPIC_ROOT}/`)) return deny(`"${filter}": consumers may subscribe only under ${TOPIC_ROOT}/`);
  const levels = filter.split('/');
  // [MQTT-4.7.1-2]/[MQTT-4.7.1-3]: wildcards occupy whole levels, '#' only last; refuse malformed filters here too.
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return deny(`"${filter}": '#' must be the last level on its own`);
    if (level.includes('+') && level !== '+') return deny(`"${filter}": '+' must occupy a whole level`);
  }
  return ALLOW;
}
