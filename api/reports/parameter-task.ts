import { performance } from 'node:perf_hooks';
import type { ParameterMeta } from '../../common/contracts/index.js';
import { queryAllPoints } from '../../common/influx/history-queries.js';
import { InfluxV1Client, type InfluxAuth } from '../../common/influx/v1-client.js';
import { analyseParameter, type ParameterAnalysis } from './build.js';
import { canonicalChunk } from './canonical.js';
import type { SpecLimitRow } from './store.js';

/** One parameter of a report, read and worked on in a worker thread (parameter-pool.ts). */
export interface ParameterTask {
  influx: { url: string; database: string; retentionPolicy: string | undefined; auth: InfluxAuth | undefined };
  equipment: string;
  parameter: string;
  /** The half-open range of points read (canonicalWindow); when issuing, its end is also the run's end. */
  window: { from: number; to: number };
  /** Present when issuing a report (statistics, chart, ...); absent when verifying (serialisation only). */
  analyse?: { meta: ParameterMeta; limit: SpecLimitRow | undefined; timeZone: string };
}

/** What comes back: statistics, chart and the parameter's lines of the serialisation (about 45 bytes a point). */
export interface ParameterResult {
  parameter: string;
  count: number;
  bytes: Uint8Array;
  analysis?: Omit<ParameterAnalysis, 'chunk'>;
  /**
   * Where the read's time went (ms): `read` from query to last point; `decode` the part of it this thread was busy
   * (event-loop utilisation: decoding MessagePack into points), the rest is waiting on InfluxDB; `canonical` when
   * only serialising (verify).
   */
  ms: { read: number; decode: number; canonical?: number };
}

export async function parameterTask(task: ParameterTask): Promise<ParameterResult> {
  const client = new InfluxV1Client(task.influx.url, task.influx.database, undefined, { auth: task.influx.auth, retentionPolicy: task.influx.retentionPolicy });
  let result: ParameterResult | undefined;
  const started = performance.now();
  const busy = performance.eventLoopUtilization();
  await queryAllPoints(client, { equipment: task.equipment, parameters: [task.parameter], ...task.window }, (parameter, series) => {
    const ms = { read: performance.now() - started, decode: performance.eventLoopUtilization(busy).active };
    if (!task.analyse) {
      const bytes = exactCopy(canonicalChunk(parameter, series));
      result = { parameter, count: series.length, bytes, ms: { ...ms, canonical: performance.now() - started - ms.read } };
      return;
    }
    const { chunk, ...analysis } = analyseParameter(task.analyse.meta, series, task.analyse.limit, task.window, task.analyse.timeZone);
    result = { parameter, count: chunk.count, bytes: exactCopy(chunk.bytes), analysis, ms };
  }, 1);
  return result!;
}

/** The chunk's bytes in a buffer of their own size: posting a view would copy its whole, larger, backing store. */
const exactCopy = (bytes: Buffer) => new Uint8Array(bytes);
