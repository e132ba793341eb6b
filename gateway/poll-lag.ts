import type { DeviceLag } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { DeviceHealth } from './device-health.js';
import type { GatewayMetrics } from './metrics.js';

/** Cycles on time in a row before a lagging device counts as keeping up again (no flapping state on a borderline load). */
export const CYCLES_TO_RECOVER = 5;

/**
 * Overload is never silent (issue #20): a polling driver reports each acquisition cycle; one that takes longer than the
 * poll interval makes the driver skip to the next slot (the cycle stretches, nothing read is dropped). A subscribing
 * driver reports each publish response with the values the server flagged as overflowed (samples it discarded).
 * This turns both into the metrics, one log line per device when it starts and stops lagging, and `lag` in the
 * retained device state.
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
    this.metrics.pollCycleSeconds.set({ device: this.device }, cycleMs / 1000);
    if (missed > 0) this.metrics.cyclesMissed.inc({ device: this.device }, missed);
    if (missed === 0) return this.onTimeAgain(now);
    if (this.behind()) return void (this.lag!.missedCycles += missed);
    this.lag = { since: now - cycleMs, intervalMs, cycleMs: Math.round(cycleMs), missedCycles: missed };
    this.startLagging({ cycleMs: Math.round(cycleMs), pollIntervalMs: intervalMs, missedCycles: missed },
      `a poll cycle took ${Math.round(cycleMs)} ms, longer than its pollIntervalMs ${intervalMs}; ` +
      'cycles are stretched to the next slot (readings come less often, none is dropped) until it keeps up');
  }

  /** One publish response of a subscription arrived; the server flagged `overflows` of its values as overflowed. */
  published(intervalMs: number, overflows: number, now = Date.now()): void {
    if (overflows > 0) this.metrics.queueOverflows.inc({ device: this.device }, overflows);
    if (overflows === 0) return this.onTimeAgain(now);
    if (this.behind()) return void (this.lag!.queueOverflows = (this.lag!.queueOverflows ?? 0) + overflows);
    this.lag = { since: now, intervalMs, cycleMs: intervalMs, missedCycles: 0, queueOverflows: overflows };
    this.startLagging({ publishingIntervalMs: intervalMs, queueOverflows: overflows },
      `the server discarded samples of ${overflows} monitored item(s) before the gateway fetched them (queue overflow); ` +
      'values between publishes are lost at the server until the gateway keeps up or queueSize covers samplingIntervalMs');
  }

  /** True (and the on-time streak reset) when the device already lags: the caller adds to the running counts. */
  private behind(): boolean {
    this.onTime = 0;
    return this.lag !== undefined;
  }

  /** Once per episode: the metric, one log line, and `lag` in the retained device state. */
  private startLagging(fields: Record<string, number>, why: string): void {
    this.metrics.deviceLagging.set({ device: this.device }, 1);
    this.logger.warn(fields, `device "${this.device}" falls behind: ${why}`);
    this.health.lag({ ...this.lag! });
  }

  private onTimeAgain(now: number): void {
    if (!this.lag || ++this.onTime < CYCLES_TO_RECOVER) return;
    const { missedCycles, queueOverflows } = this.lag;
    this.logger.info({ missedCycles, queueOverflows, lagMs: now - this.lag.since },
      `device "${this.device}" keeps up again after ${missedCycles} skipped cycle(s)${queueOverflows ? ` and ${queueOverflows} overflowed value(s)` : ''}`);
    this.lag = undefined;
    this.metrics.deviceLagging.set({ device: this.device }, 0);
    this.health.lag(undefined);
  }

  /** The device left the configuration: its series go with it. */
  forget(): void {
    for (const m of [this.metrics.pollCycleSeconds, this.metrics.cyclesMissed, this.metrics.queueOverflows, this.metrics.deviceLagging]) m.remove({ device: this.device });
  }
}
