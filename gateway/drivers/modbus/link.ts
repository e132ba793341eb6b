import ModbusRTU from 'modbus-serial';
import type { ModbusConnection } from './config.js';
import type { ReadRequest } from './plan.js';

/** modbus-serial's client; `new ModbusRTU.default()` because of its CommonJS export under NodeNext. */
export type Client = InstanceType<typeof ModbusRTU.default>;

/** Opens a client on the device's transport with the per-request timeout set. */
export async function openClient(c: ModbusConnection, timeoutMs: number): Promise<Client> {
  const client = new ModbusRTU.default();
  try {
    switch (c.transport) {
      case 'tcp': await client.connectTCP(c.host, { port: c.port }); break;
      // modbus-serial's "TcpRTUBuffered" port speaks MBAP despite its name; its Telnet port sends raw RTU frames.
      case 'rtu-over-tcp': await client.connectTelnet(c.host, { port: c.port }); break;
      case 'rtu': await client.connectRTUBuffered(c.path, { baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits }); break;
    }
  } catch (err) {
    if (client.isOpen) client.close(() => {});
    throw err;
  }
  client.setTimeout(timeoutMs);
  return client;
}

type Values = number[] | boolean[];

/**
 * One read of a planned block: register values or bits, as the device sent them.
 *
 * Through modbus-serial's callback API, not its promise one: a connection keeps its last 256 transactions with their
 * callbacks (it overwrites them, never deletes), and a promise's callback keeps the resolved response alive with it.
 * At 100 devices that held 25 600 responses (~50 MB, all promoted to V8's old space, issue #20). The callback given
 * here lets go of the promise once called.
 */
export function readBlock(client: Client, r: ReadRequest): Promise<Values> {
  return new Promise<Values>((resolve, reject) => {
    // Only `done` is retained by modbus-serial; it reaches resolve and reject through `waiting` until it is called.
    let waiting: { resolve: (values: Values) => void; reject: (err: unknown) => void } | undefined = { resolve, reject };
    const done = (err: unknown, result: { data: Values } | undefined) => {
      const settle = waiting;
      waiting = undefined;
      if (err || !result) settle?.reject(err);
      else settle?.resolve(result.data);
    };
    switch (r.table) {
      case 'holding': client.writeFC3(r.unitId, r.address, r.length, done); break;
      case 'input': client.writeFC4(r.unitId, r.address, r.length, done); break;
      case 'coil': client.writeFC1(r.unitId, r.address, r.length, done); break;
      case 'discrete': client.writeFC2(r.unitId, r.address, r.length, done); break;
    }
  });
}

export function endpointOf(c: ModbusConnection): string {
  return c.transport === 'rtu' ? `${c.path} (${c.baudRate} baud)` : `${c.transport === 'tcp' ? 'tcp' : 'rtu-over-tcp'}://${c.host}:${c.port}`;
}

/** Why a connection attempt failed, in words a person on the line understands, naming the endpoint. */
export function connectProblem(c: ModbusConnection, err: unknown): string {
  const endpoint = endpointOf(c);
  // @serialport/bindings-cpp reports open failures as text only ("No such file or directory, cannot open ...").
  const message = (err as Error).message ?? '';
  const serial = /No such file or directory/i.test(message) ? 'ENOENT' : /Permission denied/i.test(message) ? 'EACCES' : undefined;
  switch (codeOf(err) ?? serial) {
    case 'ECONNREFUSED': return `connection refused by ${endpoint}`;
    case 'ETIMEDOUT': return `no answer to the connection request at ${endpoint}`;
    case 'EHOSTUNREACH': case 'ENETUNREACH': return `host of ${endpoint} unreachable`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `host name of ${endpoint} not found`;
    case 'ENOENT': return `serial port ${endpoint} does not exist`;
    case 'EACCES': return `no permission to open serial port ${endpoint}`;
    default: return `cannot connect to ${endpoint}: ${message}`;
  }
}

/** The Modbus exception code of an exception response (application protocol §7), or undefined for any other failure. */
export function exceptionCode(err: unknown): number | undefined {
  const code = (err as { modbusCode?: unknown }).modbusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The connection itself is gone: every further request on it fails at once. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e.name === 'PortNotOpenError' || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(codeOf(err) ?? '') || /Port Not Open/i.test(e.message ?? '');
}

/** Node puts the symbolic code in `code` (and a number in `errno`); modbus-serial sometimes a string in `errno`. */
function codeOf(err: unknown): string | undefined {
  const e = err as { errno?: unknown; code?: unknown };
  return typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
}
