import { ModbusFaults } from '../modbus/faults.js';
import { RegisterBank } from '../modbus/register-bank.js';
import { serveModbusTcp, type ModbusSimServer } from '../modbus/server.js';
import { ValueFaults } from '../modbus/value-faults.js';
import { initialSprayDryerState, stepSprayDryer, type SprayDryerMeasurement, type SprayDryerState } from './model.js';

/**
 * Register map of the simulated spray dryer (float32, big-endian ABCD, unit id 1).
 * Documented in simulators/README.md and used by config/gateway.example.yaml.
 */
export const SPRAY_DRYER_MAP = {
  input: { inletTemp: 0, outletTemp: 2, feedRate: 4, atomizerSpeed: 6 },
  holding: { inletSetpoint: 0, feedSetpoint: 2, atomizerSetpoint: 4 },
  coil: { running: 0 },
  discrete: { alarm: 0 },
} as const;

export interface SprayDryerSim extends ModbusSimServer {
  state(): SprayDryerState;
  setRunning(running: boolean): void;
  /** Pins a measurement to a value until cleared with `undefined`. */
  override(measurement: SprayDryerMeasurement, value: number | undefined): void;
  /** Frozen values and out-of-range spikes. */
  values: ValueFaults<SprayDryerMeasurement>;
  /** The register memory, for tests that place their own values. */
  bank: RegisterBank;
}

export async function startSprayDryer(options: { port: number; host?: string; tickMs?: number; running?: boolean; unitId?: number }): Promise<SprayDryerSim> {
  const bank = new RegisterBank(1000);
  let state = initialSprayDryerState(options.running ?? true);
  const tickMs = options.tickMs ?? 100;

  const publish = () => {
    for (const [name, address] of Object.entries(SPRAY_DRYER_MAP.input) as [SprayDryerMeasurement, number][]) {
      bank.writeFloat32('input', address, values.shown(name, state[name]));
    }
    bank.writeFloat32('holding', SPRAY_DRYER_MAP.holding.inletSetpoint, state.inletSetpoint);
    bank.writeFloat32('holding', SPRAY_DRYER_MAP.holding.feedSetpoint, state.feedSetpoint);
    bank.writeFloat32('holding', SPRAY_DRYER_MAP.holding.atomizerSetpoint, state.atomizerSetpoint);
    bank.coil[SPRAY_DRYER_MAP.coil.running] = state.running ? 1 : 0;
    bank.discrete[SPRAY_DRYER_MAP.discrete.alarm] = state.alarm ? 1 : 0;
  };
  const values = new ValueFaults<SprayDryerMeasurement>(publish, () => ({
    inletTemp: state.inletTemp, outletTemp: state.outletTemp, feedRate: state.feedRate, atomizerSpeed: state.atomizerSpeed,
  }));
  // A client writing a setpoint register or the running coil changes the process, as on the real machine.
  const onWrite = (table: 'holding' | 'coil') => {
    if (table === 'coil') state = { ...state, running: bank.coil[SPRAY_DRYER_MAP.coil.running] === 1 };
    else state = {
      ...state,
      inletSetpoint: bank.readFloat32('holding', SPRAY_DRYER_MAP.holding.inletSetpoint),
      feedSetpoint: bank.readFloat32('holding', SPRAY_DRYER_MAP.holding.feedSetpoint),
      atomizerSetpoint: bank.readFloat32('holding', SPRAY_DRYER_MAP.holding.atomizerSetpoint),
    };
  };

  publish();
  const server = await serveModbusTcp({ units: new Map([[options.unitId ?? 1, bank]]), port: options.port, host: options.host, onWrite, faults: new ModbusFaults() });
  const timer = setInterval(() => { state = stepSprayDryer(state, tickMs / 1000); publish(); }, tickMs);
  timer.unref();

  return {
    ...server, bank, values,
    state: () => state,
    setRunning: (running) => { state = { ...state, running }; publish(); },
    override: (measurement, value) => values.pin(measurement, value),
    stop: async () => { clearInterval(timer); values.clear(); await server.stop(); },
  };
}
