import { TOPIC_ROOT, topicFilters } from '../common/contracts/topics.js';
import type { Account } from './accounts.js';

/**
 * The exact topics each gateway account may publish, for brokers configured by files (Mosquitto, NATS) rather than
 * asking acl.ts on every packet: data, births and device states of its equipment, and its own status. An equipment
 * id listed by two accounts (a store from before ids were unique) is granted to the first only, as UserStore binds
 * it: pass the accounts in the order stored (`users.list('rowid')`).
 */
export function gatewayPublishTopics(accounts: Account[]): Map<string, string[]> {
  const grants = new Map<string, string[]>();
  const bound = new Set<string>();
  for (const a of accounts) {
    if (a.role !== 'gateway') continue;
    const own = a.equipment.filter((e) => !bound.has(e));
    for (const e of own) bound.add(e);
    grants.set(a.username, [
      ...own.flatMap((e) => (['data', 'birth', 'state'] as const).map((kind) => `${TOPIC_ROOT}/${a.site}/${e}/${kind}`)),
      `${TOPIC_ROOT}/${a.site}/gateway/${a.gateway}/status`,
    ]);
  }
  return grants;
}

/** What a consumer account may publish, as a filter for file-configured brokers: ingest its share ownership records. */
export const consumerPublishFilters = (role: 'ingest' | 'api'): string[] => (role === 'ingest' ? [topicFilters.ingestOwners] : []);
