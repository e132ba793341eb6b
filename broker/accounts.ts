import { z } from 'zod';
import { Identifier } from '../common/contracts/ids.js';

/**
 * MQTT service accounts: the machines that talk to the broker (gateways, ingest, the API), not the people
 * of the sharing API. A gateway account is bound to its site, its gateway id and the equipment it may
 * publish for, which is what the ACL (acl.ts) checks every publish against.
 */
export const Username = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, "_", "." or "-"');

export const GatewayAccount = z.strictObject({
  username: Username,
  role: z.literal('gateway'),
  site: Identifier.describe('the only site this gateway may publish under'),
  gateway: Identifier.describe('gateway id: the status topic it may publish'),
  equipment: z.array(Identifier).min(1).describe('equipment ids it may publish data, births and device states for'),
});

export const ConsumerAccount = z.strictObject({
  username: Username,
  role: z.enum(['ingest', 'api']),
});

export const Account = z.discriminatedUnion('role', [GatewayAccount, ConsumerAccount]);
export type Account = z.infer<typeof Account>;
export type Role = Account['role'];
