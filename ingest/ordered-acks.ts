import type { MqttClient } from 'mqtt';

/** The packet that acknowledges a received PUBLISH of this QoS, MQTT 3.1.1 §4.3.2 (QoS 1) and §4.3.3 (QoS 2). */
const ACK_OF = { 1: 'puback', 2: 'pubrec' } as const;

/**
 * Acknowledges QoS 1 and QoS 2 messages only when told to, in the order they arrived.
 *
 * mqtt.js sends the PUBACK when `handleMessage`'s callback runs and reads the next packet only then;
 * `customHandleAcks` would decouple the two but works only with MQTT 5, which aedes does not speak.
 * So we let mqtt.js go on at once and hold back the acknowledging packet itself until the message is written.
 * For QoS 1 that is the PUBACK. For QoS 2 it is the PUBREC, with which the receiver "accepts ownership" of the
 * message (§4.3.3, method B): after it the broker only sends PUBREL, never the PUBLISH again, so a PUBREC sent
 * before the write would lose the message in a crash. mqtt.js answers the PUBREL with PUBCOMP by itself, which
 * is never held. PUBACKs and PUBRECs leave in arrival order, as [MQTT-4.6.0-2] and [MQTT-4.6.0-3] require.
 * Held acknowledgements of a connection that closed are dropped: the broker redelivers those messages and
 * writes are idempotent.
 */
export class OrderedAcks {
  private readonly queue: { messageId: number; cmd: string; generation: number; ready: boolean; since: number; send?: () => void }[] = [];
  private generation = 0;
  private readonly holding = new Map<number, string>();

  /** `resume` gates mqtt.js reading the packet after a QoS 2 PUBLISH (back-pressure), as handleMessage does for QoS 1. */
  constructor(private readonly client: MqttClient, resume: () => Promise<void> = () => Promise.resolve()) {
    const internal = client as unknown as { _sendPacket: (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void };
    const send = internal._sendPacket.bind(client);
    internal._sendPacket = (packet, cb, ...rest) => {
      const entry = packet.messageId !== undefined && this.holding.get(packet.messageId) === packet.cmd
        ? this.queue.find((e) => e.messageId === packet.messageId && e.generation === this.generation && !e.send)
        : undefined;
      if (!entry) return send(packet, cb, ...rest);
      this.holding.delete(packet.messageId!);
      entry.send = () => send(packet);
      // QoS 1's handleMessage already waited for room before mqtt.js sent the PUBACK; QoS 2 never passed through it.
      if (entry.cmd === 'pubrec') void resume().then(() => cb?.());
      else cb?.();
      this.release();
    };
    client.on('close', () => {
      this.generation++;
      this.queue.length = 0;
      this.holding.clear();
    });
  }

  /**
   * Call when the PUBLISH arrives, before mqtt.js sends its acknowledgement (from `handleMessage` for QoS 1,
   * from 'packetreceive' for QoS 2); returns the function that releases it. QoS 0 has nothing to hold.
   */
  hold(packet: { messageId?: number; qos: number }): () => void {
    if (packet.messageId === undefined || (packet.qos !== 1 && packet.qos !== 2)) return () => {};
    const cmd = ACK_OF[packet.qos];
    const entry: (typeof this.queue)[number] = { messageId: packet.messageId, cmd, generation: this.generation, ready: false, since: Date.now() };
    this.queue.push(entry);
    this.holding.set(packet.messageId, cmd);
    return () => {
      entry.ready = true;
      this.release();
    };
  }

  /** Messages received but not yet acknowledged. */
  get pending(): number {
    return this.queue.length;
  }

  /** Epoch ms when the oldest unacknowledged message arrived; undefined when none waits. */
  get oldestSince(): number | undefined {
    return this.queue[0]?.since;
  }

  private release(): void {
    while (this.queue[0]?.ready && this.queue[0].send) {
      const head = this.queue.shift()!;
      if (head.generation === this.generation) head.send!();
    }
  }
}
