import ModbusRTU from 'modbus-serial';
import type { ParameterMeta, Reading } from '../../../common/contracts/index.js';
import type { DeviceDriver, DriverContext, DriverModule } from '../driver.js';
import { decodeRegisters, registerCount } from './codec.js';
import { ModbusDevice, type ModbusConnection, type ModbusParameter } from './config.js';
import { planReads, type ReadRequest } from './plan.js';

type Client = InstanceType<typeof ModbusRTU.default>;

class ModbusDriver implements DeviceDriver {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> | undefined;
  private readonly plan: ReadRequest[];
  private connectFailures = 0;

  constructor(private readonly device: ModbusDevice, private readonly ctx: DriverContext) {
    this.plan = planReads(device.parameters, device.maxGap, device.connection.unitId);
  }

  async start(): Promise<void> {
    this.ctx.logger.info({ requests: this.plan.length, parameters: this.device.parameters.length, transport: this.device.connection.transport }, 'modbus polling planned');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.disconnect();
  }

  /** Polls on a fixed grid (not "interval after the last poll") so timestamps do not drift. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        const interval = this.device.pollIntervalMs;
        this.schedule(interval - (Date.now() % interval));
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const t = Date.now();
    const client = await this.connect();
    if (!client) {
      if (!this.stopped) this.ctx.emit(this.device.parameters.map((p) => badReading(p, t)));
      return;
    }
    const readings: Reading[] = [];
    for (const request of this.plan) {
      try {
        const values = await this.readWithRetries(client, request);
        for (const p of request.parameters) readings.push({ p: p.id, v: this.decode(values, request, p), t });
      } catch (err) {
        this.ctx.metrics?.error();
        const { unitId, table, address, length } = request;
        this.ctx.logger.warn({ unitId, table, address, length, err: (err as Error).message },
          `modbus read failed: device "${this.device.id}" unit ${unitId} ${table} ${address}..${address + length - 1}: ${(err as Error).message}`);
        readings.push(...request.parameters.map((p) => badReading(p, t)));
        if (isConnectionError(err)) await this.disconnect();
      }
      if (this.stopped) return;
      // The connection dropped mid-poll: the remaining requests cannot succeed, mark them bad without waiting.
      if (!this.client) {
        readings.push(...this.plan.slice(this.plan.indexOf(request) + 1).flatMap((r) => r.parameters.map((p) => badReading(p, t))));
        break;
      }
    }
    this.ctx.emit(readings);
  }

  private decode(values: ArrayLike<number> | boolean[], request: ReadRequest, p: ModbusParameter): Reading['v'] {
    const offset = p.address - request.address;
    if (request.table === 'coil' || request.table === 'discrete') return Boolean((values as boolean[])[offset]);
    const registers = Array.prototype.slice.call(values, offset, offset + registerCount(p)) as number[];
    return decodeRegisters(registers, p);
  }

  private async readWithRetries(client: Client, r: ReadRequest): Promise<number[] | boolean[]> {
    client.setID(r.unitId);
    for (let attempt = 0; ; attempt++) {
      this.ctx.metrics?.request();
      try {
        switch (r.table) {
          case 'holding': return (await client.readHoldingRegisters(r.address, r.length)).data;
          case 'input': return (await client.readInputRegisters(r.address, r.length)).data;
          case 'coil': return (await client.readCoils(r.address, r.length)).data;
          case 'discrete': return (await client.readDiscreteInputs(r.address, r.length)).data;
        }
      } catch (err) {
        // An exception response is the device's answer; asking again gets the same one.
        if (attempt >= this.device.retries || isConnectionError(err) || isModbusException(err) || this.stopped) throw err;
        this.ctx.metrics?.error();
        this.ctx.logger.debug({ unitId: r.unitId, table: r.table, address: r.address, attempt, err: (err as Error).message }, 'modbus read failed; retrying');
      }
    }
  }

  private async connect(): Promise<Client | undefined> {
    if (this.client?.isOpen) return this.client;
    const connection = this.device.connection;
    const client = new ModbusRTU.default();
    try {
      await open(client, connection);
      client.setTimeout(this.device.timeoutMs);
      this.client = client;
      if (this.connectFailures > 0) this.ctx.logger.info({ endpoint: endpointOf(connection) }, 'modbus connection restored');
      this.connectFailures = 0;
      return client;
    } catch (err) {
      if (this.connectFailures++ === 0) {
        this.ctx.logger.warn({ endpoint: endpointOf(connection), err: (err as Error).message },
          `modbus connect to ${endpointOf(connection)} failed: device "${this.device.id}" parameters are bad until it succeeds`);
      }
      this.ctx.metrics?.error();
      if (client.isOpen) client.close(() => {});
      return undefined;
    }
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

function open(client: Client, c: ModbusConnection): Promise<void> {
  switch (c.transport) {
    case 'tcp': return client.connectTCP(c.host, { port: c.port });
    // modbus-serial's "TcpRTUBuffered" port speaks MBAP despite its name; its Telnet port sends raw RTU frames.
    case 'rtu-over-tcp': return client.connectTelnet(c.host, { port: c.port });
    case 'rtu': return client.connectRTUBuffered(c.path, { baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits });
  }
}

function endpointOf(c: ModbusConnection): string {
  return c.transport === 'rtu' ? `${c.path} (${c.baudRate} baud)` : `${c.transport === 'tcp' ? 'tcp' : 'rtu-over-tcp'}://${c.host}:${c.port}`;
}

function badReading(p: ModbusParameter, t: number): Reading {
  return { p: p.id, v: null, t, q: 'bad' };
}

function isModbusException(err: unknown): boolean {
  return typeof (err as { modbusCode?: unknown }).modbusCode === 'number';
}

function isConnectionError(err: unknown): boolean {
  const e = err as { errno?: string; code?: string; name?: string; message?: string };
  return e.name === 'PortNotOpenError' || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(e.errno ?? e.code ?? '') || /Port Not Open/i.test(e.message ?? '');
}

export const modbusDriver: DriverModule<typeof ModbusDevice> = {
  protocol: 'modbus',
  deviceSchema: ModbusDevice,
  describe: (device): ParameterMeta[] => device.parameters.map((p) => ({
    id: p.id, name: p.name, unit: p.unit, range: p.range, description: p.description,
    datatype: p.type === 'bool' || p.type === 'bit' ? 'boolean' : p.type === 'string' ? 'string' : 'number',
    acquisition: { mode: 'poll', intervalMs: device.pollIntervalMs },
  })),
  create: (device, context) => new ModbusDriver(device, context),
};
