import { gaussian } from '../noise.js';

/**
 * A jacketed batch reactor with an exothermic reaction, simple enough to reason about:
 * - a reagent is dosed into the batch and reacts at a rate that follows Arrhenius (k doubles every ~10 K),
 *   releasing heat; unreacted reagent accumulates when the batch is cold, which is what makes
 *   exothermic batches dangerous (a later temperature rise converts it all at once);
 * - the jacket exchanges heat with the batch (UA) and is driven toward the jacket inlet temperature
 *   that a PI temperature controller computes from the batch temperature error;
 * - pressure is the vapour pressure of the (aqueous) batch over a 1 bar nitrogen pad;
 * - pH falls with the unreacted (acidic) reagent;
 * - interlock: dosing stops while the high-temperature alarm is active, as a real batch recipe would.
 */
export const REACTOR_AMBIENT_C = 20;
export const HIGH_TEMPERATURE_ALARM_C = 95;
export const HIGH_PRESSURE_ALARM_BAR = 2.5;

export interface ReactorState {
  temperatureSetpoint: number;
  agitatorSetpoint: number;
  dosingSetpoint: number;
  reactorTemp: number;
  jacketTemp: number;
  /** Jacket inlet temperature: the PI controller's output. */
  jacketInletTemp: number;
  pressure: number;
  agitatorSpeed: number;
  pH: number;
  dosingRate: number;
  /** Unreacted reagent in the batch, kg. */
  reagent: number;
  /** Reagent converted since the batch started, kg. */
  converted: number;
  controllerIntegral: number;
  highTemperatureAlarm: boolean;
  highPressureAlarm: boolean;
}

export type ReactorMeasurement = 'reactorTemp' | 'jacketTemp' | 'pressure' | 'agitatorSpeed' | 'pH' | 'dosingRate';

const BATCH_HEAT_CAPACITY = 2000 * 4.0; // kJ/K: 2 t of aqueous batch
const JACKET_HEAT_CAPACITY = 300 * 4.18; // kJ/K: jacket water
const UA_FULL = 12; // kW/K at full agitation
const REACTION_HEAT = 2500; // kJ per kg reagent converted
const K_REF = 0.01; // 1/s at 60 °C
const JACKET_FLOW_TAU_S = 20;
const KP = 2.0; // K of jacket inlet per K of error
const TI_S = 120;
const JACKET_MIN_C = 5;
const JACKET_MAX_C = 140;

export function initialReactorState(): ReactorState {
  return {
    temperatureSetpoint: 60, agitatorSetpoint: 120, dosingSetpoint: 30,
    reactorTemp: REACTOR_AMBIENT_C, jacketTemp: REACTOR_AMBIENT_C, jacketInletTemp: REACTOR_AMBIENT_C,
    pressure: vapourPressure(REACTOR_AMBIENT_C), agitatorSpeed: 0, pH: 7, dosingRate: 0, reagent: 0, converted: 0,
    controllerIntegral: 0, highTemperatureAlarm: false, highPressureAlarm: false,
  };
}

/** Advances the model by `dtSeconds`; `noise()` returns a standard normal sample (injectable for tests). */
export function stepReactor(s: ReactorState, dtSeconds: number, noise: () => number = gaussian): ReactorState {
  const lag = (value: number, target: number, tauSeconds: number) => value + (target - value) * (1 - Math.exp(-dtSeconds / tauSeconds));

  // PI controller with conditional integration (no wind-up while the output is saturated).
  const error = s.temperatureSetpoint - s.reactorTemp;
  const unclamped = s.temperatureSetpoint + KP * (error + s.controllerIntegral / TI_S);
  const jacketInletTemp = clamp(unclamped, JACKET_MIN_C, JACKET_MAX_C);
  const controllerIntegral = unclamped === jacketInletTemp ? s.controllerIntegral + error * dtSeconds : s.controllerIntegral;

  const agitatorSpeed = Math.max(0, lag(s.agitatorSpeed, s.agitatorSetpoint, 3) + 0.3 * noise());
  const dosingTarget = s.highTemperatureAlarm ? 0 : s.dosingSetpoint;
  const dosingRate = Math.max(0, lag(s.dosingRate, dosingTarget, 2) + 0.05 * noise() * (dosingTarget > 0 ? 1 : 0));

  // Arrhenius: rate constant doubles roughly every 10 K.
  const k = K_REF * Math.pow(2, (s.reactorTemp - 60) / 10);
  const reacted = Math.min(s.reagent, s.reagent * k * dtSeconds);
  const reagent = s.reagent + (dosingRate / 3600) * dtSeconds - reacted;
  const reactionPower = (reacted * REACTION_HEAT) / dtSeconds; // kW

  // Heat transfer falls off without agitation (film coefficient).
  const ua = UA_FULL * (0.2 + 0.8 * Math.min(1, agitatorSpeed / 120));
  const exchange = ua * (s.reactorTemp - s.jacketTemp); // kW into the jacket
  const reactorTemp = s.reactorTemp + ((reactionPower - exchange) / BATCH_HEAT_CAPACITY) * dtSeconds;
  const jacketTemp = lag(s.jacketTemp, jacketInletTemp, JACKET_FLOW_TAU_S) + (exchange / JACKET_HEAT_CAPACITY) * dtSeconds;

  const pressure = vapourPressure(reactorTemp) + 0.002 * noise();
  const pH = 7 - 3 * (reagent / (reagent + 2)) + 0.01 * noise();
  return {
    ...s, jacketInletTemp, controllerIntegral, agitatorSpeed, dosingRate, reagent, converted: s.converted + reacted,
    reactorTemp: reactorTemp + 0.003 * noise(), jacketTemp, pressure, pH,
    highTemperatureAlarm: reactorTemp > HIGH_TEMPERATURE_ALARM_C || (s.highTemperatureAlarm && reactorTemp > HIGH_TEMPERATURE_ALARM_C - 5),
    highPressureAlarm: pressure > HIGH_PRESSURE_ALARM_BAR,
  };
}

/** Absolute pressure over the batch, bar: water vapour (Clausius-Clapeyron around 100 °C) plus a 1 bar N2 pad. */
export function vapourPressure(temperatureC: number): number {
  return 1 + 1.013 * Math.exp(4890 * (1 / 373.15 - 1 / (temperatureC + 273.15)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
