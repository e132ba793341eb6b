import type { DeviceFault, DeviceState, Reading } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { DeviceHealthReporter } from './drivers/driver.js';

/** Used when every parameter of a cycle came back bad and the driver named no cause itself. */
export const ALL_BAD_REASON = 'no good reading: every parameter is bad';

/**
 * Turns what a driver says about its device (and what its readings show) into the retained device state, and
 * publishes it only when it changes. A driver's own reason wins over the one inferred from readings: "connection
 * refused by tcp://10.0.0.7:502" helps the engineer more than "every parameter is bad".
 */
export class DeviceHealth implements DeviceHealthReporter {
  private driverProblem: string | undefined;
  private allBad = false;
  private readonly faults = new Map<string, { reason: string; since: number }>();
  private published: DeviceState | undefined;

  constructor(
    private readonly gateway: string,
    private readonly logger: Logger,
    private readonly publish: (state: DeviceState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  device(problem: string | undefined): void {
    this.driverProblem = problem;
    this.update();
  }

  part(part: string, problem: string | undefined): void {
    const current = this.faults.get(part);
    if (problem === undefined) this.faults.delete(part);
    else if (current?.reason !== problem) this.faults.set(part, { reason: problem, since: current?.since ?? this.now() });
    this.update();
  }

  /** What the emitted readings say: any good one means the device answered; only bad ones mean it did not. */
  observe(readings: readonly Reading[]): void {
    if (readings.length === 0) return;
    const allBad = readings.every((r) => r.q === 'bad');
    if (!allBad && this.driverProblem !== undefined) this.driverProblem = undefined;
    this.allBad = allBad;
    this.update();
  }

  current(): DeviceState | undefined {
    return this.published;
  }

  private update(): void {
    const reason = this.driverProblem ?? (this.allBad ? ALL_BAD_REASON : undefined);
    const state: DeviceState['state'] = reason === undefined ? 'reachable' : 'unreachable';
    const faults: DeviceFault[] = [...this.faults].map(([part, f]) => ({ part, reason: f.reason, since: f.since }));
    const before = this.published;
    if (before && before.state === state && before.reason === reason && sameFaults(before.faults, faults)) return;
    const now = this.now();
    const next: DeviceState = {
      gateway: this.gateway, state, ...(reason === undefined ? {} : { reason }),
      since: before?.state === state ? before.since : now, faults, t: now,
    };
    this.published = next;
    if (before?.state !== state) {
      if (state === 'unreachable') this.logger.warn({ reason }, `device unreachable: ${reason}`);
      else if (before) this.logger.info({ downMs: now - before.since }, 'device reachable again');
    }
    this.publish(next);
  }
}

function sameFaults(a: readonly DeviceFault[], b: readonly DeviceFault[]): boolean {
  return a.length === b.length && a.every((f, i) => f.part === b[i]!.part && f.reason === b[i]!.reason);
}
