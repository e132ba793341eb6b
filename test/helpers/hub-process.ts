import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../common/runtime/ports.js';
import { stopAtEnd } from './teardown.js';

export const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

export interface HubProcess {
  child: ChildProcess;
  apiUrl: string;
  mqttUrl: string;
  /** Every line the hub printed on stdout so far (the ready banner among them). */
  output: string[];
  /** SIGTERM, then waits until the hub (influxd included) has exited; its exit code (null: it had already ended). */
  stop(): Promise<number | null>;
}

/** A start that failed because another process took one of its free ports between the pick and the bind. */
class PortTaken extends Error {}

/**
 * `pilothub start` as `npm start` runs it, in a process of its own; killed at the end of the test file. Its ports are
 * picked free here and bound by the hub seconds later: when another test's process took one meanwhile (seen in CI),
 * the start is tried again with new ports.
 */
export async function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHubOnce(env);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 3) throw err;
    }
  }
}

async function startHubOnce(env: Record<string, string>): Promise<HubProcess> {
  const mqttPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No demo history unless a test asks for it (test/demo-history.test.ts): a day of it is a minute of CPU the suite shares.
    env: { ...process.env, PILOTHUB_API_PORT: String(await freePort()), PILOTHUB_MQTT_PORT: String(mqttPort), PILOTHUB_LOG_LEVEL: 'error', PILOTHUB_DEMO_HISTORY_HOURS: '0', ...env },
  });
  stopAtEnd(child, 'SIGKILL');
  let portTaken = false;
  // Passed on as before; read for the start's "port ... is already in use" refusal.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    if (/port \S+ is already in use/.test(line)) portTaken = true;
  });
  const output: string[] = [];
  const apiUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const ready = /pilothub ready: API (http\S+)/.exec(line);
      if (ready) resolve(ready[1]!);
    });
    // 'close', not 'exit': by then stderr has been read to its end, the reason included.
    child.once('close', (code) => {
      const message = `pilothub start exited (${code}) before it was ready`;
      reject(portTaken ? new PortTaken(message) : new Error(message));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return null;
    const exited = once(child, 'exit') as Promise<[number | null]>;
    child.kill('SIGTERM');
    return (await exited)[0];
  };
  return { child, apiUrl, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, output, stop };
}

/** Runs a `pilothub` command to its end (asynchronously: a hub of this test keeps being read); status and output. */
export async function pilothub(args: string[], env: Record<string, string> = {}, input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, PILOTHUB_LOG_LEVEL: 'warn', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdin.end(input);
  const [status] = await once(child, 'close') as [number | null];
  return { status, stdout, stderr };
}
