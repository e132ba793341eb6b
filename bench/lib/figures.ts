/** Small helpers the benchmarks share to print a figure with its spread. */
export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** "median (min-max)" of several tries, with `digits` decimals. */
export const withSpread = (xs: readonly number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

/** "median ms (min, max, n tries)" of timed tries, as the request benchmarks print them. */
export const msSpread = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}, ${s.length} tries)`;
};

/** Milliseconds of `count` calls of `fn`, after one call that warms caches and connections and is not counted. */
export async function timedTries(count: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

/**
 * A table of named phases, one row each: median and spread over the tries. `rows` gives each row's label and the
 * key of its figure in every try.
 */
export function phaseTable<K extends string>(tries: readonly Record<K, number>[], rows: readonly [K, string][], unit = 'ms'): string {
  const width = Math.max(...rows.map(([, label]) => label.length));
  return rows.map(([key, label]) => `  ${label.padEnd(width)}  ${withSpread(tries.map((t) => t[key]))} ${unit}`).join('\n');
}
