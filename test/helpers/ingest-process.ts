import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../common/runtime/ports.js';
import { eventually } from './pipeline.js';
import { stopAtEnd } from './teardown.js';

export interface IngestProcess { child: ChildProcess; metricsPort: number; url: string; output(): string }

/**
 * `pilothub ingest` as a child process, the way a deployment runs it, configured by `env`; resolves once its /health
 * answers (ingest serves it only after its subscription is granted). SIGKILLed at the end of the file if it still runs.
 */
export async function ingestProcess(env: Record<string, string>): Promise<IngestProcess> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'ingest'], {
    env: { ...process.env, ...env, PILOTHUB_INGEST_METRICS_PORT: String(metricsPort) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last few kilobytes of its log, for the message of a failure.
  let output = '';
  for (const out of [child.stdout!, child.stderr!]) out.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-6000); });
  stopAtEnd(child, 'SIGKILL');
  const url = `http://127.0.0.1:${metricsPort}`;
  await eventually('ingest process ready', async () => ((await fetch(`${url}/health`)).ok ? true : undefined), 30_000)
    .catch((err: Error) => { throw new Error(`${err.message}; ingest output: ${output}`); });
  return { child, metricsPort, url, output: () => output };
}
