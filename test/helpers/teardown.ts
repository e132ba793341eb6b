import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll } from 'vitest';

/**
 * Teardowns registered while a test file runs. vitest ignores `afterAll` called inside `beforeAll`
 * or inside a test, which is where helpers start servers; so helpers register here instead, and
 * this one file-level hook (attached when the test file imports the helpers) runs them, newest first.
 */
const pending: (() => unknown)[] = [];

afterAll(async () => {
  const errors: unknown[] = [];
  for (const fn of pending.splice(0).reverse()) {
    try { await fn(); } catch (err) { errors.push(err); }
  }
  if (errors.length) throw new AggregateError(errors, `${errors.length} teardown(s) failed`);
});

export function teardown(fn: () => unknown): void {
  pending.push(fn);
}

/**
 * Stops a spawned process at the end of the file and waits until it has exited, so a process still
 * writing into a temporary directory (mosquitto saves its persistence file on SIGTERM) is gone before
 * that directory is removed.
 */
export function stopAtEnd(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  });
}
