import type { ExtruderSim } from './extruder/index.js';
import type { ReactorSim } from './reactor/index.js';
import type { SprayDryerSim } from './spray-dryer/index.js';

/** One step of a campaign: what the operator does at its start, and how long the machine then stays that way. */
export interface CampaignStep {
  name: string;
  minutes: number;
  apply(): void;
}

export interface RunningCampaign {
  /** The step each machine is in now, by machine name. */
  current(): Record<string, string>;
  stop(): void;
}

/**
 * The reactor's batch recipe: charge, heat, react (dosing the reagent), cool, discharge, then idle until the next
 * batch. BatchState reports the phase, so a run condition `batch_state != 'idle'` opens one run per batch.
 */
export function reactorBatch(reactor: Pick<ReactorSim, 'setSetpoint' | 'setPhase'>): CampaignStep[] {
  const phase = (name: string, minutes: number, setpoints: { temperature?: number; agitator?: number; dosing?: number }): CampaignStep => ({
    name, minutes,
    apply: () => {
      if (setpoints.temperature !== undefined) reactor.setSetpoint('temperatureSetpoint', setpoints.temperature);
      if (setpoints.agitator !== undefined) reactor.setSetpoint('agitatorSetpoint', setpoints.agitator);
      if (setpoints.dosing !== undefined) reactor.setSetpoint('dosingSetpoint', setpoints.dosing);
      reactor.setPhase(name);
    },
  });
  return [
    phase('charge', 1, { temperature: 25, agitator: 120, dosing: 0 }),
    phase('heat', 2, { temperature: 65 }),
    phase('react', 3, { dosing: 25 }),
    phase('cool', 2, { temperature: 30, dosing: 0 }),
    phase('discharge', 1, { agitator: 0 }),
    phase('idle', 2, {}),
  ];
}

/** A machine switched on for a production slot and off for cleaning or changeover, over and over. */
export function onOff(machine: Pick<SprayDryerSim | ExtruderSim, 'setRunning'>, onMinutes: number, offMinutes: number): CampaignStep[] {
  return [
    { name: 'running', minutes: onMinutes, apply: () => machine.setRunning(true) },
    { name: 'stopped', minutes: offMinutes, apply: () => machine.setRunning(false) },
  ];
}

/** Off first, then on: the extruder heats its barrel before it turns the screws (a cold melt trips the torque alarm). */
export function offOn(machine: Pick<SprayDryerSim | ExtruderSim, 'setRunning'>, offMinutes: number, onMinutes: number): CampaignStep[] {
  return onOff(machine, onMinutes, offMinutes).reverse();
}

/**
 * Plays each machine's steps in a loop, so runs open and close by themselves while a newcomer watches.
 * `speed` > 1 plays it faster (tests, presentations): a minute lasts 60 000 / speed ms.
 */
export function startCampaign(machines: Record<string, CampaignStep[]>, speed = 1): RunningCampaign {
  const timers = new Set<NodeJS.Timeout>();
  const current: Record<string, string> = {};
  let stopped = false;
  const play = (name: string, steps: CampaignStep[], index: number) => {
    if (stopped) return;
    const step = steps[index % steps.length]!;
    current[name] = step.name;
    step.apply();
    const timer = setTimeout(() => { timers.delete(timer); play(name, steps, index + 1); }, (step.minutes * 60_000) / speed);
    timer.unref();
    timers.add(timer);
  };
  for (const [name, steps] of Object.entries(machines)) {
    if (!steps.length) throw new Error(`campaign of "${name}" has no steps`);
    play(name, steps, 0);
  }
  return {
    current: () => ({ ...current }),
    stop: () => { stopped = true; for (const t of timers) clearTimeout(t); timers.clear(); },
  };
}

/** What the campaign drives: the simulators, or the models the demo's history is computed from (demo/history.ts). */
export interface CampaignMachines {
  dryer: Pick<SprayDryerSim, 'setRunning'>;
  extruder: Pick<ExtruderSim, 'setRunning'>;
  reactor: Pick<ReactorSim, 'setSetpoint' | 'setPhase'>;
}

/** The demo's steps: dryer 4 min on / 2 off, extruder 3 min heating or changeover / 7 on, a reactor batch every 11 min. */
export function demoCampaignSteps(machines: CampaignMachines): Record<keyof CampaignMachines, CampaignStep[]> {
  return { dryer: onOff(machines.dryer, 4, 2), extruder: offOn(machines.extruder, 3, 7), reactor: reactorBatch(machines.reactor) };
}

/** The demo's campaign, played on the simulators. */
export function demoCampaign(sims: CampaignMachines, speed = 1): RunningCampaign {
  return startCampaign(demoCampaignSteps(sims), speed);
}
