import type { DeviceFault, DeviceLag, DeviceState, Reading } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { DeviceHealthReporter } from './drivers/driver.js';

/** Used when every parameter's latest reading is bad and the driver named no cause itself. */
export const ALL_BAD_REASON = 'no good reading: every parameter is bad';

/** The contract's bounds (common/contracts/device-state.ts): a state within them can always be published. */
const MAX_FAULTS = 200;
const MAX_PART = 200;
const MAX_REASON = 500;
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Turns what a driver says about its device (and what its readings show) into the retained device state, and
 * publishes it only when it changes. A driver's own reason wins over the one inferred from readings: "connection
 * refused by tcp://10.0.0.7:502" helps the engineer more than "every parameter is bad".
 */
export class DeviceHealth implements DeviceHealthReporter {
  private driverProblem: string | undefined;
  /** Whether each parameter's latest reading was bad: drivers may emit only what changed (OPC UA). */
  private readonly bad = new Map<string, boolean>();
  private badCount = 0;
  private readonly faults = new Map<string, { reason: string; since: number }>();
  private published: DeviceState | undefined;
  private lagging: DeviceLag | undefined;

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

  /** The device is polled less often than configured (see poll-lag.ts); undefined when it keeps up again. */
  lag(lag: DeviceLag | undefined): void {
    this.lagging = lag;
    this.update();
  }

  /**
   * What the readings say, parameter by parameter: the device delivers nothing while every parameter's latest reading
   * is bad. A problem the driver reported stays until the driver clears it: it knows the cause, the readings do not.
   */
  observe(readings: readonly Reading[]): void {
    if (readings.length === 0) return;
    for (const r of readings) {
      const bad = r.q === 'bad';
      const before = this.bad.get(r.p);
      if (before === bad) continue;
      this.bad.set(r.p, bad);
      if (before) this.badCount--;
      if (bad) this.badCount++;
    }
    this.update();
  }

  current(): DeviceState | undefined {
    return this.published;
  }

  private update(): void {
    const allBad = this.bad.size > 0 && this.badCount === this.bad.size;
    const problem = this.driverProblem ?? (allBad ? ALL_BAD_REASON : undefined);
    const reason = problem === undefined ? undefined : clip(problem, MAX_REASON);
    const state: DeviceState['state'] = reason === undefined ? 'reachable' : 'unreachable';
    const all = [...this.faults];
    // A device with hundreds of refused addresses still publishes a valid state: the rest are counted in one entry.
    const shown = all.length > MAX_FAULTS ? all.slice(0, MAX_FAULTS - 1) : all;
    const faults: DeviceFault[] = shown.map(([part, f]) => ({ part: clip(part, MAX_PART), reason: clip(f.reason, MAX_REASON), since: f.since }));
    if (shown.length < all.length) faults.push({ part: `${all.length - shown.length} more parts`, reason: 'not listed: too many faults for one state message', since: Math.min(...all.slice(shown.length).map(([, f]) => f.since)) });
    const before = this.published;
    if (before && before.state === state && before.reason === reason && sameFaults(before.faults, faults) && before.lag === this.lagging) return;
    const now = this.now();
    const next: DeviceState = {
      gateway: this.gateway, state, ...(reason === undefined ? {} : { reason }),
      since: before?.state === state ? before.since : now, faults, ...(this.lagging ? { lag: this.lagging } : {}), t: now,
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
