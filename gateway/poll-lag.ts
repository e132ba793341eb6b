import type { DeviceLag } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { DeviceHealth } from './device-health.js';
import type { GatewayMetrics } from './metrics.js';

/** Cycles on time in a row before a lagging device counts as keeping up again (no flapping state on a borderline load). */
export const CYCLES_TO_RECOVER = 5;

/**
 * Overload is never silent (issue #20): a driver reports each acquisition cycle; one that takes longer than the poll
 * interval makes the driver skip to the next slot (the cycle stretches, nothing read is dropped). This turns that
 * into the metrics, one log line per device when it starts and stops lagging, and `lag` in the retained device state.
 */
export class PollLag {
  private lag: DeviceLag | undefined;
  private onTime = 0;

  constructor(
    private readonly device: string,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    private readonly health: DeviceHealth,
  ) {}

  /** One cycle finished: it took `cycleMs` and skipped `missed` slots of `intervalMs`. */
  cycle(cycleMs: number, intervalMs: number, missed: number, now = Date.now()): void {
    const labels = { device: this.device };
    this.metrics.pollCycleSeconds.set(labels, cycleMs / 1000);
    if (missed > 0) {
      this.metrics.cyclesMissed.inc(labels, missed);
      this.onTime = 0;
      if (this.lag) {
        this.lag.missedCycles += missed;
        return;
      }
      this.lag = { since: now - cycleMs, intervalMs, cycleMs: Math.round(cycleMs), missedCycles: missed };
      this.metrics.deviceLagging.set(labels, 1);
      this.logger.warn({ cycleMs: Math.round(cycleMs), pollIntervalMs: intervalMs, missedCycles: missed },
        `device "${this.device}" falls behind: a poll cycle took ${Math.round(cycleMs)} ms, longer than its pollIntervalMs ${intervalMs}; ` +
        `cycles are stretched to the next slot (readings come less often, none is dropped) until it keeps up`);
      this.health.lag({ ...this.lag });
      return;
    }
    if (!this.lag || ++this.onTime < CYCLES_TO_RECOVER) return;
    this.logger.info({ missedCycles: this.lag.missedCycles, lagMs: now - this.lag.since },
      `device "${this.device}" keeps up with its poll interval again after ${this.lag.missedCycles} skipped cycle(s)`);
    this.lag = undefined;
    this.metrics.deviceLagging.set(labels, 0);
    this.health.lag(undefined);
  }

  /** The device left the configuration: its series go with it. */
  forget(): void {
    for (const m of [this.metrics.pollCycleSeconds, this.metrics.cyclesMissed, this.metrics.deviceLagging]) m.remove({ device: this.device });
  }
}
