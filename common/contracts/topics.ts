import { Identifier } from './ids.js';

/** Every pilothub topic starts with this root and version, so a broker can be shared with other traffic. */
export const TOPIC_ROOT = 'pilothub/v1';

/** Equipment may not be called "gateway": that level marks gateway status topics. */
export const RESERVED_EQUIPMENT_ID = 'gateway';

export const topics = {
  data: (site: string, equipment: string) => `${TOPIC_ROOT}/${site}/${equipment}/data`,
  birth: (site: string, equipment: string) => `${TOPIC_ROOT}/${site}/${equipment}/birth`,
  state: (site: string, equipment: string) => `${TOPIC_ROOT}/${site}/${equipment}/state`,
  status: (site: string, gateway: string) => `${TOPIC_ROOT}/${site}/gateway/${gateway}/status`,
  /**
   * Which ingest instance consumes a share (a site) now (ingest/shares.ts). `_ingest` is no valid site id, so it
   * never meets the wire contract's topics.
   */
  ingestOwner: (share: string) => `${TOPIC_ROOT}/${INGEST_OWNER_LEVEL}/${share}/owner`,
} as const;

export const INGEST_OWNER_LEVEL = '_ingest';

/** Subscription filters for the consumers of the wire contract. */
export const topicFilters = {
  allData: `${TOPIC_ROOT}/+/+/data`,
  allBirths: `${TOPIC_ROOT}/+/+/birth`,
  allDeviceStates: `${TOPIC_ROOT}/+/+/state`,
  allStatus: `${TOPIC_ROOT}/+/gateway/+/status`,
  siteData: (site: string) => `${TOPIC_ROOT}/${site}/+/data`,
  ingestOwners: `${TOPIC_ROOT}/${INGEST_OWNER_LEVEL}/+/owner`,
} as const;

/** The share named by an ingest ownership topic, or undefined for any other topic. */
export function ingestOwnerShare(topic: string): string | undefined {
  const levels = topic.split('/');
  if (levels.length !== 5 || `${levels[0]}/${levels[1]}` !== TOPIC_ROOT || levels[2] !== INGEST_OWNER_LEVEL || levels[4] !== 'owner') return undefined;
  return Identifier.safeParse(levels[3]).success ? levels[3] : undefined;
}

export type ParsedTopic =
  | { kind: 'data' | 'birth' | 'state'; site: string; equipment: string }
  | { kind: 'status'; site: string; gateway: string };

/** Parses a pilothub topic; returns an error string naming the offending level otherwise. */
export function parseTopic(topic: string): ParsedTopic | { error: string } {
  const levels = topic.split('/');
  if (`${levels[0]}/${levels[1]}` !== TOPIC_ROOT) return { error: `topic "${topic}" is not under ${TOPIC_ROOT}/` };
  const [site, second, third, fourth] = levels.slice(2);
  if (!Identifier.safeParse(site).success) return { error: `topic "${topic}": site level "${site ?? ''}" is not a valid identifier` };
  if (levels.length === 5 && (third === 'data' || third === 'birth' || third === 'state')) {
    if (!Identifier.safeParse(second).success || second === RESERVED_EQUIPMENT_ID) {
      return { error: `topic "${topic}": equipment level "${second}" is not a valid equipment id` };
    }
    return { kind: third, site: site!, equipment: second! };
  }
  if (levels.length === 6 && second === 'gateway' && fourth === 'status' && Identifier.safeParse(third).success) {
    return { kind: 'status', site: site!, gateway: third! };
  }
  return { error: `topic "${topic}" matches none of .../{equipment}/data, .../{equipment}/birth, .../{equipment}/state, .../gateway/{gateway}/status` };
}
