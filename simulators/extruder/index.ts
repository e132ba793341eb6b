import { ModbusFaults } from '../modbus/faults.js';
import { RegisterBank } from '../modbus/register-bank.js';
import { serveModbusRtu, serveModbusTcp, type ModbusRtuSimServer, type ModbusSimServer } from '../modbus/server.js';
import { ValueFaults } from '../modbus/value-faults.js';
import { EXTRUDER_ZONES, extruderMeasurements, initialExtruderState, stepExtruder, type ExtruderMeasurement, type ExtruderState } from './model.js';

/**
 * Register map of the simulated twin-screw extruder, unit id 1. Like many PLC-based extruder controls it
 * puts 32-bit values low word first: float32 and int32 in CDAB order. Documented in simulators/README.md.
 */
export const EXTRUDER_MAP = {
  input: {
    /** zone n (1-8) barrel temperature, float32 CDAB, °C, at 2(n-1) */
    zoneTemp: (zone: number) => 2 * (zone - 1),
    meltTemp: 16, meltPressure: 18,
    /** int32 CDAB, 0.1 rpm */
    screwSpeed: 20,
    /** int32 CDAB, 0.1 % of rated torque */
    torque: 22,
  },
  /** material: the grade being run, 16 characters (8 registers, high byte first), NUL-padded */
  holding: { zoneSetpoint: (zone: number) => 2 * (zone - 1), screwSpeedSetpoint: 16, feedSetpoint: 18, material: 100 },
  coil: { running: 0, heatersOn: 1 },
  discrete: { pressureAlarm: 0, torqueAlarm: 1 },
} as const;

/** The grade shown in the material-name registers; 16 characters at most. */
export const EXTRUDER_MATERIAL = 'PP-H 2150 natur';

export interface ExtruderSimControls {
  state(): ExtruderState;
  setRunning(running: boolean): void;
  /** Frozen values, pinned values and out-of-range spikes. */
  values: ValueFaults<ExtruderMeasurement>;
  faults: ModbusFaults;
  bank: RegisterBank;
}
export type ExtruderSim = ModbusSimServer & ExtruderSimControls;
export type ExtruderRtuSim = ModbusRtuSimServer & ExtruderSimControls;

function createExtruder(options: { tickMs?: number; running?: boolean }) {
  const bank = new RegisterBank(1000);
  let state = initialExtruderState(options.running ?? true);
  const publish = () => {
    const shown = extruderMeasurements(state);
    for (const [name, live] of Object.entries(shown) as [ExtruderMeasurement, number][]) shown[name] = values.shown(name, live);
    for (let zone = 1; zone <= EXTRUDER_ZONES; zone++) {
      bank.writeFloat32('input', EXTRUDER_MAP.input.zoneTemp(zone), shown[`zone${zone}` as ExtruderMeasurement], 'CDAB');
      bank.writeFloat32('holding', EXTRUDER_MAP.holding.zoneSetpoint(zone), state.zoneSetpoints[zone - 1]!, 'CDAB');
    }
    bank.writeFloat32('input', EXTRUDER_MAP.input.meltTemp, shown.meltTemp, 'CDAB');
    bank.writeFloat32('input', EXTRUDER_MAP.input.meltPressure, shown.meltPressure, 'CDAB');
    bank.writeInt32('input', EXTRUDER_MAP.input.screwSpeed, Math.round(shown.screwSpeed * 10), 'CDAB');
    bank.writeInt32('input', EXTRUDER_MAP.input.torque, Math.round(shown.torque * 10), 'CDAB');
    bank.writeInt32('holding', EXTRUDER_MAP.holding.screwSpeedSetpoint, Math.round(state.screwSpeedSetpoint * 10), 'CDAB');
    bank.writeFloat32('holding', EXTRUDER_MAP.holding.feedSetpoint, state.feedSetpoint, 'CDAB');
    bank.coil[EXTRUDER_MAP.coil.running] = state.running ? 1 : 0;
    bank.coil[EXTRUDER_MAP.coil.heatersOn] = state.heatersOn ? 1 : 0;
    bank.discrete[EXTRUDER_MAP.discrete.pressureAlarm] = state.pressureAlarm ? 1 : 0;
    bank.discrete[EXTRUDER_MAP.discrete.torqueAlarm] = state.torqueAlarm ? 1 : 0;
  };
  const values = new ValueFaults<ExtruderMeasurement>(publish, () => extruderMeasurements(state));
  // Setpoints and switches written by a client change the process, as on the real machine.
  const onWrite = (table: 'holding' | 'coil') => {
    if (table === 'coil') {
      state = { ...state, running: bank.coil[EXTRUDER_MAP.coil.running] === 1, heatersOn: bank.coil[EXTRUDER_MAP.coil.heatersOn] === 1 };
      return;
    }
    state = {
      ...state,
      zoneSetpoints: state.zoneSetpoints.map((_, i) => bank.readFloat32('holding', EXTRUDER_MAP.holding.zoneSetpoint(i + 1), 'CDAB')),
      screwSpeedSetpoint: bank.readBytes('holding', EXTRUDER_MAP.holding.screwSpeedSetpoint, 4, 'CDAB').readInt32BE() / 10,
      feedSetpoint: bank.readFloat32('holding', EXTRUDER_MAP.holding.feedSetpoint, 'CDAB'),
    };
  };
  publish();
  bank.writeBytes('holding', EXTRUDER_MAP.holding.material, Buffer.from(EXTRUDER_MATERIAL.padEnd(16, '\0'), 'latin1'), 'ABCD');
  const tickMs = options.tickMs ?? 100;
  const timer = setInterval(() => { state = stepExtruder(state, tickMs / 1000); publish(); }, tickMs);
  timer.unref();
  const faults = new ModbusFaults();
  const controls: ExtruderSimControls = {
    bank, values, faults,
    state: () => state,
    setRunning: (running) => { state = { ...state, running }; publish(); },
  };
  return { controls, onWrite, faults, dispose: () => { clearInterval(timer); values.clear(); } };
}

/** The extruder as a Modbus TCP server. */
export async function startExtruder(options: { port: number; host?: string; tickMs?: number; running?: boolean; unitId?: number }): Promise<ExtruderSim> {
  const x = createExtruder(options);
  const server = await serveModbusTcp({ units: new Map([[options.unitId ?? 1, x.controls.bank]]), port: options.port, host: options.host, onWrite: x.onWrite, faults: x.faults });
  return { ...server, ...x.controls, stop: async () => { x.dispose(); await server.stop(); } };
}

/** The extruder as a Modbus RTU slave on a pty pair (and, with `tcpPort`, RTU over TCP). */
export async function startExtruderRtu(options: { tcpPort?: number; host?: string; tickMs?: number; running?: boolean; unitId?: number }): Promise<ExtruderRtuSim> {
  const x = createExtruder(options);
  const server = await serveModbusRtu({ units: new Map([[options.unitId ?? 1, x.controls.bank]]), onWrite: x.onWrite, faults: x.faults, tcpPort: options.tcpPort, host: options.host });
  return { ...server, ...x.controls, stop: async () => { x.dispose(); await server.stop(); } };
}
