import type Database from 'better-sqlite3';
import { openSqlite, writeTransaction } from '../common/runtime/sqlite.js';

export interface OutboxMessage {
  id: number;
  topic: string;
  payload: string;
  bytes: number;
  /** When the batch was queued, for the publish latency metric. */
  created: number;
}

/** A message to queue; `build` receives its sequence number. */
export interface OutboxItem { topic: string; build: (seq: number) => string }

/** Newest messages kept in memory as well, so the publisher does not read back what it just wrote. */
const MAX_TAIL_BYTES = 16 * 1024 * 1024;
/**
 * Acknowledged messages are deleted together: one commit (one fsync) for many PUBACKs. Usually sooner, inside the next
 * enqueue's transaction: with polls every second or faster the deletes need no commit of their own (issue #20).
 */
const REMOVE_DELAY_MS = 1000;

/**
 * The gateway's store-and-forward queue: every reading batch is written here before it is published and
 * deleted only when the broker's PUBACK arrives, so neither a broker outage nor a gateway restart loses it.
 *
 * SQLite (better-sqlite3) in WAL mode rather than hand-written segment files: a PUBACK deletes one row in
 * a transaction instead of needing a separate acknowledgement log and compaction, the byte total and the
 * sequence number persist atomically with the batch they belong to, and a torn write after a crash is
 * rolled back by SQLite instead of by recovery code of ours. synchronous=FULL fsyncs the WAL at each commit,
 * so an acknowledged enqueue survives a power cut as well as a process crash.
 *
 * Cost per reading (issue #20): the gateway queues all batches of a poll cycle in one transaction (enqueueMany),
 * the deletes of acknowledged batches are committed with the next enqueue or after REMOVE_DELAY_MS (a crash in between sends those
 * batches again: at least once, and InfluxDB stores a repeat once), and the newest batches stay in memory for next().
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
  /** Every message with an id above tailAfter, in order, while tailAfter is defined (see next()). */
  private tail: OutboxMessage[] = [];
  private tailBytes = 0;
  private tailAfter: number | undefined;
  /** Bytes of messages next() handed out, until they are removed or dropped. */
  private readonly handedOut = new Map<number, number>();
  private acked: number[] = [];
  private removeTimer: NodeJS.Timeout | undefined;

  constructor(file: string, private readonly maxBytes: number) {
    this.db = openSqlite(file, { synchronous: 'FULL' });
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`);
    this.insert = this.db.prepare('INSERT INTO outbox (topic, payload, bytes, created) VALUES (?, ?, ?, ?)');
    this.remove_ = this.db.prepare('DELETE FROM outbox WHERE id = ? RETURNING bytes') as Database.Statement<[number]>;
    this.after = this.db.prepare('SELECT id, topic, payload, bytes, created FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
    this.oldest = this.db.prepare('SELECT id, bytes FROM outbox ORDER BY id LIMIT 1');
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const totals = this.db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes FROM outbox').get() as { count: number; bytes: number };
    this.count = totals.count;
    this.bytes = totals.bytes;
    this.droppedTotal = this.getMeta.get('dropped')?.value ?? 0;
  }

  /** Queues one message; see enqueueMany. */
  enqueue(topic: string, build: (seq: number) => string): number {
    return this.enqueueMany([{ topic, build }]);
  }

  /**
   * Queues messages in one transaction, in the order given; each `build` receives the next sequence number,
   * persisted in the same transaction so `seq` keeps increasing across restarts. Returns how many of the oldest
   * messages were dropped to stay within the size limit.
   */
  enqueueMany(items: readonly OutboxItem[]): number {
    return writeTransaction(this.db, () => {
      this.deleteAcknowledged();
      let seq = this.getMeta.get('seq')?.value ?? 0;
      const created = Date.now();
      for (const { topic, build } of items) {
        const payload = build(seq++);
        const bytes = Buffer.byteLength(payload);
        const id = Number(this.insert.run(topic, payload, bytes, created).lastInsertRowid);
        this.count++;
        this.bytes += bytes;
        if (this.tailAfter !== undefined) this.cache({ id, topic, payload, bytes, created });
      }
      this.setMeta.run('seq', seq);
      let dropped = 0;
      while (this.bytes > this.maxBytes && this.count > 1) {
        const oldest = this.oldest.get()!;
        this.remove_.run(oldest.id);
        this.handedOut.delete(oldest.id);
        // The tail is in id order and nothing older than the oldest row is still queued.
        while (this.tail.length && this.tail[0]!.id <= oldest.id) this.tailBytes -= this.tail.shift()!.bytes;
        this.count--;
        this.bytes -= oldest.bytes;
        dropped++;
      }
      if (dropped) this.setMeta.run('dropped', (this.droppedTotal += dropped));
      return dropped;
    });
  }

  /**
   * Up to `limit` messages after `id`, oldest first. Once a read reaches the end of the queue, later messages are
   * also kept in memory and served from there; a backlog too large for that (a broker outage) is read from disk.
   */
  next(afterId: number, limit: number): OutboxMessage[] {
    let rows: OutboxMessage[];
    if (this.tailAfter !== undefined && afterId >= this.tailAfter) {
      while (this.tail.length && this.tail[0]!.id <= afterId) this.tailBytes -= this.tail.shift()!.bytes;
      rows = this.tail.slice(0, limit);
    } else {
      rows = this.after.all(afterId, limit);
      if (rows.length < limit) {
        this.tail = [];
        this.tailBytes = 0;
        this.tailAfter = rows.at(-1)?.id ?? afterId;
      }
    }
    for (const m of rows) this.handedOut.set(m.id, m.bytes);
    return rows;
  }

  /** Deletes a delivered message (a no-op when it was already dropped); committed with the next batch of deletes. */
  remove(id: number): void {
    const bytes = this.handedOut.get(id);
    if (bytes === undefined) {
      const row = this.remove_.get(id) as { bytes: number } | undefined;
      if (!row) return;
      this.count--;
      this.bytes -= row.bytes;
      return;
    }
    this.handedOut.delete(id);
    this.count--;
    this.bytes -= bytes;
    this.acked.push(id);
    this.removeTimer ??= setTimeout(() => this.flushRemovals(), REMOVE_DELAY_MS).unref();
  }

  /** Commits the pending deletes of acknowledged messages now. */
  flushRemovals(): void {
    if (this.acked.length) writeTransaction(this.db, () => this.deleteAcknowledged());
  }

  depth(): { messages: number; bytes: number } {
    return { messages: this.count, bytes: this.bytes };
  }

  close(): void {
    this.flushRemovals();
    this.db.close();
  }

  private deleteAcknowledged(): void {
    clearTimeout(this.removeTimer);
    this.removeTimer = undefined;
    for (const id of this.acked) this.remove_.run(id);
    this.acked = [];
  }

  private cache(message: OutboxMessage): void {
    if (this.tailBytes + message.bytes > MAX_TAIL_BYTES) {
      // A backlog is building up (the broker is away or slow): from here next() reads from disk until it catches up.
      this.tail = [];
      this.tailBytes = 0;
      this.tailAfter = undefined;
      return;
    }
    this.tail.push(message);
    this.tailBytes += message.bytes;
  }
}
