/**
 * Failed sign-ins per client address, across accounts (issue #12 "password spraying"): the per-account limit lets
 * one address try a common password on every account. Only failures count, so a lab behind one NAT address can
 * still sign in all its people; fixed windows, because a sprayer's pace is what matters, not a precise slide.
 */
export class FailedLogins {
  private readonly byAddress = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Milliseconds until `address` may try again; 0 while it is under the limit. */
  blockedFor(address: string, now: number): number {
    const entry = this.byAddress.get(address);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.max ? entry.resetAt - now : 0;
  }

  recordFailure(address: string, now: number): void {
    const entry = this.byAddress.get(address);
    if (entry && entry.resetAt > now) entry.count++;
    else this.byAddress.set(address, { count: 1, resetAt: now + this.windowMs });
    // Spraying from many addresses must not grow the map without end: forget windows that have passed.
    if (this.byAddress.size > 10_000) for (const [key, e] of this.byAddress) if (e.resetAt <= now) this.byAddress.delete(key);
  }
}
