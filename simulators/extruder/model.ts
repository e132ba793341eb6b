import { gaussian } from '../noise.js';

/**
 * A co-rotating twin-screw extruder (pilot scale, ~25 mm screws): eight heated barrel zones that follow
 * their setpoints, a screw drive that ramps to its speed setpoint, and a melt whose pressure at the die
 * rises with throughput and falls as the melt gets hotter (lower viscosity). Torque follows the specific
 * fill of the screws: more feed per revolution, more torque.
 */
export const EXTRUDER_ZONES = 8;
export const EXTRUDER_AMBIENT_C = 22;
const MAX_MELT_PRESSURE_BAR = 250;
const MAX_TORQUE_PCT = 95;

export interface ExtruderState {
  running: boolean;
  heatersOn: boolean;
  zoneSetpoints: number[];
  screwSpeedSetpoint: number;
  feedSetpoint: number;
  zoneTemps: number[];
  screwSpeed: number;
  meltTemp: number;
  meltPressure: number;
  torque: number;
  pressureAlarm: boolean;
  torqueAlarm: boolean;
}

export type ExtruderMeasurement = `zone${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}` | 'meltTemp' | 'meltPressure' | 'screwSpeed' | 'torque';

export function initialExtruderState(running = true): ExtruderState {
  return {
    running, heatersOn: true,
    // A typical polypropylene profile: cool feed throat, rising to the metering zones and the die.
    zoneSetpoints: [60, 170, 190, 200, 210, 210, 215, 220],
    screwSpeedSetpoint: 300, feedSetpoint: 8,
    zoneTemps: Array.from({ length: EXTRUDER_ZONES }, () => EXTRUDER_AMBIENT_C),
    screwSpeed: 0, meltTemp: EXTRUDER_AMBIENT_C, meltPressure: 0, torque: 0, pressureAlarm: false, torqueAlarm: false,
  };
}

export function stepExtruder(s: ExtruderState, dt: number, noise: () => number = gaussian): ExtruderState {
  const lag = (value: number, target: number, tau: number) => value + (target - value) * (1 - Math.exp(-dt / tau));
  const zoneTemps = s.zoneTemps.map((t, i) => lag(t, s.heatersOn ? s.zoneSetpoints[i]! : EXTRUDER_AMBIENT_C, 40) + 0.1 * noise());
  const screwSpeed = Math.max(0, lag(s.screwSpeed, s.running ? s.screwSpeedSetpoint : 0, 2) + 0.5 * noise());
  const feed = s.running && screwSpeed > 10 ? s.feedSetpoint : 0;
  // Shear heating adds to the die zone temperature as speed rises.
  const meltTarget = zoneTemps[EXTRUDER_ZONES - 1]! + 0.03 * screwSpeed;
  const meltTemp = lag(s.meltTemp, feed > 0 ? meltTarget : s.meltTemp, 10) + 0.1 * noise();
  const viscosityFactor = Math.exp(-(Math.max(meltTemp, 150) - 200) / 60);
  const meltPressure = Math.max(0, lag(s.meltPressure, 9 * feed * viscosityFactor, 3) + 0.3 * noise());
  const fill = screwSpeed > 1 ? feed / screwSpeed : 0;
  const torque = Math.max(0, lag(s.torque, Math.min(100, 1500 * fill * viscosityFactor + (screwSpeed > 1 ? 8 : 0)), 1.5) + 0.2 * noise());
  return {
    ...s, zoneTemps, screwSpeed, meltTemp, meltPressure, torque,
    pressureAlarm: meltPressure > MAX_MELT_PRESSURE_BAR, torqueAlarm: torque > MAX_TORQUE_PCT,
  };
}

/** Current value of each named measurement. */
export function extruderMeasurements(s: ExtruderState): Record<ExtruderMeasurement, number> {
  const zones = Object.fromEntries(s.zoneTemps.map((t, i) => [`zone${i + 1}`, t])) as Record<`zone${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}`, number>;
  return { ...zones, meltTemp: s.meltTemp, meltPressure: s.meltPressure, screwSpeed: s.screwSpeed, torque: s.torque };
}
