import { channel } from 'node:diagnostics_channel';
import type { ParameterResult } from './parameter-task.js';

/**
 * Where a report's time went, in ms (README "Benchmarks", bench/reports.ts prints it). Wall-clock figures of the
 * API thread, and per-parameter figures of the worker threads summed over the parameters (they run several at a
 * time, so those sums can exceed the wall-clock time of the read):
 * - read: wall time from the first query to the last parameter analysed;
 * - influx: summed time worker threads waited on InfluxDB; decode: summed time they were busy decoding its answers;
 * - statistics (with excursions and sample spacing), chart, canonical (the parameter's CSV lines): summed per parameter;
 * - join: hashing the CSV's parts; html: assembling the content and its HTML; pdf: Chromium printing, of which
 *   pdfLoad loading the HTML into the page and pdfPrint printing it (gzip of the CSV runs beside it; in a verify,
 *   gzip is unzipping and hashing the stored copy); store: the SQLite transaction; total: the whole issue or verify.
 */
export interface ReportPhases {
  kind: 'issue' | 'verify';
  id: string;
  points: number;
  parameters: number;
  ms: {
    read: number; influx: number; decode: number; statistics: number; chart: number; canonical: number;
    join: number; html: number; pdf: number; pdfLoad: number; pdfPrint: number; gzip: number; store: number; total: number;
  };
}

/**
 * Published once per report issued or verified; costs nothing without a subscriber (the benchmark subscribes).
 * A diagnostics channel rather than performance marks, which would pile up in a long-running API.
 */
export const reportPhases = channel('pilothub:report-phases');

/** The worker threads' share of the phases, summed over the parameters. */
export function workerPhases(results: readonly Pick<ParameterResult, 'ms' | 'analysis'>[]): Pick<ReportPhases['ms'], 'influx' | 'decode' | 'statistics' | 'chart' | 'canonical'> {
  const sum = { influx: 0, decode: 0, statistics: 0, chart: 0, canonical: 0 };
  for (const r of results) {
    sum.influx += r.ms.read - r.ms.decode;
    sum.decode += r.ms.decode;
    sum.statistics += r.analysis?.ms.statistics ?? 0;
    sum.chart += r.analysis?.ms.chart ?? 0;
    sum.canonical += r.analysis?.ms.canonical ?? r.ms.canonical ?? 0;
  }
  return sum;
}
