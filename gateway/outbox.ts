import type Database from 'better-sqlite3';
import { openSqlite } from '../common/runtime/sqlite.js';

export interface OutboxMessage {
  id: number;
  topic: string;
  payload: string;
  /** When the batch was queued, for the publish latency metric. */
  created: number;
}

/**
 * The gateway's store-and-forward queue: every reading batch is written here before it is published and
 * deleted only when the broker's PUBACK arrives, so neither a broker outage nor a gateway restart loses it.
 *
 * SQLite (better-sqlite3) in WAL mode rather than hand-written segment files: a PUBACK deletes one row in
 * a transaction instead of needing a separate acknowledgement log and compaction, the byte total and the
 * sequence number persist atomically with the batch they belong to, and a torn write after a crash is
 * rolled back by SQLite instead of by recovery code of ours. synchronous=FULL fsyncs the WAL at each commit
 * (one commit per batch), so an acknowledged enqueue survives a power cut as well as a process crash.
 */
export class Outbox {
  private readonly db: Database.Database;
  private bytes: number;
  private count: number;
  droppedTotal: number;
  private readonly insert: Database.Statement<[string, string, number, number]>;
  private readonly remove_: Database.Statement<[number]>;
  private readonly after: Database.Statement<[number, number], OutboxMessage>;
  private readonly oldest: Database.Statement<[], { id: number; bytes: number }>;
  private readonly getMeta: Database.Statement<[string], { value: number }>;
  private readonly setMeta: Database.Statement<[string, number]>;

  constructor(file: string, private readonly maxBytes: number) {
    this.db = openSqlite(file, { synchronous: 'FULL' });
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`);
    this.insert = this.db.prepare('INSERT INTO outbox (topic, payload, bytes, created) VALUES (?, ?, ?, ?)');
    this.remove_ = this.db.prepare('DELETE FROM outbox WHERE id = ? RETURNING bytes') as Database.Statement<[number]>;
    this.after = this.db.prepare('SELECT id, topic, payload, created FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
    this.oldest = this.db.prepare('SELECT id, bytes FROM outbox ORDER BY id LIMIT 1');
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const totals = this.db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes FROM outbox').get() as { count: number; bytes: number };
    this.count = totals.count;
    this.bytes = totals.bytes;
    this.droppedTotal = this.getMeta.get('dropped')?.value ?? 0;
  }

  /**
   * Queues one message; `build` receives the next sequence number, persisted in the same transaction so
   * `seq` keeps increasing across restarts. Returns how many of the oldest messages were dropped to stay
   * within the size limit.
   */
  enqueue(topic: string, build: (seq: number) => string): number {
    return this.db.transaction(() => {
      const seq = this.getMeta.get('seq')?.value ?? 0;
      const payload = build(seq);
      const bytes = Buffer.byteLength(payload);
      this.insert.run(topic, payload, bytes, Date.now());
      this.setMeta.run('seq', seq + 1);
      this.count++;
      this.bytes += bytes;
      let dropped = 0;
      while (this.bytes > this.maxBytes && this.count > 1) {
        const oldest = this.oldest.get()!;
        this.remove_.run(oldest.id);
        this.count--;
        this.bytes -= oldest.bytes;
        dropped++;
      }
      if (dropped) this.setMeta.run('dropped', (this.droppedTotal += dropped));
      return dropped;
    })();
  }

  /** Up to `limit` messages after `id`, oldest first. */
  next(afterId: number, limit: number): OutboxMessage[] {
    return this.after.all(afterId, limit);
  }

  /** Deletes a delivered message (a no-op when it was already dropped). */
  remove(id: number): void {
    const row = this.remove_.get(id) as { bytes: number } | undefined;
    if (!row) return;
    this.count--;
    this.bytes -= row.bytes;
  }

  depth(): { messages: number; bytes: number } {
    return { messages: this.count, bytes: this.bytes };
  }

  close(): void {
    this.db.close();
  }
}
