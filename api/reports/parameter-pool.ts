import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { FROM_SOURCES } from '../../common/runtime/worker-entry.js';
import type { ParameterResult, ParameterTask } from './parameter-task.js';

/**
 * Worker threads that read and analyse a report's parameters, each its own (piscina: a maintained pool with
 * queueing, cancellation and crash recovery, rather than hand-written worker bookkeeping). Decoding, statistics,
 * charts and the canonical serialisation of 1.44 M points kept the API's one thread busy longer than InfluxDB
 * took to serve them; spread over threads they overlap with InfluxDB and each other, and the API stays
 * responsive while a report is built. Threads start on first use and stop after a minute idle.
 */
export class ParameterPool {
  private pool: Piscina<ParameterTask, ParameterResult> | undefined;

  constructor(private readonly threads = Math.max(1, Math.min(4, availableParallelism()))) {}

  run(task: ParameterTask, signal?: AbortSignal): Promise<ParameterResult> {
    this.pool ??= new Piscina({
      // From sources a boot file registers tsx in the worker first (loader hooks do not carry into worker threads).
      ...(FROM_SOURCES ? { filename: new URL('./worker-boot.mjs', import.meta.url).href } : { filename: new URL('./parameter-task.js', import.meta.url).href, name: 'parameterTask' }),
      minThreads: 0, maxThreads: this.threads, idleTimeout: 60_000,
    });
    return this.pool.run(task, { signal });
  }

  /**
   * Runs every task, `onResult` in arrival order; when `onResult` throws (a point budget exceeded), the tasks
   * still queued are cancelled and the error is the one thrown.
   */
  async runAll(tasks: ParameterTask[], onResult: (result: ParameterResult) => void): Promise<void> {
    const abort = new AbortController();
    // Every queued task listens on the one signal; that many listeners are expected, not a leak.
    setMaxListeners(tasks.length + 1, abort.signal);
    let failure: unknown;
    await Promise.all(tasks.map(async (task) => {
      try {
        const result = await this.run(task, abort.signal);
        if (failure === undefined) onResult(result);
      } catch (err) {
        failure ??= err;
        abort.abort();
      }
    }));
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}

/** Bytes that came back from a worker as a Buffer again (no copy). */
export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
