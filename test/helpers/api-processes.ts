import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ApiOptions } from '../../api/server.js';

const WORKER = fileURLToPath(new URL('../sharing-api-process.ts', import.meta.url));

const children: ChildProcess[] = [];

/**
 * Stops the API processes still running; register it statically (`afterAll(stopApiProcesses)`), since a hook
 * registered from inside beforeAll never ran here.
 */
export async function stopApiProcesses(): Promise<void> {
  await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map(async (child) => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }));
}

/** Starts a real API in its own process on a data dir other processes may share; `extra`: more `startApi` options. */
export async function apiProcess(dataDir: string, mqttUrl: string, influxUrl: string, extra: Partial<ApiOptions> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, mqttUrl, influxUrl, JSON.stringify(extra)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  // Keep reading (and discarding its log lines) so the child never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => { if (line.startsWith('{"url"')) resolve({ url: (JSON.parse(line) as { url: string }).url, child }); });
    child.on('exit', (code) => reject(new Error(`API process exited (${code}) before printing its URL`)));
  });
}
