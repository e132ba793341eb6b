import type { ParameterMeta, Reading } from '../../../common/contracts/index.js';
import type { DeviceDriver, DriverContext, DriverModule } from '../driver.js';
import { decodeRegisters } from './codec.js';
import { ModbusDevice, type ModbusParameter } from './config.js';
import { connectProblem, endpointOf, exceptionCode, isConnectionError, openClient, readBlock, type Client } from './link.js';
import { planReads, type ReadRequest } from './plan.js';
import { Backoff } from './backoff.js';
import { isRefusal, MAX_REFUSAL_WAIT_MS, partOf, refusalName, splitRefused, type PlanEntry } from './refusals.js';
import { SILENT_POLLS_TO_OPEN, UnitBreaker } from './unit-breaker.js';

/** The planned reads of one unit id (refused blocks split, see refusals.ts) and its circuit breaker. */
interface UnitPlan { breaker: UnitBreaker; entries: PlanEntry[] }

type ReadOutcome = { values: number[] | boolean[] } | { err: Error; exception: number | undefined };

class ModbusDriver implements DeviceDriver {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> | undefined;
  private readonly units: UnitPlan[];
  private readonly endpoint: string;
  private connectFailures = 0;
  /** Why the connection went away during the current poll, for the device state. */
  private lost: string | undefined;

  constructor(private readonly device: ModbusDevice, private readonly ctx: DriverContext) {
    const plan = planReads(device.parameters, device.maxGap, device.connection.unitId);
    const unitIds = [...new Set(plan.map((r) => r.unitId))];
    this.units = unitIds.map((unitId) => ({ breaker: new UnitBreaker(unitId, device.pollIntervalMs), entries: plan.filter((r) => r.unitId === unitId).map((request) => ({ request })) }));
    this.endpoint = endpointOf(device.connection);
  }

  async start(): Promise<void> {
    const requests = this.units.reduce((n, u) => n + u.entries.length, 0);
    this.ctx.logger.info({ requests, parameters: this.device.parameters.length, transport: this.device.connection.transport }, 'modbus polling planned');
    this.schedule(Date.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.disconnect();
  }

  /**
   * Polls on a fixed grid (not "interval after the last poll") so timestamps do not drift. A cycle is measured from
   * the time it was due (a late timer counts: the gateway itself may be the overloaded part); one that takes longer
   * than the interval skips the slots it overran (the cycle stretches) and says so through metrics.cycle.
   */
  private schedule(dueAt: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        const interval = this.device.pollIntervalMs;
        const now = Date.now();
        const cycleMs = now - dueAt;
        // Slots between the one after dueAt and now were skipped; only an overrun counts (the first poll starts off the grid).
        const missed = cycleMs > interval ? Math.floor((now - (dueAt - (dueAt % interval) + interval)) / interval) + 1 : 0;
        if (!this.stopped) this.ctx.metrics?.cycle?.(cycleMs, interval, missed);
        this.schedule(now - (now % interval) + interval);
      });
    }, Math.max(0, dueAt - Date.now()));
  }

  private async poll(): Promise<void> {
    const t = Date.now();
    const client = await this.connect();
    if (!client) {
      if (!this.stopped) this.ctx.emit(this.device.parameters.map((p) => badReading(p, t)));
      return;
    }
    this.lost = undefined;
    const readings: Reading[] = [];
    let answered = false;
    // Open-circuit units come last: a probe that times out then delays no other unit's reads.
    for (const unit of [...this.units].sort((a, b) => Number(a.breaker.open) - Number(b.breaker.open))) {
      if (!this.client || this.stopped || !unit.breaker.asks(t)) {
        readings.push(...unit.entries.flatMap((e) => e.request.parameters.map((p) => badReading(p, t))));
        continue;
      }
      const result = await this.pollUnit(client, unit, t);
      readings.push(...result.readings);
      answered ||= result.answered;
    }
    if (this.stopped) return;
    this.ctx.health?.device(this.deviceProblem(answered));
    this.ctx.emit(readings);
  }

  /** Reads one unit's blocks; once the unit leaves a request unanswered, its other blocks this poll are not asked. */
  private async pollUnit(client: Client, unit: UnitPlan, t: number): Promise<{ readings: Reading[]; answered: boolean }> {
    const probing = unit.breaker.open;
    const readings: Reading[] = [];
    const entries: PlanEntry[] = [];
    let answered = false;
    let silent = false;
    for (const entry of unit.entries) {
      const { request } = entry;
      if (silent || !this.client || this.stopped || (entry.refusal && !entry.refusal.retry.isDue(t))) {
        entries.push(entry);
        readings.push(...request.parameters.map((p) => badReading(p, t)));
        continue;
      }
      // A probe (of an open unit, of a refused address) is one request without retries: it only asks whether it is back.
      const outcome = await this.read(client, request, probing || entry.refusal ? 0 : this.device.retries);
      if ('values' in outcome) {
        answered = true;
        if (entry.refusal) this.accepted(entry);
        entries.push(entry);
        for (const p of request.parameters) readings.push({ p: p.id, v: decode(outcome.values, request, p), t });
        continue;
      }
      if (outcome.exception !== undefined) answered = true;
      else if (this.client) silent = true;
      if (isRefusal(outcome.exception) && request.parameters.length > 1) {
        const found = await this.split(client, request, outcome.exception, t);
        entries.push(...found.map((f) => f.entry));
        for (const { entry: e, values } of found) readings.push(...e.request.parameters.map((p) => (values ? { p: p.id, v: decode(values, e.request, p), t } : badReading(p, t))));
        continue;
      }
      if (isRefusal(outcome.exception)) this.refused(entry, outcome.exception, t);
      else entry.refusal?.retry.failed(t); // a refused address that now times out waits its turn like one still refused
      entries.push(entry);
      readings.push(...request.parameters.map((p) => badReading(p, t)));
    }
    unit.entries = entries;
    if (answered) this.unitAnswered(unit);
    else if (silent) this.unitSilent(unit, t, probing);
    return { readings, answered };
  }

  /** Finds the refused parameter(s) of a block by binary split; the pieces replace the block in the plan. */
  private split(client: Client, request: ReadRequest, exception: number, t: number) {
    const { unitId, table, address, length } = request;
    this.ctx.logger.info({ unitId, table, address, length, exception },
      `modbus block refused (${refusalName(exception)}): device "${this.device.id}" unit ${unitId} ${table} ${address}..${address + length - 1}; reading it in parts to find the refused address`);
    return splitRefused(request, async (half) => {
      if (!this.client || this.stopped) return { exception: undefined };
      const outcome = await this.read(client, half, this.device.retries);
      return 'values' in outcome ? outcome : { exception: outcome.exception };
    }, (leaf, leafException) => {
      const entry: PlanEntry = { request: leaf };
      this.refused(entry, leafException, t);
      return entry;
    });
  }

  /** A single parameter's read was refused: bad without asking until its backoff is over, then asked once. */
  private refused(entry: PlanEntry, exception: number, t: number): void {
    const { request } = entry;
    const parameter = request.parameters[0]!;
    const first = !entry.refusal;
    entry.refusal ??= { retry: new Backoff(Math.max(1000, this.device.pollIntervalMs), Math.max(MAX_REFUSAL_WAIT_MS, this.device.pollIntervalMs)) };
    const waitMs = entry.refusal.retry.failed(t);
    const part = partOf(request, this.device.connection.unitId);
    const what = `${refusalName(exception)} (exception ${exception}) for parameter "${parameter.id}"`;
    if (first) {
      this.ctx.logger.warn({ unitId: request.unitId, table: request.table, address: request.address, parameter: parameter.id, exception, retryInMs: waitMs },
        `modbus address refused: device "${this.device.id}" unit ${request.unitId} ${request.table} ${request.address}: ${what}; it is bad and asked again now and then (check its address)`);
    }
    this.ctx.health?.part(part, `refused: ${what}`);
  }

  private accepted(entry: PlanEntry): void {
    const { request } = entry;
    entry.refusal = undefined;
    this.ctx.logger.info({ unitId: request.unitId, table: request.table, address: request.address, parameter: request.parameters[0]!.id },
      `modbus address answered again: device "${this.device.id}" unit ${request.unitId} ${request.table} ${request.address}`);
    this.ctx.health?.part(partOf(request, this.device.connection.unitId), undefined);
  }

  private unitAnswered(unit: UnitPlan): void {
    if (!unit.breaker.answered()) return;
    const { unitId } = unit.breaker;
    this.ctx.logger.info({ unitId }, `modbus unit ${unitId} of device "${this.device.id}" answers again; polling it every poll`);
    this.ctx.health?.part(`unit ${unitId}`, undefined);
  }

  private unitSilent(unit: UnitPlan, t: number, probing: boolean): void {
    const { unitId } = unit.breaker;
    const waitMs = unit.breaker.silent(t);
    if (waitMs !== undefined) {
      const parameters = unit.entries.reduce((n, e) => n + e.request.parameters.length, 0);
      this.ctx.logger.warn({ unitId, parameters, probeInMs: waitMs },
        `modbus unit ${unitId} of device "${this.device.id}" gave no response in ${SILENT_POLLS_TO_OPEN} polls: its ${parameters} parameter(s) are bad without asking, one probe request now and then (check unitId)`);
    } else if (probing) {
      this.ctx.logger.debug({ unitId }, `modbus unit ${unitId} still gives no response to the probe`);
    }
    if (unit.breaker.open) this.ctx.health?.part(`unit ${unitId}`, `no response from unit ${unitId}: check unitId`);
  }

  /** The device as a whole, after a poll on an open connection: undefined once anything answered. */
  private deviceProblem(answered: boolean): string | undefined {
    if (this.lost) return this.lost;
    if (answered) return undefined;
    if (this.units.every((u) => u.breaker.open)) {
      return `no response from ${this.endpoint}, unit ${this.units.map((u) => u.breaker.unitId).join(', ')}: every request timed out in ${SILENT_POLLS_TO_OPEN} polls or more`;
    }
    return `no response from ${this.endpoint}: every request of the poll timed out`;
  }

  private async read(client: Client, r: ReadRequest, retries: number): Promise<ReadOutcome> {
    for (let attempt = 0; ; attempt++) {
      this.ctx.metrics?.request();
      try {
        return { values: await readBlock(client, r) };
      } catch (caught) {
        const err = caught as Error;
        this.ctx.metrics?.error();
        const exception = exceptionCode(err);
        const connectionLost = isConnectionError(err);
        // An exception response is the device's answer; asking again gets the same one.
        if (attempt < retries && exception === undefined && !connectionLost && !this.stopped) {
          this.ctx.logger.debug({ unitId: r.unitId, table: r.table, address: r.address, attempt, err: err.message }, 'modbus read failed; retrying');
          continue;
        }
        const { unitId, table, address, length } = r;
        if (!isRefusal(exception)) this.ctx.logger.warn({ unitId, table, address, length, err: err.message },
          `modbus read failed: device "${this.device.id}" unit ${unitId} ${table} ${address}..${address + length - 1}: ${err.message}`);
        if (connectionLost) {
          this.lost = `connection to ${this.endpoint} lost: ${err.message}`;
          await this.disconnect();
        }
        return { err, exception };
      }
    }
  }

  private async connect(): Promise<Client | undefined> {
    if (this.client?.isOpen) return this.client;
    const connection = this.device.connection;
    try {
      this.client = await openClient(connection, this.device.timeoutMs);
      if (this.connectFailures > 0) this.ctx.logger.info({ endpoint: this.endpoint }, 'modbus connection restored');
      this.connectFailures = 0;
      return this.client;
    } catch (err) {
      const problem = connectProblem(connection, err);
      if (this.connectFailures++ === 0) {
        this.ctx.logger.warn({ endpoint: this.endpoint, err: (err as Error).message },
          `modbus connect failed: ${problem}: device "${this.device.id}" parameters are bad until it succeeds`);
      }
      this.ctx.metrics?.error();
      if (!this.stopped) this.ctx.health?.device(problem);
      return undefined;
    }
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

function decode(values: ArrayLike<number> | boolean[], request: ReadRequest, p: ModbusParameter): Reading['v'] {
  const offset = p.address - request.address;
  if (request.table === 'coil' || request.table === 'discrete') return Boolean((values as boolean[])[offset]);
  return decodeRegisters(values as ArrayLike<number>, p, offset);
}

function badReading(p: ModbusParameter, t: number): Reading {
  return { p: p.id, v: null, t, q: 'bad' };
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
