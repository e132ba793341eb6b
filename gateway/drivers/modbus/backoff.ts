/**
 * When to ask again something that did not answer or was refused: the wait starts at `baseMs` and doubles
 * up to `capMs`, so a dead unit or a missing address costs one request now and then instead of one per poll.
 */
export class Backoff {
  private waitMs: number;
  /** Epoch ms from which the next attempt is due. */
  dueAt = 0;

  constructor(private readonly baseMs: number, private readonly capMs: number) {
    this.waitMs = baseMs;
  }

  isDue(now: number): boolean {
    return now >= this.dueAt;
  }

  /** Another failed attempt at `now`: wait longer before the next one. Returns the wait. */
  failed(now: number): number {
    const wait = this.waitMs;
    this.dueAt = now + wait;
    this.waitMs = Math.min(this.capMs, this.waitMs * 2);
    return wait;
  }

  reset(): void {
    this.waitMs = this.baseMs;
    this.dueAt = 0;
  }
}
