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

/**
 * Subscribes to `filters` on every connect of `client` and resolves at the first SUBACK that grants them all.
 * The client must be created with `resubscribe: false`: mqtt.js's own resubscription marks the filters subscribed,
 * and a second call is then answered at once without a SUBSCRIBE, so a start could report a subscription the broker
 * does not hold yet. Subscribing again on every connect is harmless with a kept session and repairs a broker that
 * lost it. A connection lost before the SUBACK (a broker restarting, a session taken over) waits for the next connect;
 * a refusal rejects before the first success (a start fails naming the filters) and is logged as an error after it.
 */
export function subscribeOnEveryConnect(client: MqttClient, filters: string[], options: SubscribeOptions): Promise<void> {
  const { logger } = options;
  let subscribedOnce = false;
  let closedBeforeFirstSuback = 0;
  return new Promise<void>((resolve, reject) => {
    client.on('connect', (connack) => {
      options.onConnect?.(connack);
      client.subscribe(filters, { qos: options.qos }, (err) => {
        if (!err) {
          subscribedOnce = true;
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
        const problem = refused.length
          ? `broker refused the subscription to ${refused.join(', ')}: check the ${options.account} account's rights`
          : `subscribing to ${filters.join(', ')} failed: ${err.message}`;
        // After the first success nobody awaits the promise: a refusal on a reconnect must still be seen.
        if (subscribedOnce) logger.error({ filters, refused }, problem);
        reject(new Error(problem));
      });
    });
  });
}
