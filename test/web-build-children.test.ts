import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildWeb } from '../web/build.js';
import { eventually } from './helpers/servers.js';

interface Child { pid: number; name: string; state: string }

/** This process's children from /proc/<pid>/stat: "pid (comm) state ppid ...", comm may hold spaces or parentheses. */
function children(): Child[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return []; }
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    return Number(ppid) === process.pid ? [{ pid: Number(pid), name: stat.slice(stat.indexOf('(') + 1, close), state: state! }] : [];
  });
}

describe('building the dashboard leaves no esbuild child behind (issue #12)', () => {
  it('stops and reaps the esbuild service after a build, as npm start runs it', async () => {
    const before = new Set(children().map((c) => c.pid));
    await buildWeb({ force: true });
    // Stopping is a signal; the reaping follows on the event loop, so wait for it rather than sample once.
    const left = await eventually('esbuild child of the build gone', () => {
      const fromBuild = children().filter((c) => c.name === 'esbuild' && !before.has(c.pid));
      return fromBuild.length === 0 ? fromBuild : undefined;
    }, 5_000).catch(() => children().filter((c) => c.name === 'esbuild' && !before.has(c.pid)));
    expect(left).toEqual([]);
    expect(children().filter((c) => c.state === 'Z')).toEqual([]);
  });
});
