import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/runtime/logger.js';
import type { Db } from '../db/index.js';
import { holdsLease, readLease, releaseLease, takeOrRenewLease, type LeaseRow } from './store.js';

export interface LeaseOptions {
  /** How long a take or renewal holds the lease; a holder that dies is replaced at most this long after its last renewal. */
  termMs: number;
  /** How often the holder renews and a standby tries to take it. */
  renewMs: number;
}

export const DEFAULT_LEASE_OPTIONS: LeaseOptions = { termMs: 10_000, renewMs: 3_000 };

/** The lease of the duties that must happen once however many API processes share the database. */
export const BACKGROUND_DUTIES = 'background-duties';

/** What a duty asks: `held` to decide whether to act at all, `holdsInDatabase()` inside its write transaction as the fence. */
export interface DutyGate {
  readonly held: boolean;
  /** Call inside the write transaction (on the duty's own connection): the stored lease is this process's and unexpired. */
  holdsInDatabase(): boolean;
}

export interface LeaseStatus { instanceId: string; holding: boolean; holder: string | null; expiresAt: number | null }

/**
 * One process's side of a named lease in the database: takes it when free, expired or left by a process that is
 * gone, and renews it on a timer. `held` is true only while the last successful take or renewal is younger than the
 * term minus a fifth of it, counted on the monotonic clock from before the write: a holder that cannot renew
 * (database locked or failing) stops acting on its own. `held` can still be stale by the time a write gets the
 * write lock (a busy wait, a stalled loop, a clock step), so every gated write also checks `holdsInDatabase()`
 * inside its transaction: that fence is what keeps two processes from ever writing as holder at once.
 */
export class Lease implements DutyGate {
  readonly instanceId: string;
  private readonly options: LeaseOptions;
  private validUntil = 0;
  private acting = false;
  /** When the lease this process holds was taken: a different one at a renewal means it was lost and taken again. */
  private acquiredAt: number | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(held: boolean) => void>();

  constructor(
    private readonly db: Db, readonly name: string, private readonly logger: Logger,
    options: Partial<LeaseOptions> & { instanceId?: string } = {},
  ) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.options = { termMs: options.termMs ?? DEFAULT_LEASE_OPTIONS.termMs, renewMs: options.renewMs ?? DEFAULT_LEASE_OPTIONS.renewMs };
    if (this.options.renewMs * 2 > this.options.termMs) throw new Error(`lease "${name}": renewMs (${this.options.renewMs}) must be at most half of termMs (${this.options.termMs})`);
  }

  get held(): boolean {
    return performance.now() < this.validUntil;
  }

  holdsInDatabase(): boolean {
    return this.held && holdsLease(this.db, this.name, this.instanceId, Date.now());
  }

  /** Tries at once (so a lone process acts from its start), then every `renewMs`. */
  start(): void {
    this.renew();
    this.renewTimer = setInterval(() => this.renew(), this.options.renewMs);
    this.renewTimer.unref();
  }

  /** Called with true when this process becomes the holder and with false when it stops being it. */
  onChange(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Who holds the lease now, as the database says (an expired lease has no holder). */
  status(): LeaseStatus {
    const lease = readLease(this.db, this.name);
    const live = lease && lease.expiresAt > Date.now() ? lease : null;
    return { instanceId: this.instanceId, holding: this.held, holder: live?.holder ?? null, expiresAt: live?.expiresAt ?? null };
  }

  /** `pilothub_lease_held{lease,instance}`: 1 on the holder's /metrics, 0 on a standby's. */
  registerMetrics(registry: Registry): void {
    const labels = { lease: this.name, instance: this.instanceId };
    const held = () => this.held;
    new Gauge({
      name: 'pilothub_lease_held', help: 'Whether this API process holds the lease (1) and does its duties, by lease and instance id', labelNames: ['lease', 'instance'], registers: [registry],
      collect() { this.set(labels, held() ? 1 : 0); },
    });
  }

  /**
   * Stops renewing and releases the lease, so a standby takes it at its next try rather than after the term. Tried
   * even when this process no longer acts as holder (its stored lease may still be live); it deletes only its own.
   */
  stop(): void {
    clearInterval(this.renewTimer);
    clearTimeout(this.expiryTimer);
    this.validUntil = 0;
    this.update();
    try {
      releaseLease(this.db, this.name, this.instanceId);
    } catch (err) {
      this.logger.warn({ err, lease: this.name, instanceId: this.instanceId }, 'could not release the lease; it expires at the end of its term');
    }
  }

  /** `expires_at` is wall-clock time, which every process on the machine compares with its own. */
  private renew(): void {
    const startedAt = performance.now();
    let lease: LeaseRow | undefined;
    try {
      lease = takeOrRenewLease(this.db, this.name, this.instanceId, this.options.termMs, Date.now());
    } catch (err) {
      // Not renewed: the validity of the last renewal runs out on its own (the expiry timer), before the term does.
      this.logger.error({ err, lease: this.name, instanceId: this.instanceId }, 'lease renewal failed');
    }
    if (lease) {
      const mine = lease.holder === this.instanceId;
      // Taken afresh rather than renewed (another process held it in between, after a stall): the duties must hear
      // that they lost it and have it again, so they resync and take back what the other left.
      if (mine && this.acting && this.acquiredAt !== undefined && lease.acquiredAt !== this.acquiredAt) {
        this.validUntil = 0;
        this.update();
      }
      this.acquiredAt = mine ? lease.acquiredAt : undefined;
      this.validUntil = mine ? startedAt + this.options.termMs - this.options.termMs / 5 : 0;
      clearTimeout(this.expiryTimer);
      if (this.validUntil > 0) {
        this.expiryTimer = setTimeout(() => this.update(), Math.max(0, this.validUntil - performance.now()) + 1);
        this.expiryTimer.unref();
      }
    }
    this.update();
  }

  private update(): void {
    const held = this.held;
    if (held === this.acting) return;
    this.acting = held;
    this.logger.info({ lease: this.name, instanceId: this.instanceId }, held ? 'this process now holds the lease and does its duties' : 'this process no longer holds the lease and stops its duties');
    for (const listener of this.listeners) {
      try { listener(held); } catch (err) { this.logger.error({ err, lease: this.name }, 'lease listener failed'); }
    }
  }
}
