import { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import type Database from 'better-sqlite3';
import { openSqlite, writeTransaction } from '../common/runtime/sqlite.js';

/* The in-memory persistence aedes ships is the reference behaviour; we reuse it for every read path
   (topic trie, streams, will filtering) and make each mutation durable in SQLite before it resolves. */
type Packet = { brokerId?: string; brokerCounter?: number; messageId?: number; payload?: Buffer; topic?: string; clientId?: string; [key: string]: unknown };
type ClientRef = { id: string };
type Sub = { topic: string; qos: number; [key: string]: unknown };
interface MemoryPersistence {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: Packet): Promise<void>;
  addSubscriptions(client: ClientRef, subs: Sub[]): Promise<void>;
  removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: Packet): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: Packet): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: Packet): Promise<Packet | undefined>;
  incomingStorePacket(client: ClientRef, packet: Packet): Promise<void>;
  incomingDelPacket(client: ClientRef, packet: Packet): Promise<void>;
  cleanIncoming(client: ClientRef): Promise<void>;
  putWill(client: ClientRef, packet: Packet): Promise<void>;
  delWill(client: ClientRef): Promise<Packet | undefined>;
  destroy(): Promise<void>;
}
const MemoryPersistenceClass = createRequire(import.meta.url)('aedes-persistence/asyncPersistence.js') as new () => MemoryPersistence;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, sub BLOB NOT NULL, PRIMARY KEY (client_id, topic));
CREATE TABLE IF NOT EXISTS outgoing_packets (id INTEGER PRIMARY KEY, packet BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outgoing_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, broker_id TEXT, broker_counter INTEGER,
  message_id INTEGER, packet_id INTEGER NOT NULL REFERENCES outgoing_packets (id));
CREATE INDEX IF NOT EXISTS outgoing_by_counter ON outgoing_queue (client_id, broker_id, broker_counter);
CREATE INDEX IF NOT EXISTS outgoing_by_message ON outgoing_queue (client_id, message_id);
CREATE INDEX IF NOT EXISTS outgoing_by_packet ON outgoing_queue (packet_id);
CREATE TABLE IF NOT EXISTS incoming (client_id TEXT NOT NULL, message_id INTEGER NOT NULL, packet BLOB NOT NULL, PRIMARY KEY (client_id, message_id));
CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, packet BLOB NOT NULL);`;

/* Until 0.1 the queue kept each packet in its own row: setting the message id then rewrote the whole payload.
   A file of that layout is carried over row for row, in one transaction, before the broker starts. */
const FROM_ONE_TABLE_QUEUE = `
INSERT INTO outgoing_packets (id, packet) SELECT seq, packet FROM outgoing;
INSERT INTO outgoing_queue (seq, client_id, broker_id, broker_counter, message_id, packet_id)
  SELECT seq, client_id, broker_id, broker_counter, message_id, seq FROM outgoing;
DROP TABLE outgoing;`;

const pack = (value: unknown) => serialize(value);
const unpack = <T>(blob: Buffer) => deserialize(blob) as T;

/**
 * aedes persistence that survives a broker restart: subscriptions, retained messages, the QoS 1/2 queues
 * of persistent sessions (queued and in flight), incoming QoS 2 packets and wills live in SQLite (WAL)
 * and are loaded back on `setup`. Every mutation is committed before its promise resolves. Passes aedes-persistence's
 * abstract test suite. With patches/aedes+1.2.0.patch, aedes acknowledges a QoS 1 publish only after routing it, so a
 * PUBACK means the message is in this store for every persistent subscriber (test/broker-puback.test.ts).
 */
export class SqlitePersistence extends MemoryPersistenceClass {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly uncommitted: { mutation: () => unknown; resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(readonly file: string) {
    super();
    // WAL + synchronous=NORMAL: a commit survives the broker process dying; only an OS crash may lose the last ones.
    this.db = openSqlite(file, { synchronous: 'NORMAL' });
    // Every QoS 1 message goes through the queue (~80 kB of WAL pages, written and freed again), so the default
    // checkpoint every 1000 pages ran every ~50 messages, each copying the same few hot pages into the file and
    // syncing it. Every 10 000 pages (a WAL of up to 40 MB) costs the broker ~17% less CPU on that work (measured
    // with this file's statements, issue #19); commits are as durable as before, checkpoints only move them.
    this.db.pragma('wal_autocheckpoint = 10000');
    writeTransaction(this.db, () => {
      this.db.exec(SCHEMA);
      if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outgoing'").get()) this.db.exec(FROM_ONE_TABLE_QUEUE);
    });
    const db = this.db;
    this.sql = {
      retainedPut: db.prepare('INSERT OR REPLACE INTO retained (topic, packet) VALUES (?, ?)'),
      retainedDel: db.prepare('DELETE FROM retained WHERE topic = ?'),
      subPut: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, sub) VALUES (?, ?, ?)'),
      subDel: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      subClean: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
      packetAdd: db.prepare('INSERT INTO outgoing_packets (packet) VALUES (?)'),
      // A packet is stored once however many sessions it is queued for, and removed with its last queue row.
      packetDrop: db.prepare('DELETE FROM outgoing_packets WHERE id = ? AND NOT EXISTS (SELECT 1 FROM outgoing_queue WHERE packet_id = ?)'),
      outAdd: db.prepare('INSERT INTO outgoing_queue (client_id, broker_id, broker_counter, message_id, packet_id) VALUES (?, ?, ?, NULL, ?)'),
      // Mirrors the reference outgoingUpdate: the first queued packet of the same broker and counter, or of another
      // broker with the same message id. Two indexed lookups: one query with OR scanned the client's whole queue.
      outFindByCounter: db.prepare(`SELECT seq, broker_id AS brokerId, broker_counter AS brokerCounter, packet_id AS packetId FROM outgoing_queue
        WHERE client_id = ? AND broker_id = ? AND broker_counter = ? ORDER BY seq LIMIT 1`),
      outFindOtherBroker: db.prepare(`SELECT seq, broker_id AS brokerId, broker_counter AS brokerCounter, packet_id AS packetId FROM outgoing_queue
        WHERE client_id = ? AND message_id = ? AND broker_id IS NOT ? ORDER BY seq LIMIT 1`),
      outSetId: db.prepare('UPDATE outgoing_queue SET message_id = ? WHERE seq = ?'),
      outReplace: db.prepare('UPDATE outgoing_queue SET broker_id = ?, broker_counter = ?, message_id = ?, packet_id = ? WHERE seq = ?'),
      outFindById: db.prepare('SELECT seq, packet_id AS packetId FROM outgoing_queue WHERE client_id = ? AND message_id = ? ORDER BY seq LIMIT 1'),
      outDel: db.prepare('DELETE FROM outgoing_queue WHERE seq = ?'),
      inPut: db.prepare('INSERT OR REPLACE INTO incoming (client_id, message_id, packet) VALUES (?, ?, ?)'),
      inDel: db.prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
      inClean: db.prepare('DELETE FROM incoming WHERE client_id = ?'),
      willPut: db.prepare('INSERT OR REPLACE INTO wills (client_id, packet) VALUES (?, ?)'),
      willDel: db.prepare('DELETE FROM wills WHERE client_id = ?'),
      // Sessions with subscriptions but an empty queue count too: 0 is a reading, an absent series is not.
      depths: db.prepare(`SELECT client_id AS clientId, sum(n) AS n FROM (SELECT client_id, count(*) AS n FROM outgoing_queue GROUP BY client_id
        UNION ALL SELECT DISTINCT client_id, 0 FROM subscriptions) GROUP BY client_id`),
    };
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    await this.load();
  }

  /** Replays the stored state into the in-memory reference structures, without writing it back. */
  private async load(): Promise<void> {
    const all = <T>(query: string) => this.db.prepare(query).all() as T[];
    for (const r of all<{ packet: Buffer }>('SELECT packet FROM retained')) await super.storeRetained(unpack(r.packet));
    for (const r of all<{ client_id: string; sub: Buffer }>('SELECT client_id, sub FROM subscriptions ORDER BY rowid')) {
      await super.addSubscriptions({ id: r.client_id }, [unpack<Sub>(r.sub)]);
    }
    for (const r of all<{ client_id: string; message_id: number | null; packet: Buffer }>(`SELECT q.client_id, q.message_id, p.packet FROM outgoing_queue q JOIN outgoing_packets p ON p.id = q.packet_id ORDER BY q.seq`)) {
      const packet = unpack<Packet>(r.packet);
      await super.outgoingEnqueue({ clientId: r.client_id }, packet);
      if (r.message_id !== null) await super.outgoingUpdate({ id: r.client_id }, { ...packet, messageId: r.message_id });
    }
    for (const r of all<{ client_id: string; packet: Buffer }>('SELECT client_id, packet FROM incoming')) {
      await super.incomingStorePacket({ id: r.client_id }, unpack(r.packet));
    }
    for (const r of all<{ client_id: string; packet: Buffer }>('SELECT client_id, packet FROM wills')) {
      const will = unpack<Packet>(r.packet);
      const brokerId = will.brokerId;
      await super.putWill({ id: r.client_id }, will);
      // putWill stamps the current broker on the stored object; the will belongs to the broker that died,
      // so aedes publishes it (the client's connection did end) instead of waiting for that client forever.
      will.brokerId = brokerId;
    }
  }

  override async storeRetained(packet: Packet): Promise<void> {
    await super.storeRetained(packet);
    // Written at once rather than with the group: aedes emits a retained publish only once this resolves, and a
    // later one emitted before it would make subscribers drop it (see durable()).
    if (packet.payload?.length) this.sql.retainedPut.run(packet.topic, pack({ ...packet }));
    else this.sql.retainedDel.run(packet.topic);
  }

  override async addSubscriptions(client: ClientRef, subs: Sub[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    await this.durable(() => { for (const s of subs) this.sql.subPut.run(client.id, s.topic, pack(subscriptionRecord(s))); });
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    await this.durable(() => { for (const t of topics) this.sql.subDel.run(client.id, t); });
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    await super.cleanSubscriptions(client);
    await this.durable(() => this.sql.subClean.run(client.id));
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void> {
    await super.outgoingEnqueue(sub, packet);
    await this.enqueueRows([sub], packet);
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: Packet): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    await this.enqueueRows(subs, packet);
  }

  private async enqueueRows(subs: { clientId: string }[], packet: Packet): Promise<void> {
    if (!subs.length) return;
    // The reference queue holds `new Packet(packet)`: a fresh packet has no message id yet [MQTT-2.3.1-1].
    const blob = pack({ ...packet, messageId: undefined });
    await this.durable(() => {
      const packetId = this.sql.packetAdd.run(blob).lastInsertRowid;
      for (const s of subs) this.sql.outAdd.run(s.clientId, packet.brokerId ?? null, packet.brokerCounter ?? null, packetId);
    });
  }

  override async outgoingUpdate(client: ClientRef, packet: Packet): Promise<void> {
    await super.outgoingUpdate(client, packet);
    const brokerId = packet.brokerId ?? null, brokerCounter = packet.brokerCounter ?? null, messageId = packet.messageId ?? null;
    await this.durable(() => {
      type Row = { seq: number; brokerId: string | null; brokerCounter: number | null; packetId: number } | undefined;
      const same = this.sql.outFindByCounter.get(client.id, brokerId, brokerCounter) as Row;
      const other = this.sql.outFindOtherBroker.get(client.id, messageId, brokerId) as Row;
      const row = same && other ? (same.seq < other.seq ? same : other) : (same ?? other);
      if (!row) return;
      if (row.brokerId === brokerId && row.brokerCounter === brokerCounter) {
        this.sql.outSetId.run(messageId, row.seq);
        return;
      }
      const packetId = this.sql.packetAdd.run(pack({ ...packet })).lastInsertRowid;
      this.sql.outReplace.run(brokerId, brokerCounter, messageId, packetId, row.seq);
      this.sql.packetDrop.run(row.packetId, row.packetId);
    });
  }

  override async outgoingClearMessageId(client: ClientRef, packet: Packet): Promise<Packet | undefined> {
    const removed = await super.outgoingClearMessageId(client, packet);
    const messageId = packet?.messageId;
    if (typeof messageId !== 'number') return removed;
    await this.durable(() => {
      const row = this.sql.outFindById.get(client.id, messageId) as { seq: number; packetId: number } | undefined;
      if (!row) return;
      this.sql.outDel.run(row.seq);
      this.sql.packetDrop.run(row.packetId, row.packetId);
    });
    return removed;
  }

  override async incomingStorePacket(client: ClientRef, packet: Packet): Promise<void> {
    await super.incomingStorePacket(client, packet);
    const blob = pack({ ...packet });
    await this.durable(() => this.sql.inPut.run(client.id, packet.messageId, blob));
  }

  override async incomingDelPacket(client: ClientRef, packet: Packet): Promise<void> {
    await super.incomingDelPacket(client, packet);
    await this.durable(() => this.sql.inDel.run(client.id, packet.messageId));
  }

  override async cleanIncoming(client: ClientRef): Promise<void> {
    await super.cleanIncoming(client);
    await this.durable(() => this.sql.inClean.run(client.id));
  }

  override async putWill(client: ClientRef, packet: Packet): Promise<void> {
    await super.putWill(client, packet);
    const blob = pack({ ...packet });
    await this.durable(() => this.sql.willPut.run(client.id, blob));
  }

  override async delWill(client: ClientRef): Promise<Packet | undefined> {
    const will = await super.delWill(client);
    await this.durable(() => this.sql.willDel.run(client.id));
    return will;
  }

  /**
   * Group commit: the mutations made in one synchronous run (one socket read can carry many packets) are written in
   * one transaction, in the order they were made, at the next microtask, and each promise resolves only once that
   * transaction has committed. A microtask, not a later turn of the event loop: aedes numbers every publish and each
   * subscriber drops a packet numbered below one it already got (lib/client.js dedupe), and a retained publish is
   * emitted only after storeRetained resolves. Deferred to setImmediate, a gateway's retained births were overtaken
   * by its data and dropped at the API (test/hub-start.test.ts); at a microtask they settle when aedes's own
   * in-memory persistence would.
   */
  private durable(mutation: () => unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.uncommitted.push({ mutation, resolve, reject }) === 1) queueMicrotask(() => this.commit());
    });
  }

  private commit(): void {
    const group = this.uncommitted.splice(0);
    try {
      writeTransaction(this.db, () => { for (const { mutation } of group) mutation(); });
    } catch (err) {
      for (const { reject } of group) reject(err as Error);
      return;
    }
    for (const { resolve } of group) resolve();
  }

  /** QoS 1/2 messages queued or in flight per persistent session, as committed: for /metrics and ingest's health. */
  queueDepths(): Map<string, number> {
    return new Map((this.sql.depths.all() as { clientId: string; n: number }[]).map((r) => [r.clientId, r.n]));
  }

  override async destroy(): Promise<void> {
    if (this.uncommitted.length) this.commit();
    await super.destroy();
    this.db.close();
  }
}

/** What the reference keeps per subscription: qos and the MQTT 5 options, plus the subscription identifier when set. */
function subscriptionRecord(s: Sub): Sub {
  const record: Sub = { topic: s.topic, qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl };
  if (s.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = s.subscriptionIdentifier;
  return record;
}
