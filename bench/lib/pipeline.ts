import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestOptions } from '../../ingest/ingest.js';
import { cpuSeconds } from './cpu.js';

const CHILD = fileURLToPath(new URL('./pipeline-child.ts', import.meta.url));
export interface PipelinePart { child: ChildProcess; cpu(): number; stop(): Promise<void> }

/**
 * Forks broker or ingest (pipeline-child.ts) and waits for it to be ready. BENCH_CPU_PROF=DIR runs it under
 * `node --cpu-prof`, the profiles written into DIR/broker and DIR/ingest when it stops; BENCH_CHILD_FLAGS adds Node
 * options to both (e.g. `--max-semi-space-size=64`).
 */
async function forkPart(args: string[]): Promise<{ part: PipelinePart; ready: Record<string, unknown> }> {
  // A folder per part: each of its threads (tsx runs a loader thread) writes a profile of its own.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, args[0]!)}`] : [];
  const child = fork(CHILD, args, {
    execArgv: ['--import', 'tsx', ...profile, ...(process.env.BENCH_CHILD_FLAGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PILOTHUB_LOG_LEVEL: process.env.PILOTHUB_LOG_LEVEL ?? 'warn' },
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { ready, part: { child, cpu: () => cpuSeconds(child.pid!), stop: async () => { child.send('stop'); await exited; } } };
}

export async function forkBroker(dir: string, usersFile = join(dir, 'users.sqlite')): Promise<PipelinePart & { port: number }> {
  const { part, ready } = await forkPart(['broker', usersFile, join(dir, 'sessions.sqlite')]);
  return { ...part, port: ready.port as number };
}

export async function forkIngest(options: IngestOptions & { accountsFile: string }): Promise<PipelinePart & { whenWritten(readings: number): Promise<void> }> {
  const { part } = await forkPart(['ingest', JSON.stringify(options)]);
  return {
    ...part,
    whenWritten: (readings) => new Promise((resolve) => {
      part.child.once('message', () => resolve());
      part.child.send({ notifyAt: readings });
    }),
  };
}
