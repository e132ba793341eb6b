/**
 * Where a reading's `gateway` comes from. MQTT 3.1.1 tells a subscriber nothing about who published a message, and
 * the payload's `gateway` is whatever the publisher wrote. But the broker's ACL lets only the account bound to an
 * equipment publish on its topics, and equipment ids are unique on the platform (broker/user-store.ts), so the
 * account bindings name the one legitimate gateway of each topic. Checking here rather than in the broker's
 * authorizePublish keeps it working on any broker that enforces the same ACL (Mosquitto: broker/mosquitto-config.ts)
 * and keeps payload parsing out of the broker.
 */
export interface EquipmentOwners {
  /** The gateway account bound to the equipment id (the broker's UserStore implements it). */
  ownerOf(equipment: string): { username: string; site: string; gateway: string } | undefined;
}

export type Provenance = { ok: true; gateway: string } | { ok: false; reason: 'forged' | 'unbound'; detail: string };

/** The gateway to store for a batch on (site, equipment) whose payload names `claimed`. */
export function provenance(owners: EquipmentOwners, site: string, equipment: string, claimed: string): Provenance {
  const owner = owners.ownerOf(equipment);
  if (!owner) return { ok: false, reason: 'unbound', detail: `equipment "${equipment}" is bound to no gateway account` };
  if (owner.site !== site) {
    return { ok: false, reason: 'forged', detail: `equipment "${equipment}" is bound to account "${owner.username}" on site "${owner.site}", not site "${site}"` };
  }
  if (owner.gateway !== claimed) {
    return { ok: false, reason: 'forged', detail: `payload names gateway "${claimed}" but equipment "${equipment}" is bound to gateway "${owner.gateway}" (account "${owner.username}")` };
  }
  return { ok: true, gateway: owner.gateway };
}
