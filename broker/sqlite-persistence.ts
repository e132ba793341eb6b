import { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import type Database from 'better-sqlite3';
import { openSqlite } from '../common/runtime/sqlite.js';

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
CREATE TABLE IF NOT EXISTS outgoing (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, broker_id TEXT, broker_counter INTEGER,
  message_id INTEGER, packet BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS outgoing_by_counter ON outgoing (client_id, broker_id, broker_counter);
CREATE INDEX IF NOT EXISTS outgoing_by_message ON outgoing (client_id, message_id);
CREATE TABLE IF NOT EXISTS incoming (client_id TEXT NOT NULL, message_id INTEGER NOT NULL, packet BLOB NOT NULL, PRIMARY KEY (client_id, message_id));
CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, packet BLOB NOT NULL);`;

const pack = (value: unknown) => serialize(value);
const unpack = <T>(blob: Buffer) => deserialize(blob) as T;

/**
 * aedes persistence that survives a broker restart: subscriptions, retained messages, the QoS 1/2 queues
 * of persistent sessions (queued and in flight), incoming QoS 2 packets and wills live in SQLite (WAL)
 * and are loaded back on `setup`. Every mutation is committed before its promise resolves, so aedes
 * sends a PUBACK only for a message that is on disk. Passes aedes-persistence's abstract test suite.
 */
export class SqlitePersistence extends MemoryPersistenceClass {
  private readonly db: Database.Database;
  private readonly sql;

  constructor(readonly file: string) {
    super();
    // WAL + synchronous=NORMAL: a commit survives the broker process dying; only an OS crash may lose the last ones.
    this.db = openSqlite(file, { synchronous: 'NORMAL' });
    this.db.exec(SCHEMA);
    const db = this.db;
    this.sql = {
      retainedPut: db.prepare('INSERT OR REPLACE INTO retained (topic, packet) VALUES (?, ?)'),
      retainedDel: db.prepare('DELETE FROM retained WHERE topic = ?'),
      subPut: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, sub) VALUES (?, ?, ?)'),
      subDel: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      subClean: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
      outAdd: db.prepare('INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, NULL, ?)'),
      // Mirrors the reference outgoingUpdate: the first queued packet of the same broker and counter, or of another broker with the same id.
      outFind: db.prepare(`SELECT seq, broker_id AS brokerId, broker_counter AS brokerCounter FROM outgoing WHERE client_id = ?
        AND ((broker_id = ? AND broker_counter = ?) OR (broker_id IS NOT ? AND message_id = ?)) ORDER BY seq LIMIT 1`),
      outSetId: db.prepare('UPDATE outgoing SET message_id = ? WHERE seq = ?'),
      outReplace: db.prepare('UPDATE outgoing SET broker_id = ?, broker_counter = ?, message_id = ?, packet = ? WHERE seq = ?'),
      outClear: db.prepare('DELETE FROM outgoing WHERE seq = (SELECT seq FROM outgoing WHERE client_id = ? AND message_id = ? ORDER BY seq LIMIT 1)'),
      inPut: db.prepare('INSERT OR REPLACE INTO incoming (client_id, message_id, packet) VALUES (?, ?, ?)'),
      inDel: db.prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
      inClean: db.prepare('DELETE FROM incoming WHERE client_id = ?'),
      willPut: db.prepare('INSERT OR REPLACE INTO wills (client_id, packet) VALUES (?, ?)'),
      willDel: db.prepare('DELETE FROM wills WHERE client_id = ?'),
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
    for (const r of all<{ client_id: string; message_id: number | null; packet: Buffer }>('SELECT client_id, message_id, packet FROM outgoing ORDER BY seq')) {
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
    if (!packet.payload || packet.payload.length === 0) this.sql.retainedDel.run(packet.topic);
    else this.sql.retainedPut.run(packet.topic, pack({ ...packet }));
  }

  override async addSubscriptions(client: ClientRef, subs: Sub[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    this.db.transaction(() => {
      for (const s of subs) this.sql.subPut.run(client.id, s.topic, pack(subscriptionRecord(s)));
    })();
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    this.db.transaction(() => { for (const t of topics) this.sql.subDel.run(client.id, t); })();
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    await super.cleanSubscriptions(client);
    this.sql.subClean.run(client.id);
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void> {
    await super.outgoingEnqueue(sub, packet);
    this.enqueueRows([sub], packet);
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: Packet): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    this.enqueueRows(subs, packet);
  }

  private enqueueRows(subs: { clientId: string }[], packet: Packet): void {
    if (!subs.length) return;
    // The reference queue holds `new Packet(packet)`: a fresh packet has no message id yet [MQTT-2.3.1-1].
    const blob = pack({ ...packet, messageId: undefined });
    this.db.transaction(() => {
      for (const s of subs) this.sql.outAdd.run(s.clientId, packet.brokerId ?? null, packet.brokerCounter ?? null, blob);
    })();
  }

  override async outgoingUpdate(client: ClientRef, packet: Packet): Promise<void> {
    await super.outgoingUpdate(client, packet);
    const row = this.sql.outFind.get(client.id, packet.brokerId ?? null, packet.brokerCounter ?? null, packet.brokerId ?? null, packet.messageId ?? null) as
      { seq: number; brokerId: string | null; brokerCounter: number | null } | undefined;
    if (!row) return;
    if (row.brokerId === (packet.brokerId ?? null) && row.brokerCounter === (packet.brokerCounter ?? null)) this.sql.outSetId.run(packet.messageId ?? null, row.seq);
    else this.sql.outReplace.run(packet.brokerId ?? null, packet.brokerCounter ?? null, packet.messageId ?? null, pack({ ...packet }), row.seq);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: Packet): Promise<Packet | undefined> {
    const removed = await super.outgoingClearMessageId(client, packet);
    if (typeof packet?.messageId === 'number') this.sql.outClear.run(client.id, packet.messageId);
    return removed;
  }

  override async incomingStorePacket(client: ClientRef, packet: Packet): Promise<void> {
    await super.incomingStorePacket(client, packet);
    this.sql.inPut.run(client.id, packet.messageId, pack({ ...packet }));
  }

  override async incomingDelPacket(client: ClientRef, packet: Packet): Promise<void> {
    await super.incomingDelPacket(client, packet);
    this.sql.inDel.run(client.id, packet.messageId);
  }

  override async cleanIncoming(client: ClientRef): Promise<void> {
    await super.cleanIncoming(client);
    this.sql.inClean.run(client.id);
  }

  override async putWill(client: ClientRef, packet: Packet): Promise<void> {
    await super.putWill(client, packet);
    this.sql.willPut.run(client.id, pack({ ...packet }));
  }

  override async delWill(client: ClientRef): Promise<Packet | undefined> {
    const will = await super.delWill(client);
    this.sql.willDel.run(client.id);
    return will;
  }

  override async destroy(): Promise<void> {
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
