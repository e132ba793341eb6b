import type { AedesOptions, Client } from 'aedes';
import { parseTopic } from '../common/contracts/topics.js';
import type { Logger } from '../common/runtime/logger.js';
import type { Account } from './accounts.js';
import { canPublish, canSubscribe } from './acl.js';
import type { EquipmentOwner, UserStore } from './user-store.js';

/** The account the topic's equipment is bound to; undefined for status topics and unknown equipment. */
function equipmentOwner(users: UserStore, topic: string): EquipmentOwner | undefined {
  const parsed = parseTopic(topic);
  return 'error' in parsed || parsed.kind === 'status' ? undefined : users.ownerOf(parsed.equipment);
}

// CONNACK return codes of MQTT 3.1.1 §3.2.2.3.
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * Thin adapters from aedes' hooks to the user store and the pure ACL in acl.ts. Every refusal is logged
 * with the client id, user and reason. A will is checked at CONNECT, so a will aedes publishes after a
 * broker restart (when the client object is gone) was authorized by the account that set it.
 */
export function authHooks(users: UserStore, logger: Logger): Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  const accounts = new WeakMap<Client, Account>();
  const wills = new WeakMap<Client, { topic: string; retain?: boolean }>();
  return {
    preConnect: (client, packet, done) => {
      if (packet.will) wills.set(client, packet.will);
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      if (!username || !password) {
        logger.warn({ clientId: client.id }, 'refused anonymous MQTT client');
        return done(authError('username and password required', NOT_AUTHORIZED), false);
      }
      users.verify(username, password.toString('utf8')).then((account) => {
        if (!account) {
          logger.warn({ clientId: client.id, username }, 'refused MQTT client: bad username or password');
          return done(authError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
        }
        const will = wills.get(client);
        const willDecision = will ? canPublish(account, will.topic, { retain: will.retain }) : { ok: true as const };
        if (!willDecision.ok) {
          logger.warn({ clientId: client.id, username, topic: will?.topic, reason: willDecision.reason }, 'refused MQTT client: will not allowed');
          return done(authError(`will refused: ${willDecision.reason}`, NOT_AUTHORIZED), false);
        }
        accounts.set(client, account);
        done(null, true);
      }, (err: Error) => done(authError(err.message, NOT_AUTHORIZED), false));
    },
    authorizePublish: (client, packet, done) => {
      // A null client is aedes publishing a stored will of a dead broker's client: checked at its CONNECT.
      if (!client) return done(null);
      const account = accounts.get(client);
      const owner = equipmentOwner(users, packet.topic);
      const decision = account ? canPublish(account, packet.topic, { retain: packet.retain, equipmentOwner: owner?.username }) : { ok: false as const, reason: 'not authenticated' };
      if (decision.ok) return done(null);
      const context = { clientId: client.id, username: account?.username, topic: packet.topic, reason: decision.reason };
      // Publishing for equipment bound to another account is an identity conflict: alarm level, naming the holder.
      if (owner && owner.username !== account?.username) {
        logger.error({ ...context, alarm: 'equipment_conflict', holder: owner.username, holderSite: owner.site }, `refused publish: ${decision.reason}`);
      } else logger.warn(context, 'refused publish');
      // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection, which the publisher sees.
      done(new Error(`publish to ${packet.topic} refused: ${decision.reason}`));
    },
    authorizeSubscribe: (client, sub, done) => {
      const account = accounts.get(client);
      const decision = account ? canSubscribe(account, sub.topic) : { ok: false as const, reason: 'not authenticated' };
      if (decision.ok) return done(null, sub);
      logger.warn({ clientId: client.id, username: account?.username, filter: sub.topic, reason: decision.reason }, 'refused subscription');
      // [MQTT-3.9.3]: a null subscription makes aedes answer 0x80 (failure) in SUBACK for this filter.
      done(null, null);
    },
  };
}
