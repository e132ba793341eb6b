import type { MqttClient } from 'mqtt';

/**
 * Acknowledges QoS 1 messages only when told to, in the order they arrived.
 *
 * mqtt.js sends the PUBACK when `handleMessage`'s callback runs and reads the next packet only then;
 * `customHandleAcks` would decouple the two but works only with MQTT 5, which aedes does not speak.
 * So we let mqtt.js go on at once and hold back the PUBACK packet itself until the message is written.
 * PUBACKs leave in arrival order, as [MQTT-4.6.0-2] requires. Held PUBACKs of a connection that
 * closed are dropped: the broker redelivers those messages and writes are idempotent.
 */
export class OrderedAcks {
  private readonly queue: { messageId: number; generation: number; ready: boolean; send?: () => void }[] = [];
  private generation = 0;
  private readonly holding = new Set<number>();

  constructor(private readonly client: MqttClient) {
    const internal = client as unknown as { _sendPacket: (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void };
    const send = internal._sendPacket.bind(client);
    internal._sendPacket = (packet, cb, ...rest) => {
      const entry = packet.cmd === 'puback' && this.holding.has(packet.messageId!)
        ? this.queue.find((e) => e.messageId === packet.messageId && e.generation === this.generation && !e.send)
        : undefined;
      if (!entry) return send(packet, cb, ...rest);
      this.holding.delete(packet.messageId!);
      entry.send = () => send(packet);
      cb?.();
      this.release();
    };
    client.on('close', () => {
      this.generation++;
      this.queue.length = 0;
      this.holding.clear();
    });
  }

  /** Call from `handleMessage` before its callback; returns the function that releases the PUBACK. */
  hold(messageId: number | undefined): () => void {
    if (messageId === undefined) return () => {};
    const entry: (typeof this.queue)[number] = { messageId, generation: this.generation, ready: false };
    this.queue.push(entry);
    this.holding.add(messageId);
    return () => {
      entry.ready = true;
      this.release();
    };
  }

  /** Messages received but not yet acknowledged. */
  get pending(): number {
    return this.queue.length;
  }

  private release(): void {
    while (this.queue[0]?.ready && this.queue[0].send) {
      const head = this.queue.shift()!;
      if (head.generation === this.generation) head.send!();
    }
  }
}
