import { describe, expect, it } from 'vitest';
import { HIGH_TEMPERATURE_ALARM_C, initialReactorState, stepReactor, vapourPressure, type ReactorState } from '../simulators/reactor/model.js';

const quiet = () => 0;
function run(state: ReactorState, seconds: number): ReactorState {
  let s = state;
  for (let i = 0; i < seconds * 10; i++) s = stepReactor(s, 0.1, quiet);
  return s;
}

describe('reactor model', () => {
  it('holds the batch at its temperature setpoint with the jacket PI controller', () => {
    const s = run(initialReactorState(), 3600);
    expect(Math.abs(s.reactorTemp - s.temperatureSetpoint)).toBeLessThan(1);
    const hotter = run({ ...s, temperatureSetpoint: 75 }, 3600);
    expect(Math.abs(hotter.reactorTemp - 75)).toBeLessThan(1);
  });

  it('is exothermic: while dosing, the jacket runs colder than the batch to remove the reaction heat', () => {
    const dosing = run(initialReactorState(), 3600);
    expect(dosing.converted).toBeGreaterThan(5);
    expect(dosing.jacketTemp).toBeLessThan(dosing.reactorTemp - 0.5);
    const idle = run({ ...dosing, dosingSetpoint: 0 }, 3600);
    expect(Math.abs(idle.jacketTemp - idle.reactorTemp)).toBeLessThan(0.5);
  });

  it('accumulates unreacted reagent when the batch is cold', () => {
    const warm = run(initialReactorState(), 1800);
    const cold = run({ ...initialReactorState(), temperatureSetpoint: 25 }, 1800);
    expect(cold.reagent).toBeGreaterThan(3 * warm.reagent);
    expect(cold.pH).toBeLessThan(warm.pH);
  });

  it('stops dosing while the high-temperature alarm is active (interlock)', () => {
    const s = run(initialReactorState(), 600);
    expect(s.dosingRate).toBeGreaterThan(20);
    const alarmed = run({ ...s, reactorTemp: HIGH_TEMPERATURE_ALARM_C + 3, highTemperatureAlarm: true, temperatureSetpoint: 98 }, 60);
    expect(alarmed.highTemperatureAlarm).toBe(true);
    expect(alarmed.dosingRate).toBeLessThan(0.1);
  });

  it('raises the pressure with temperature: 1 bar pad plus vapour pressure', () => {
    expect(vapourPressure(100)).toBeCloseTo(2.013, 2);
    expect(vapourPressure(20)).toBeLessThan(vapourPressure(60));
  });
});
