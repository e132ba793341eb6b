import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestOptions } from '../../ingest/ingest.js';

const CHILD = fileURLToPath(new URL('./pipeline-child.ts', import.meta.url));
/** Linux reports process times in clock ticks of 1/100 s (USER_HZ; sysconf(_SC_CLK_TCK) is 100 on every Linux ABI). */
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain numbers.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

export interface PipelinePart { child: ChildProcess; cpu(): number; stop(): Promise<void> }

/**
 * Forks broker or ingest (pipeline-child.ts) and waits for it to be ready. BENCH_CPU_PROF=DIR runs it under
 * `node --cpu-prof` with the profile written into DIR when it stops.
 */
async function forkPart(args: string[]): Promise<{ part: PipelinePart; ready: Record<string, unknown> }> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${args[0]}-${Date.now()}.cpuprofile`] : [];
  const child = fork(CHILD, args, {
    execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PILOTHUB_LOG_LEVEL: process.env.PILOTHUB_LOG_LEVEL ?? 'warn' },
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { ready, part: { child, cpu: () => cpuSeconds(child.pid!), stop: async () => { child.send('stop'); await exited; } } };
}

export async function forkBroker(dir: string): Promise<PipelinePart & { port: number }> {
  const { part, ready } = await forkPart(['broker', join(dir, 'users.sqlite'), join(dir, 'sessions.sqlite')]);
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
