/** One measured run of a gateway-scale case (bench/gateway-scale.ts). */
export interface CaseResult {
  name: string;
  startupS: number;
  cores: number;
  /** The simulators' own CPU, to show they leave room for the gateway on the same cores. */
  simulatorCores: number;
  /** Peak RSS over the gateway's life, loading its configuration included. */
  peakRssMb: number;
  /** Peak RSS while measuring: the running gateway. */
  windowRssMb: number;
  offeredPerS: number;
  deliveredPerS: number;
  /** Modbus requests issued ÷ the fewest the layout allows, for what was delivered. */
  requestsRatio: number | undefined;
  p99Ms: number;
  /** The gateway's own publish latency (queued -> PUBACK), p99 as the upper bound of its histogram bucket, whole run. */
  publishP99S: number;
  /** Readings the gateway acquired over its whole life (its own count, logged at stop). */
  acquired: number;
  /** Distinct readings the subscriber received over the same life. */
  delivered: number;
  queuedAtExit: number;
  duplicates: number;
  dropped: number;
  missedCycles: number;
  laggingDevices: number;
  lagLogLines: number;
  firstLagLine: string | undefined;
}

const spread = (values: number[], digits: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(digits);
  return sorted.length === 1 ? f(sorted[0]!) : `${f(sorted[Math.floor(sorted.length / 2)]!)} (${f(sorted[0]!)}-${f(sorted.at(-1)!)})`;
};

/** Prints a case: each figure as median (min-max) over the runs. */
export function printCase(runs: CaseResult[]): void {
  const row = (name: string, value: string, note = '') => process.stdout.write(`  ${name.padEnd(40)} ${value.padStart(26)}   ${note}\n`);
  const pick = (f: (r: CaseResult) => number, digits = 0) => spread(runs.map(f), digits);
  process.stdout.write(`${runs[0]!.name} (${runs.length} run(s); median (min-max))\n`);
  row('startup to first full delivery (s)', pick((r) => r.startupS, 1));
  row('gateway CPU (cores)', pick((r) => r.cores, 3));
  row('simulator CPU (cores, not the gateway)', pick((r) => r.simulatorCores, 3));
  row('gateway RSS peak, running (MB)', pick((r) => r.windowRssMb));
  row('gateway RSS peak, incl. config load (MB)', pick((r) => r.peakRssMb));
  row('readings/s offered', pick((r) => r.offeredPerS));
  row('readings/s delivered', pick((r) => r.deliveredPerS), `${pick((r) => (100 * r.deliveredPerS) / r.offeredPerS, 2)} % of offered`);
  row('readings per CPU-second', pick((r) => r.deliveredPerS / r.cores));
  if (runs[0]!.requestsRatio !== undefined) row('requests / optimal', pick((r) => r.requestsRatio!, 2));
  row('latency poll start -> subscriber, p99 (ms)', pick((r) => r.p99Ms));
  row('publish latency queued -> PUBACK, p99 (s, bucket <=)', pick((r) => r.publishP99S, 3));
  row('acquired - delivered (whole run)', pick((r) => r.acquired - r.delivered), `queued on disk at exit: ${pick((r) => r.queuedAtExit)} batch(es); dropped (counted): ${pick((r) => r.dropped)}; duplicates: ${pick((r) => r.duplicates)}`);
  row('poll cycles missed (metric)', pick((r) => r.missedCycles), `devices lagging at end: ${pick((r) => r.laggingDevices)}; lag log lines: ${pick((r) => r.lagLogLines)}`);
  const line = runs.find((r) => r.firstLagLine)?.firstLagLine;
  if (line) process.stdout.write(`  first lag log line: ${line}\n`);
}
