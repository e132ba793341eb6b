import type { Client } from 'aedes';

/**
 * Largest MQTT packet the broker accepts by default: twice the largest payload ingest takes
 * (MAX_PAYLOAD_BYTES in common/contracts/readings.ts, 2 MiB), so every batch a gateway may send fits with its
 * topic and headers, while a 32 MiB publish (once accepted, routed and queued: +160 MB broker RSS) does not.
 */
export const DEFAULT_MAX_PACKET_BYTES = 4 * 1024 * 1024;

interface PacketParser {
  packet: { cmd?: string; length: number };
  _parseLength(this: PacketParser): boolean;
  _emitError(err: Error): void;
}

/**
 * Refuses a packet whose Remaining Length (MQTT 3.1.1 §2.2.3) exceeds `maxBytes` as soon as its fixed header is
 * read, before its body is buffered: MQTT 3.1.1 has no way to tell the client why, so, as for any packet the
 * server will not process ([MQTT-4.8.0-1]), the connection is closed. aedes and mqtt-packet have no size option
 * (MQTT 5's Maximum Packet Size, §3.1.2.11.4, is what Mosquitto's max_packet_size implements), so this wraps the
 * length step of the connection's own parser (mqtt-packet parser.js `_parseLength`).
 */
export function limitPacketSize(client: Client, maxBytes: number, refused: (info: { cmd?: string; bytes: number }) => void): void {
  const parser = (client as unknown as { _parser: PacketParser })._parser;
  const parseLength = parser._parseLength;
  parser._parseLength = function limitedParseLength() {
    const complete = parseLength.call(this);
    if (!complete || this.packet.length <= maxBytes) return complete;
    refused({ cmd: this.packet.cmd, bytes: this.packet.length });
    this._emitError(new Error(`${this.packet.cmd ?? 'packet'} of ${this.packet.length} bytes exceeds the broker's limit of ${maxBytes}`));
    return false;
  };
}
