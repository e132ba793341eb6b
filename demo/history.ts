import type { Reading, ReadingValue } from '../common/contracts/index.js';
import type { GatewayConfig } from '../gateway/config.js';
import { convertValue } from '../gateway/drivers/opcua/values.js';
import { demoCampaignSteps, type CampaignStep } from '../simulators/campaign.js';
import { EXTRUDER_MATERIAL } from '../simulators/extruder/index.js';
import { initialExtruderState, stepExtruder, type ExtruderState } from '../simulators/extruder/model.js';
import { initialReactorState, stepReactor, type ReactorState } from '../simulators/reactor/model.js';
import { initialSprayDryerState, stepSprayDryer, type SprayDryerState } from '../simulators/spray-dryer/model.js';

type Device = GatewayConfig['devices'][number];
type Values = Record<string, () => ReadingValue>;

/** The simulators' models without their servers, driven by the same campaign steps, on a virtual clock. */
class Machines {
  dryer: SprayDryerState = initialSprayDryerState(false);
  extruder: ExtruderState = initialExtruderState(false);
  reactor: ReactorState = initialReactorState();
  phase = 'idle';
  readonly steps: Record<string, CampaignStep[]> = demoCampaignSteps({
    dryer: { setRunning: (running) => { this.dryer = { ...this.dryer, running }; } },
    extruder: { setRunning: (running) => { this.extruder = { ...this.extruder, running }; } },
    reactor: {
      setSetpoint: (key, value) => { this.reactor = { ...this.reactor, [key]: value }; },
      setPhase: (phase) => { this.phase = phase ?? 'idle'; },
    },
  });

  step(dtSeconds: number): void {
    this.dryer = stepSprayDryer(this.dryer, dtSeconds);
    this.extruder = stepExtruder(this.extruder, dtSeconds);
    this.reactor = stepReactor(this.reactor, dtSeconds);
  }

  /** Each parameter of config/gateway.example.yaml as the simulator serves it, by equipment id. */
  values(): Record<string, Values> {
    const zones = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`zone${i + 1}_temp`, () => this.extruder.zoneTemps[i]!]));
    return {
      'dryer-1': {
        inlet_temp: () => this.dryer.inletTemp, outlet_temp: () => this.dryer.outletTemp, feed_rate: () => this.dryer.feedRate,
        atomizer_speed: () => this.dryer.atomizerSpeed, inlet_temp_sp: () => this.dryer.inletSetpoint,
        running: () => this.dryer.running, alarm: () => this.dryer.alarm,
      },
      'extruder-1': {
        ...zones, melt_temp: () => this.extruder.meltTemp, melt_pressure: () => this.extruder.meltPressure,
        screw_speed: () => this.extruder.screwSpeed, torque: () => this.extruder.torque, screw_speed_sp: () => this.extruder.screwSpeedSetpoint,
        material: () => EXTRUDER_MATERIAL, running: () => this.extruder.running, heaters_on: () => this.extruder.heatersOn,
        pressure_alarm: () => this.extruder.pressureAlarm, torque_alarm: () => this.extruder.torqueAlarm,
      },
      'reactor-1': {
        reactor_temp: () => this.reactor.reactorTemp, jacket_temp: () => this.reactor.jacketTemp, pressure: () => this.reactor.pressure,
        agitator_speed: () => this.reactor.agitatorSpeed, ph: () => this.reactor.pH, dosing_rate: () => this.reactor.dosingRate,
        high_temp_alarm: () => this.reactor.highTemperatureAlarm, batch_state: () => this.phase, temp_setpoint: () => this.reactor.temperatureSetpoint,
      },
    };
  }
}

/** How the gateway acquires one parameter and turns the device's value into a reading. */
interface Acquired {
  id: string;
  read: () => ReadingValue;
  everyMs: number;
  /** OPC UA subscriptions report changes (beyond the deadband) and repeat an unchanged value every `repeatMs` (r: true). */
  subscription?: { deadband: number; repeatMs: number };
  /** Modbus registers: float32 keeps ~7 digits, integers are raw * scale. */
  encode: (value: ReadingValue) => ReadingValue;
}

const asRegisters = (type: string, scale: number, offset: number) => (value: ReadingValue): ReadingValue => {
  if (typeof value !== 'number') return value;
  if (type === 'float32') return value === 0 || scale !== 1 || offset !== 0 ? Math.fround(value) : Number(Math.fround(value).toPrecision(7));
  if (type === 'float64') return value;
  return Math.round((value - offset) / scale) * scale + offset;
};

function acquisitions(device: Device, values: Values): Acquired[] {
  return device.parameters.map((p): Acquired => {
    const read = values[p.id];
    if (!read) throw new Error(`demo history: the models have no value for parameter "${p.id}" of "${device.id}" (demo/history.ts)`);
    if (device.protocol === 'modbus') {
      const m = p as { type: string; scale?: number; offset?: number };
      return { id: p.id, read, everyMs: device.pollIntervalMs, encode: asRegisters(m.type, m.scale ?? 1, m.offset ?? 0) };
    }
    if (device.protocol === 'opcua') {
      const o = p as typeof device.parameters[number];
      // The gateway's own conversion to the parameter's declared datatype.
      const encode = (v: ReadingValue): ReadingValue => {
        const converted = convertValue(v, o.datatype);
        if ('error' in converted) throw new Error(`demo history: "${device.id}" parameter "${p.id}": ${converted.error}`);
        return converted.v;
      };
      if (o.poll) return { id: p.id, read, everyMs: o.pollIntervalMs ?? device.publishingIntervalMs, encode };
      return {
        id: p.id, read, everyMs: Math.max(1, o.samplingIntervalMs ?? device.samplingIntervalMs), encode,
        subscription: { deadband: o.deadband?.type === 'absolute' ? o.deadband.value : 0, repeatMs: device.heartbeatIntervalMs },
      };
    }
    const other: { protocol: string; id: string } = device;
    throw new Error(`demo history: no model for protocol "${other.protocol}" of "${other.id}"`);
  });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export interface HistoryTick {
  t: number;
  /** Readings taken at t, by equipment id; equipment with none is absent. */
  readings: Map<string, Reading[]>;
}

/**
 * The demo equipment's readings over [from, to), as the gateway of `config` would have delivered them: the models
 * of simulators/ stepped on the campaign's schedule from a cold start at `from`, each parameter read at its poll
 * or sampling interval and encoded as its register type; OPC UA subscriptions report changes beyond their deadband
 * and repeat unchanged values at the heartbeat. Every device of the config must be one the models simulate.
 */
export function* demoHistory(config: GatewayConfig, from: number, to: number): Generator<HistoryTick> {
  const machines = new Machines();
  const values = machines.values();
  const devices = config.devices.map((device) => {
    const modelled = values[device.id];
    if (!modelled) throw new Error(`demo history: no simulated equipment "${device.id}"; the demo history needs the example gateway config`);
    return { id: device.id, params: acquisitions(device, modelled), last: new Map<string, { v: ReadingValue; t: number }>() };
  });
  const tickMs = devices.flatMap((d) => d.params.map((p) => p.everyMs)).reduce(gcd);
  const next = Object.fromEntries(Object.keys(machines.steps).map((name) => [name, { index: 0, at: from }]));
  for (let t = from; t < to; t += tickMs) {
    for (const [name, steps] of Object.entries(machines.steps)) {
      const cursor = next[name]!;
      while (cursor.at <= t) {
        const step = steps[cursor.index % steps.length]!;
        step.apply();
        cursor.at += step.minutes * 60_000;
        cursor.index++;
      }
    }
    if (t > from) machines.step(tickMs / 1000);
    const readings = new Map<string, Reading[]>();
    for (const device of devices) {
      const taken: Reading[] = [];
      for (const p of device.params) {
        if ((t - from) % p.everyMs !== 0) continue;
        const v = p.encode(p.read());
        const last = device.last.get(p.id);
        if (p.subscription && last) {
          const changed = typeof v === 'number' && typeof last.v === 'number' ? Math.abs(v - last.v) > p.subscription.deadband : v !== last.v;
          if (!changed) {
            if (t - last.t >= p.subscription.repeatMs) { taken.push({ p: p.id, v: last.v, t, r: true }); last.t = t; }
            continue;
          }
        }
        device.last.set(p.id, { v, t });
        taken.push({ p: p.id, v, t });
      }
      if (taken.length) readings.set(device.id, taken);
    }
    yield { t, readings };
  }
}
