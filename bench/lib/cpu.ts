import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ; sysconf(_SC_CLK_TCK) is 100 on every Linux ABI). */
const TICKS_PER_S = 100;

function stat(pid: number): { comm: string; cpu: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain numbers.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat (fields 14 and 15). */
export const cpuSeconds = (pid: number): number => stat(pid)?.cpu ?? 0;

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      out.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    }
  } catch { /* exited meanwhile */ }
  return out;
}

/**
 * CPU seconds used so far by a process and each of its live descendants, summed per command name (node, influxd,
 * chromium, ...): which program spent a benchmark's CPU. Subtract two snapshots for an interval.
 */
export function treeCpu(root = process.pid): Map<string, number> {
  const out = new Map<string, number>();
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    const s = stat(pid);
    if (s) out.set(s.comm, (out.get(s.comm) ?? 0) + s.cpu);
    todo.push(...children(pid));
  }
  return out;
}

/** `after - before` per command name, for names that used any CPU in between. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]).filter(([, s]) => (s as number) > 0));
}
