import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, writeTransaction } from '../common/runtime/sqlite.js';

describe('SQLite write transactions', () => {
  let dir = '';
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('take the write lock first, so a read-then-write never fails because another connection committed in between', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilothub-sqlite-'));
    const file = join(dir, 'store.db');
    const mine = openSqlite(file);
    const other = openSqlite(file);
    other.pragma('busy_timeout = 50');
    mine.exec('CREATE TABLE counter (n INTEGER)');
    let otherWrote = true;
    writeTransaction(mine, () => {
      const before = mine.prepare('SELECT count(*) FROM counter').pluck().get() as number;
      // The other connection (the API thread, a CLI, a second hub) tries to commit between our read and our write.
      try { other.prepare('INSERT INTO counter VALUES (1)').run(); } catch { otherWrote = false; }
      mine.prepare('INSERT INTO counter VALUES (?)').run(before + 1);
    });
    expect(otherWrote).toBe(false);
    expect(mine.prepare('SELECT n FROM counter').pluck().all()).toEqual([1]);
    mine.close(); other.close();
  });

  it('are the only kind the stores use: no deferred db.transaction() left in the source', () => {
    const grep = spawnSync('git', ['grep', '-n', '-E', '\\.transaction\\(', '--', '*.ts', ':!test/**', ':!common/runtime/sqlite.ts'], { encoding: 'utf8' });
    expect(grep.status, grep.stderr).not.toBe(128);
    expect(grep.stdout).toBe('');
  });
});
