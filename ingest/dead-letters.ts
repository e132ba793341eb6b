import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { openSqlite } from '../common/runtime/sqlite.js';

/** `forged` and `unbound`: the batch's gateway is not the one its equipment is bound to (ingest/provenance.ts). */
export const RejectReason = z.enum(['bad_json', 'schema', 'unknown_topic', 'oversized', 'forged', 'unbound', 'refused_by_influxdb']);
export type RejectReason = z.infer<typeof RejectReason>;

/** Where ingest keeps dead letters under a data dir. */
export const deadLettersFile = (dataDir: string) => join(dataDir, 'ingest', 'dead-letters.sqlite');

/** Enough of a payload to see what was wrong with it without letting a flood of 2 MB messages fill the disk. */
export const MAX_STORED_PAYLOAD_BYTES = 4096;

export interface DeadLetter {
  id: number;
  time: string;
  reason: RejectReason;
  topic: string;
  detail: string;
  payloadBytes: number;
  /** The payload as UTF-8 (invalid sequences replaced): whole when InfluxDB refused it, else its first MAX_STORED_PAYLOAD_BYTES bytes. */
  payload: string;
}

/**
 * Messages ingest could not write, with the reason, topic, the first problem and the (truncated) payload,
 * in SQLite so `pilothub dead-letters` can list them after the fact. Insert is synchronous and
 * committed before the message is acknowledged, so a rejected message is never silently gone.
 */
export class DeadLetterStore {
  private readonly db: Database.Database;
  private readonly insert;

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL,
      reason TEXT NOT NULL, topic TEXT NOT NULL, detail TEXT NOT NULL, payload_bytes INTEGER NOT NULL, payload BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (time)`);
    this.insert = this.db.prepare('INSERT INTO dead_letters (time, reason, topic, detail, payload_bytes, payload) VALUES (?, ?, ?, ?, ?, ?)');
  }

  add(letter: { reason: RejectReason; topic: string; detail: string; payload: Buffer }, now = new Date()): void {
    // A valid batch InfluxDB refused (e.g. a field type conflict) is kept whole, so it can be replayed once fixed.
    const kept = letter.reason === 'refused_by_influxdb' ? letter.payload : letter.payload.subarray(0, MAX_STORED_PAYLOAD_BYTES);
    this.insert.run(now.toISOString(), letter.reason, letter.topic, letter.detail, letter.payload.length, kept);
  }

  /** Newest first. */
  list(filter: { reason?: RejectReason; since?: Date; limit?: number } = {}): DeadLetter[] {
    const rows = this.db.prepare(`SELECT id, time, reason, topic, detail, payload_bytes AS payloadBytes, payload FROM dead_letters
      WHERE (@reason IS NULL OR reason = @reason) AND (@since IS NULL OR time >= @since) ORDER BY id DESC LIMIT @limit`)
      .all({ reason: filter.reason ?? null, since: filter.since?.toISOString() ?? null, limit: filter.limit ?? 100 }) as (Omit<DeadLetter, 'payload'> & { payload: Buffer })[];
    return rows.map((r) => ({ ...r, payload: r.payload.toString('utf8') }));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
