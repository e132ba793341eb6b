import ModbusRTU from 'modbus-serial';
import type { ParameterMeta, Reading } from '../../../common/contracts/index.js';
import type { DeviceDriver, DriverContext, DriverModule } from '../driver.js';
import { decodeRegisters, registerCount } from './codec.js';
import { ModbusDevice, type ModbusParameter } from './config.js';
import { planReads, type ReadRequest } from './plan.js';

type Client = InstanceType<typeof ModbusRTU.default>;

class ModbusDriver implements DeviceDriver {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly plan: ReadRequest[];
  private connectFailures = 0;

  constructor(private readonly device: ModbusDevice, private readonly ctx: DriverContext) {
    this.plan = planReads(device.parameters, device.maxGap);
  }

  async start(): Promise<void> {
    this.ctx.logger.info({ requests: this.plan.length, parameters: this.device.parameters.length }, 'modbus polling planned');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.disconnect();
  }

  /** Polls on a fixed grid (not "interval after the last poll") so timestamps do not drift. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll().finally(() => {
      const interval = this.device.pollIntervalMs;
      this.schedule(interval - (Date.now() % interval));
    }), delayMs);
  }

  private async poll(): Promise<void> {
    const t = Date.now();
    const client = await this.connect();
    if (!client) {
      this.ctx.emit(this.device.parameters.map((p) => badReading(p, t)));
      return;
    }
    const readings: Reading[] = [];
    for (const request of this.plan) {
      try {
        const values = await this.readWithRetries(client, request);
        for (const p of request.parameters) readings.push({ p: p.id, v: this.decode(values, request, p), t });
      } catch (err) {
        this.ctx.logger.warn({ unitId: this.device.connection.unitId, table: request.table, address: request.address, length: request.length, err: (err as Error).message },
          `modbus read failed: device "${this.device.id}" unit ${this.device.connection.unitId} ${request.table} ${request.address}..${request.address + request.length - 1}`);
        readings.push(...request.parameters.map((p) => badReading(p, t)));
        if (isConnectionError(err)) await this.disconnect();
      }
      if (this.stopped) return;
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
    for (let attempt = 0; ; attempt++) {
      try {
        switch (r.table) {
          case 'holding': return (await client.readHoldingRegisters(r.address, r.length)).data;
          case 'input': return (await client.readInputRegisters(r.address, r.length)).data;
          case 'coil': return (await client.readCoils(r.address, r.length)).data;
          case 'discrete': return (await client.readDiscreteInputs(r.address, r.length)).data;
        }
      } catch (err) {
        if (attempt >= this.device.retries || isConnectionError(err) || isModbusException(err)) throw err;
      }
    }
  }

  private async connect(): Promise<Client | undefined> {
    if (this.client?.isOpen) return this.client;
    const { host, port, unitId } = this.device.connection;
    const client = new ModbusRTU.default();
    try {
      await client.connectTCP(host, { port });
      client.setID(unitId);
      client.setTimeout(this.device.timeoutMs);
      this.client = client;
      if (this.connectFailures > 0) this.ctx.logger.info({ host, port }, 'modbus connection restored');
      this.connectFailures = 0;
      return client;
    } catch (err) {
      if (this.connectFailures++ === 0) this.ctx.logger.warn({ host, port, err: (err as Error).message }, `modbus connect to ${host}:${port} failed; parameters are bad until it succeeds`);
      client.close(() => {});
      return undefined;
    }
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

function badReading(p: ModbusParameter, t: number): Reading {
  return { p: p.id, v: null, t, q: 'bad' };
}

function isModbusException(err: unknown): boolean {
  return typeof (err as { modbusCode?: unknown }).modbusCode === 'number';
}

function isConnectionError(err: unknown): boolean {
  const e = err as { errno?: string; code?: string; name?: string; message?: string };
  return e.name === 'PortNotOpenError' || e.errno === 'ECONNRESET' || e.code === 'ECONNRESET' || /Port Not Open/i.test(e.message ?? '');
}

export const modbusDriver: DriverModule<typeof ModbusDevice> = {
  protocol: 'modbus',
  deviceSchema: ModbusDevice,
  describe: (device): ParameterMeta[] => device.parameters.map((p) => ({
    id: p.id, name: p.name, unit: p.unit, range: p.range, description: p.description,
    datatype: p.type === 'bool' || p.type === 'bit' ? 'boolean' : p.type === 'string' ? 'string' : 'number',
  })),
  create: (device, context) => new ModbusDriver(device, context),
};
