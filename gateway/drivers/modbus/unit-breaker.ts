import { Backoff } from './backoff.js';

/** Polls in a row in which a unit answered nothing before it is taken out of the poll (issue #12). */
export const SILENT_POLLS_TO_OPEN = 3;
/** Longest wait between two probes of an open-circuit unit. */
const MAX_PROBE_WAIT_MS = 30_000;

/**
 * Circuit breaker of one unit id on a line. A unit nobody serves gets no answer, only the client timeout
 * (modbus-serial), and the requests on one connection go one after another: without the breaker, every
 * block of a dead unit would cost a timeout (and its retries) every poll and stretch the poll of every other
 * unit. Open, the unit is not asked; once per backoff step one probe request is sent.
 */
export class UnitBreaker {
  private silentPolls = 0;
  open = false;
  private readonly probes: Backoff;

  constructor(readonly unitId: number, pollIntervalMs: number) {
    // Probing faster than the poll would be pointless; a 1 h poll still probes once per poll.
    this.probes = new Backoff(Math.max(1000, pollIntervalMs), Math.max(MAX_PROBE_WAIT_MS, pollIntervalMs));
  }

  /** Whether this poll asks the unit: always while closed; once the probe wait is over while open. */
  asks(now: number): boolean {
    return !this.open || this.probes.isDue(now);
  }

  /** The unit answered (data or an exception response). Returns true when this closes an open breaker. */
  answered(): boolean {
    const wasOpen = this.open;
    this.silentPolls = 0;
    this.open = false;
    this.probes.reset();
    return wasOpen;
  }

  /**
   * A poll in which the unit answered nothing. Returns the wait until the next probe when this opens the
   * breaker, `undefined` otherwise (still closed, or already open and the probe failed again).
   */
  silent(now: number): number | undefined {
    this.silentPolls++;
    if (this.open) {
      this.probes.failed(now);
      return undefined;
    }
    if (this.silentPolls < SILENT_POLLS_TO_OPEN) return undefined;
    this.open = true;
    return this.probes.failed(now);
  }
}
