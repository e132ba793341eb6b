import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../api/db/index.js';
import { BACKGROUND_DUTIES, Lease } from '../api/lease/lease.js';
import { startApi } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';
import { readLease, releaseLease, takeOrRenewLease, thisProcess } from '../api/lease/store.js';
import { createLogger } from '../common/runtime/logger.js';
import { broker, eventually, tempDir } from './helpers/servers.js';

const TERM = 10_000;
const logger = createLogger('lease-test');
const opened: Db[] = [];
const leases: Lease[] = [];

/** Each contender has its own connection to one real SQLite file, as two API processes would. */
function connections(n: number): Db[] {
  const file = join(tempDir('pilothub-lease-'), 'pilothub.db');
  const dbs = Array.from({ length: n }, () => openDatabase(file));
  opened.push(...dbs);
  return dbs;
}

function lease(db: Db, instanceId: string, termMs: number, renewMs: number): Lease {
  const l = new Lease(db, 'duties', logger, { instanceId, termMs, renewMs });
  leases.push(l);
  return l;
}

afterEach(() => {
  for (const l of leases.splice(0)) l.stop();
  for (const db of opened.splice(0)) db.close();
});

describe('lease store: take, renew, expire, release', () => {
  it('gives a free lease to the first contender and keeps it from the second until it expires', () => {
    const [a, b] = connections(2) as [Db, Db];
    expect(takeOrRenewLease(a, 'duties', 'A', TERM, 1000)).toMatchObject({ name: 'duties', holder: 'A', expiresAt: 1000 + TERM, acquiredAt: 1000, process: thisProcess() });
    expect(takeOrRenewLease(b, 'duties', 'B', TERM, 1500).holder).toBe('A');
    // Renewal moves the expiry and keeps when it was taken.
    expect(takeOrRenewLease(a, 'duties', 'A', TERM, 4000)).toMatchObject({ name: 'duties', holder: 'A', expiresAt: 4000 + TERM, acquiredAt: 1000 });
    expect(takeOrRenewLease(b, 'duties', 'B', TERM, 4000 + TERM - 1).holder).toBe('A');
    // Expired: the other takes it, and the old holder can no longer renew.
    expect(takeOrRenewLease(b, 'duties', 'B', TERM, 4000 + TERM)).toMatchObject({ name: 'duties', holder: 'B', expiresAt: 4000 + 2 * TERM, acquiredAt: 4000 + TERM });
    expect(takeOrRenewLease(a, 'duties', 'A', TERM, 4000 + TERM + 1).holder).toBe('B');
  });

  it('lets only the holder release it, and a released lease is free at once', () => {
    const [a, b] = connections(2) as [Db, Db];
    takeOrRenewLease(a, 'duties', 'A', TERM, 1000);
    releaseLease(b, 'duties', 'B');
    expect(readLease(b, 'duties')?.holder).toBe('A');
    releaseLease(a, 'duties', 'A');
    expect(readLease(a, 'duties')).toBeNull();
    expect(takeOrRenewLease(b, 'duties', 'B', TERM, 1001).holder).toBe('B');
  });

  it('keeps leases of different names apart', () => {
    const [a] = connections(1) as [Db];
    takeOrRenewLease(a, 'one', 'A', TERM, 1000);
    expect(takeOrRenewLease(a, 'two', 'B', TERM, 1000).holder).toBe('B');
  });
});

describe('Lease: one holder among contenders, on real timers', () => {
  it('makes exactly one of three contenders the holder, and a standby takes over at once when it stops', async () => {
    const dbs = connections(3);
    const contenders = dbs.map((db, i) => lease(db, `P${i}`, 2000, 200));
    for (const c of contenders) c.start();
    expect(contenders.filter((c) => c.held)).toHaveLength(1);
    const holder = contenders.find((c) => c.held)!;
    expect(holder.status()).toMatchObject({ instanceId: holder.instanceId, holding: true, holder: holder.instanceId });
    const standby = contenders.find((c) => c !== holder)!;
    expect(standby.status()).toMatchObject({ holding: false, holder: holder.instanceId });
    holder.stop();
    // Released at once (the row is gone, not left to expire at the end of its 2 s term): a standby takes it at its next try.
    expect(standby.status()).toMatchObject({ holder: null, expiresAt: null });
    const next = await eventually('a standby holds the lease', () => contenders.find((c) => c !== holder && c.held));
    expect(contenders.filter((c) => c.held)).toEqual([next]);
  });

  it('stops acting as holder before its term ends when it cannot renew, and tells its duties', async () => {
    const [a, locker] = connections(2) as [Db, Db];
    a.pragma('busy_timeout = 20');
    const holder = lease(a, 'A', 1500, 300);
    const changes: boolean[] = [];
    holder.onChange((held) => changes.push(held));
    holder.start();
    expect(holder.held).toBe(true);
    // Another connection keeps the write lock: every renewal fails with SQLITE_BUSY.
    locker.prepare('BEGIN IMMEDIATE').run();
    try {
      const stored = () => locker.prepare("SELECT expires_at FROM leases WHERE name = 'duties'").pluck().get() as number;
      // Sampled while it still acts, the clock read before `held`: at every moment it acted, its lease was still the
      // one in the database, so nobody else could have taken it meanwhile (a late timer cannot fake a failure here).
      for (;;) {
        const now = Date.now();
        if (!holder.held) break;
        expect(now).toBeLessThan(stored());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await eventually('its duties told', () => (changes.length === 2 ? true : undefined));
      expect(changes).toEqual([true, false]);
    } finally {
      locker.prepare('ROLLBACK').run();
    }
    await eventually('renewed again once the lock is gone', () => (holder.held ? true : undefined));
    expect(changes).toEqual([true, false, true]);
  });
});

/** A process id that is certainly gone: a child that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

/** A lease row left by a process that never released it (killed), live for another minute. */
function leftBehind(db: Db, pid: number, processStart: string | null = thisProcess().processStart, host = thisProcess().host): void {
  db.prepare(`INSERT INTO leases (name, holder, expires_at, acquired_at, holder_host, holder_pid, holder_process_start)
    VALUES ('duties', 'gone', ?, ?, ?, ?, ?)`).run(Date.now() + 60_000, Date.now(), host, pid, processStart);
}

describe('Lease: a holder whose process is gone', () => {
  it('is replaced at once by a new process on the same host, not after its term', () => {
    const [a] = connections(1) as [Db];
    leftBehind(a, deadPid());
    const next = lease(a, 'A', TERM, 3000);
    next.start();
    expect(next.held).toBe(true);
    expect(readLease(a, 'duties')).toMatchObject({ holder: 'A', process: thisProcess() });
  });

  it('is replaced at once when it had our pid but started at another time (a restarted container\'s pid 1)', () => {
    if (thisProcess().processStart === null) return; // only where the process start is known (Linux)
    const [a] = connections(1) as [Db];
    leftBehind(a, process.pid, 'earlier');
    const next = lease(a, 'A', TERM, 3000);
    next.start();
    expect(next.held).toBe(true);
  });

  it('keeps its lease while its process lives, on another host or in another pid namespace of this host name, or with our pid and start (another lease in this process)', async () => {
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    // Another container with host networking: the same host name, its own pids (and here another boot too).
    const sameNameElsewhere = `${hostname()} pid:[1] boot:00000000-0000-0000-0000-000000000000`;
    try {
      for (const [pid, host] of [[alive.pid!, thisProcess().host], [deadPid(), 'another-host'], [deadPid(), sameNameElsewhere], [process.pid, thisProcess().host]] as const) {
        const [a] = connections(1) as [Db];
        leftBehind(a, pid, thisProcess().processStart, host);
        const next = lease(a, 'A', TERM, 3000);
        next.start();
        expect(next.held, `holder pid ${pid} on ${host}`).toBe(false);
        expect(readLease(a, 'duties')?.holder).toBe('gone');
      }
    } finally {
      alive.kill('SIGKILL');
    }
  });
});

describe('Lease: taken again after another process held it in between', () => {
  it('tells its duties it lost the lease and has it again, though it saw it held at both renewals', async () => {
    const [a, other] = connections(2) as [Db, Db];
    const holder = lease(a, 'A', 2000, 200);
    const changes: boolean[] = [];
    holder.onChange((held) => changes.push(held));
    holder.start();
    // Between two renewals (a stalled holder): another process took the lease and gave it up again.
    other.prepare("UPDATE leases SET holder = 'B', acquired_at = acquired_at + 1 WHERE name = 'duties'").run();
    releaseLease(other, 'duties', 'B');
    await eventually('taken again', () => (readLease(a, 'duties')?.holder === 'A' ? true : undefined));
    await eventually('the duties told', () => (changes.length >= 3 ? true : undefined), 3000);
    expect(changes).toEqual([true, false, true]);
    expect(holder.held).toBe(true);
  });
});

describe('startApi failing after it took the lease', () => {
  it('gives the lease up, so a standby need not wait out its term', async () => {
    const mqtt = await broker();
    const dataDir = tempDir('pilothub-lease-start-');
    // Read after the lease is taken: the alarm engine is created from it.
    process.env.PILOTHUB_ALARM_SPEC_DELAY_S = 'soon';
    try {
      await expect(startApi({ port: await freePort(), dataDir, mqttUrl: mqtt.url, influxUrl: 'http://127.0.0.1:9' })).rejects.toThrow('PILOTHUB_ALARM_SPEC_DELAY_S');
    } finally {
      delete process.env.PILOTHUB_ALARM_SPEC_DELAY_S;
    }
    const db = openDatabase(join(dataDir, 'pilothub.db'));
    opened.push(db);
    expect(readLease(db, BACKGROUND_DUTIES)).toBeNull();
  });
});

