import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../common/runtime/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The real gateway component as installed, `pilothub gateway FILE` (bin/pilothub.js: the compiled dist/, no
 * TypeScript loader), as a child process, so its CPU time and RSS are its own and not the simulators' or the broker's. Its pino log goes to `<dir>/gateway.log` for the overload lines.
 * BENCH_CPU_PROF=1 adds `--cpu-prof` (profile written to `dir` at exit).
 */
export class GatewayChild {
  readonly child: ChildProcess;
  readonly logFile: string;
  private exited: Promise<number | null>;

  private constructor(readonly dir: string, configFile: string, readonly metricsPort: number) {
    this.logFile = join(dir, 'gateway.log');
    const log = createWriteStream(this.logFile);
    const prof = process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR ?? dir] : [];
    this.child = spawn(process.execPath, [...prof, join(ROOT, 'bin/pilothub.js'), 'gateway', configFile], {
      cwd: ROOT,
      env: { ...process.env, PILOTHUB_DATA_DIR: dir, PILOTHUB_LOG_LEVEL: 'info', PILOTHUB_GATEWAY_METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child.stdout!.pipe(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Compiles dist/ when the sources are newer, before any measurement. */
  static async build(): Promise<void> {
    const { ensureBuilt } = (await import(join(ROOT, 'scripts/build.mjs'))) as { ensureBuilt(): Promise<void> };
    await ensureBuilt();
  }

  static async start(dir: string, configFile: string): Promise<GatewayChild> {
    return new GatewayChild(dir, configFile, await freePort());
  }

  /** utime + stime of the gateway process, in seconds (clock ticks of USER_HZ = 100). */
  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  rssMb(): number {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  }

  /** The gateway's Prometheus text, as { "name{labels}": value }; summed by name with sum(). */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      out.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return out;
  }

  /** SIGTERM: the gateway stops its drivers, drains its queue (up to 5 s) and logs its totals. */
  async stop(): Promise<{ acquired: number; queued: number }> {
    this.child.kill('SIGTERM');
    await this.exited;
    await new Promise((r) => setTimeout(r, 200));
    const stopped = this.logLines().find((l) => l.msg === 'gateway stopped');
    return { acquired: Number(stopped?.readingsAcquired ?? NaN), queued: Number(stopped?.queuedMessages ?? NaN) };
  }

  logLines(): { msg?: string; [key: string]: unknown }[] {
    return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string });
  }
}

export const sum = (metrics: Map<string, number>, name: string): number =>
  [...metrics].reduce((n, [key, v]) => (key === name || key.startsWith(`${name}{`) ? n + v : n), 0);

/** Upper bound of the histogram bucket holding quantile `q` (Prometheus text buckets are cumulative). */
export function bucketQuantile(metrics: Map<string, number>, name: string, q: number): number {
  const buckets = [...metrics].filter(([key]) => key.startsWith(`${name}_bucket{`))
    .map(([key, count]) => ({ le: Number(/le="([^"]+)"/.exec(key)![1]), count })).sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? NaN;
}
