import { gaussian } from '../noise.js';

/**
 * A pilot spray dryer as a set of first-order lags: the air heater drives the inlet temperature
 * toward its setpoint, evaporating the feed pulls the outlet temperature down, the feed pump and the
 * rotary atomizer spin up and down. Plausible enough to watch runs start and stop, simple enough to reason about.
 */
export const SPRAY_DRYER_AMBIENT_C = 22;
const OUTLET_ALARM_C = 110;
const INLET_ALARM_C = 240;

export interface SprayDryerState {
  running: boolean;
  inletSetpoint: number;
  feedSetpoint: number;
  atomizerSetpoint: number;
  inletTemp: number;
  outletTemp: number;
  feedRate: number;
  atomizerSpeed: number;
  alarm: boolean;
}

export type SprayDryerMeasurement = 'inletTemp' | 'outletTemp' | 'feedRate' | 'atomizerSpeed';

export function initialSprayDryerState(running = true): SprayDryerState {
  return {
    running, inletSetpoint: 180, feedSetpoint: 12, atomizerSetpoint: 18_000,
    inletTemp: SPRAY_DRYER_AMBIENT_C, outletTemp: SPRAY_DRYER_AMBIENT_C, feedRate: 0, atomizerSpeed: 0, alarm: false,
  };
}

/** Advances the model by `dtSeconds`; `noise()` returns a standard normal sample (injectable for tests). */
export function stepSprayDryer(s: SprayDryerState, dtSeconds: number, noise: () => number = gaussian): SprayDryerState {
  const lag = (value: number, target: number, tauSeconds: number) => value + (target - value) * (1 - Math.exp(-dtSeconds / tauSeconds));
  const inletTarget = s.running ? s.inletSetpoint : SPRAY_DRYER_AMBIENT_C;
  const inletTemp = lag(s.inletTemp, inletTarget, 15) + 0.15 * noise();
  const feedRate = Math.max(0, lag(s.feedRate, s.running ? s.feedSetpoint : 0, 3) + 0.03 * noise());
  const atomizerSpeed = Math.max(0, lag(s.atomizerSpeed, s.running ? s.atomizerSetpoint : 0, 4) + 15 * noise());
  // Evaporating the feed takes heat: the outlet sits well below the inlet and drops as feed rises.
  const outletTarget = Math.max(SPRAY_DRYER_AMBIENT_C, SPRAY_DRYER_AMBIENT_C + (inletTemp - SPRAY_DRYER_AMBIENT_C) * 0.55 - 2 * feedRate);
  const outletTemp = lag(s.outletTemp, outletTarget, 20) + 0.1 * noise();
  return { ...s, inletTemp, feedRate, atomizerSpeed, outletTemp, alarm: outletTemp > OUTLET_ALARM_C || inletTemp > INLET_ALARM_C };
}
