import type { Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import { describeListenError } from '../../common/runtime/ports.js';
import { ModbusFaults } from './faults.js';
import { startPtyPair, startSerialTcpBridge } from './pty.js';
import type { RegisterBank } from './register-bank.js';
import { createVector, type RegisterWriteHook } from './vector.js';

export interface ModbusSimServer {
  /** Where a client connects: `tcp://host:port` or a serial device path. */
  host: string;
  port: number;
  /** Requests received since start, by Modbus function code, counted per frame on the wire. */
  requestCount: Record<number, number>;
  faults: ModbusFaults;
  stop(): Promise<void>;
}

export interface ModbusRtuSimServer extends Omit<ModbusSimServer, 'host' | 'port'> {
  /** The serial device a client opens (the other end of a pty pair). */
  clientPath: string;
  /** `host:port` of the RTU-over-TCP bridge, when asked for. */
  tcp?: { host: string; port: number };
}

interface ServeOptions {
  /** Unit id -> its register memory; a request for any other unit gets no answer, as on a real line. */
  units: Map<number, RegisterBank>;
  onWrite?: RegisterWriteHook;
  faults?: ModbusFaults;
}

type Internal = { socks?: Map<{ destroy(): void }, unknown>; _server?: NodeJS.EventEmitter };

/**
 * Serves register banks over Modbus TCP with modbus-serial's ServerTCP.
 * `modbus-serial` falls back to port 502 when given 0, so callers pass a real free port.
 */
export async function serveModbusTcp(options: ServeOptions & { host?: string; port: number }): Promise<ModbusSimServer> {
  const host = options.host ?? '127.0.0.1';
  const faults = options.faults ?? new ModbusFaults();
  const requestCount: Record<number, number> = {};
  // unitID 255 makes ServerTCP pass every unit to the vector, which answers only the configured ones.
  const server = new ModbusRTU.ServerTCP(createVector(options.units, faults, options.onWrite), { host, port: options.port, unitID: 255, debug: false });
  const internal = server as unknown as Internal;
  internal._server?.on('connection', (sock: Socket) => {
    if (faults.silent) return void sock.destroy();
    countTcpFrames(sock, requestCount);
  });
  faults.onDisconnect(() => { for (const sock of internal.socks?.keys() ?? []) sock.destroy(); });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', (err: unknown) => reject(describeListenError(err, 'Modbus simulator', host, options.port)));
  });
  return {
    host, port: options.port, requestCount, faults,
    stop: () => new Promise<void>((resolve) => {
      for (const sock of internal.socks?.keys() ?? []) sock.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * Serves register banks over Modbus RTU on one end of a socat pty pair; the client opens `clientPath`.
 * With `tcpPort`, a second socat forwards TCP connections to that end too: RTU over TCP.
 */
export async function serveModbusRtu(options: ServeOptions & { tcpPort?: number; host?: string }): Promise<ModbusRtuSimServer> {
  const faults = options.faults ?? new ModbusFaults();
  const requestCount: Record<number, number> = {};
  const pty = await startPtyPair();
  const [serverPath, clientPath] = pty.paths;
  const server = new ModbusRTU.ServerSerial(createVector(options.units, faults, options.onWrite), { path: serverPath, baudRate: 115_200, unitID: 255, debug: false } as never);
  await new Promise<void>((resolve) => server.on('initialized', () => resolve()));
  // The pipe handler emits one complete frame per 'data' (it splits on line silence, as RTU framing does).
  (server as unknown as Internal)._server?.on('data', (frame: Buffer) => count(requestCount, frame[1]));
  const host = options.host ?? '127.0.0.1';
  const bridge = options.tcpPort ? await startSerialTcpBridge(clientPath, host, options.tcpPort) : undefined;
  return {
    clientPath, requestCount, faults,
    ...(options.tcpPort ? { tcp: { host, port: options.tcpPort } } : {}),
    stop: async () => {
      await bridge?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pty.stop();
    },
  };
}

/** Counts requests per frame from the MBAP header (length at bytes 4-5, function code at byte 7). */
function countTcpFrames(sock: Socket, requestCount: Record<number, number>): void {
  let buffer = Buffer.alloc(0);
  sock.on('data', (data: Buffer) => {
    buffer = Buffer.concat([buffer, data]);
    while (buffer.length >= 8 && buffer.length >= 6 + buffer.readUInt16BE(4)) {
      count(requestCount, buffer[7]);
      buffer = buffer.subarray(6 + buffer.readUInt16BE(4));
    }
  });
}

function count(requestCount: Record<number, number>, fc: number | undefined): void {
  if (fc !== undefined) requestCount[fc] = (requestCount[fc] ?? 0) + 1;
}
