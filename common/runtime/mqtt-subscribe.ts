import type { IConnackPacket, MqttClient } from 'mqtt';
import type { Logger } from './logger.js';

/** Connections the broker may drop before confirming the first subscription before the start gives up. */
const MAX_CLOSES_BEFORE_FIRST_SUBACK = 5;

export interface SubscribeOptions {
  qos: 0 | 1;
  /** Whose account a refusal points at, for the message: "ingest", "API". */
  account: string;
  logger: Logger;
  /** Runs on every connect before the SUBSCRIBE goes out (an announcement, a log line). */
  onConnect?: (connack: IConnackPacket) => void;
  /** Runs at every SUBACK that grants all filters (retained messages follow it). */
  onSubscribed?: () => void;
}

/** A refused subscription after the start is asked again after this long, doubling up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface Subscription {
  /** Resolves at the first SUBACK that grants every filter; rejects when the broker refuses before that. */
  ready: Promise<void>;
  /** Why the client holds no subscription now (refused after the start, asked again with a backoff), if it does not. */
  problem(): string | undefined;
}

/**
 * Subscribes to `filters` on every connect of `client`; `ready` resolves at the first SUBACK that grants them all.
 * It turns mqtt.js's own resubscription off on `client`: that marks the filters subscribed, and a second call is then
 * answered at once without a SUBSCRIBE, so a start could report a subscription the broker does not hold yet.
 * Subscribing again on every connect is harmless with a kept session and repairs a broker that
 * lost it. A connection lost before the SUBACK (a broker restarting, a session taken over) waits for the next connect.
 * A refusal before the first success ends the client and rejects `ready` (a start fails naming the filters, and
 * nothing is left reconnecting in the background); after it, it is logged, told
 * by `problem()` (health says so) and asked again with a backoff while connected: an ACL fixed meanwhile is picked up.
 */
export function subscribeOnEveryConnect(client: MqttClient, filters: string[], options: SubscribeOptions): Subscription {
  const { logger } = options;
  // mqtt.js reads the option at each subscribe and reconnect, so setting it here covers the client's whole life.
  client.options.resubscribe = false;
  let subscribedOnce = false;
  let closedBeforeFirstSuback = 0;
  let problem: string | undefined;
  let retryMs = RETRY_BASE_MS;
  let retry: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const subscribe = () => {
      clearTimeout(retry);
      client.subscribe(filters, { qos: options.qos }, (err) => {
        if (!err) {
          subscribedOnce = true;
          problem = undefined;
          retryMs = RETRY_BASE_MS;
          options.onSubscribed?.();
          return resolve();
        }
        // mqtt.js 5 reports a SUBACK failure code (0x80) as an error carrying the SUBACK: name the refused filters.
        const codes = (err as { packet?: { granted?: unknown[] } }).packet?.granted;
        const refused = codes ? filters.filter((_, i) => typeof codes[i] === 'number' && (codes[i] & 0x80) !== 0) : [];
        if (!refused.length && !client.connected && (subscribedOnce || ++closedBeforeFirstSuback < MAX_CLOSES_BEFORE_FIRST_SUBACK)) {
          logger.warn({ err: err.message, filters }, 'connection closed before the broker confirmed the subscription; subscribing again on reconnect');
          return;
        }
        problem = refused.length
          ? `broker refused the subscription to ${refused.join(', ')}: check the ${options.account} account's rights`
          : `subscribing to ${filters.join(', ')} failed: ${err.message}`;
        if (!subscribedOnce) {
          const failed = new Error(problem);
          client.end(true, () => reject(failed));
          return;
        }
        // After the start nobody awaits `ready`: say it, and ask again (the next connect asks at once anyway).
        logger.error({ filters, refused, retryInMs: retryMs }, problem);
        retry = setTimeout(() => { if (client.connected) subscribe(); }, retryMs);
        retry.unref();
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      });
    };
    client.on('connect', (connack) => {
      options.onConnect?.(connack);
      subscribe();
    });
    client.on('end', () => clearTimeout(retry));
  });
  return { ready, problem: () => problem };
}
