import { get } from './api.js';
import type { OrgList } from './types.js';

/** Organisation names by id, as far as the user may see them (customers: their own). */
export async function orgNames(): Promise<Map<string, string>> {
  try {
    return new Map((await get<OrgList>('/api/v1/orgs')).items.map((o) => [o.id, o.name]));
  } catch {
    return new Map();
  }
}
