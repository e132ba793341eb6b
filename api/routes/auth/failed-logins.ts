import type { RateWindows } from '../../sharing/rate-windows.js';

/**
 * Failed sign-ins per client address, across accounts (issue #12 "password spraying"): the per-account limit lets
 * one address try a common password on every account. Only failures count, so a lab behind one NAT address can
 * still sign in all its people; fixed windows, because a sprayer's pace is what matters, not a precise slide.
 * Counted in the database (RateWindows), so every API process sharing it sees every failure.
 */
export class FailedLogins {
  constructor(private readonly windows: RateWindows, private readonly max: number, private readonly windowMs: number) {}

  /** Milliseconds until `address` may try again; 0 while it is under the limit. */
  blockedFor(address: string, now: number): number {
    const w = this.windows.peek(`login-failures|${address}`, now);
    return w.count >= this.max ? w.resetAt - now : 0;
  }

  recordFailure(address: string, now: number): void {
    this.windows.hit(`login-failures|${address}`, this.windowMs, now);
  }
}
