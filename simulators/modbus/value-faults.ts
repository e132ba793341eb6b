/**
 * Value faults of a simulated instrument: a frozen value (a stuck transmitter keeps reporting its last
 * reading), a pinned value, and short out-of-range spikes (a loose connector, EMI on a 4-20 mA loop).
 */
export class ValueFaults<M extends string> {
  private frozen: Partial<Record<M, number>> | undefined;
  private readonly pinned = new Map<M, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly onChange: () => void, private readonly live: () => Record<M, number>) {}

  /** Freezes every measurement at the value it shows now until `freeze(false)`. */
  freeze(on: boolean): void {
    const live = this.live();
    this.frozen = on ? Object.fromEntries(Object.entries(live).map(([m, v]) => [m, this.shown(m as M, v as number)])) as Record<M, number> : undefined;
    this.onChange();
  }

  /** Pins `measurement` to `value` until cleared with `undefined`. */
  pin(measurement: M, value: number | undefined): void {
    if (value === undefined) this.pinned.delete(measurement);
    else this.pinned.set(measurement, value);
    this.onChange();
  }

  /** Shows `value` (typically out of range) for `durationMs`, then the live value again. */
  spike(measurement: M, value: number, durationMs: number): void {
    this.pin(measurement, value);
    const timer = setTimeout(() => { this.timers.delete(timer); this.pin(measurement, undefined); }, durationMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** What the instrument shows for `measurement` whose true value is `live`. */
  shown(measurement: M, live: number): number {
    return this.pinned.get(measurement) ?? this.frozen?.[measurement] ?? live;
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pinned.clear();
    this.frozen = undefined;
    this.onChange();
  }
}
