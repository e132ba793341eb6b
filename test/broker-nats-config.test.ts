import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MissingBcryptError, natsConf, natsSubject } from '../broker/nats-config.js';
import { UserStore } from '../broker/user-store.js';
import { tempDir } from './helpers/pipeline.js';

const OPTIONS = { nodes: [{ host: '127.0.0.1' }], node: 1, storeDir: '/var/lib/nats' };

describe('NATS configuration from the user store', () => {
  it('maps MQTT topics and filters to NATS subjects', () => {
    expect(natsSubject('pilothub/v1/+/gateway/+/status')).toBe('pilothub.v1.*.gateway.*.status');
    expect(natsSubject('pilothub/v1/#')).toBe('pilothub.v1.>');
  });

  it('brings a store from before bcrypt hashes up to date, and refuses to write accounts without one, naming them', async () => {
    const file = join(tempDir(), 'users.sqlite');
    // The users table as stores before bcrypt hashes had it.
    const old = new Database(file);
    old.exec(`CREATE TABLE users (username TEXT PRIMARY KEY, account TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, params TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
    old.prepare('INSERT INTO users (username, account, salt, hash, params) VALUES (?, ?, ?, ?, ?)')
      .run('gw-old', JSON.stringify({ username: 'gw-old', role: 'gateway', site: 'hall-a', gateway: 'gw-old', equipment: ['mixer-1'] }), Buffer.alloc(16), Buffer.alloc(32), '{}');
    old.close();

    const store = new UserStore(file);
    await store.set({ username: 'pilothub-ingest', role: 'ingest' }, 'ingest-password-12');
    // bcrypt reads 72 bytes: a longer password gets no bcrypt hash rather than one that any same-start password matches.
    await store.set({ username: 'pilothub-api', role: 'api' }, 'x'.repeat(73));
    const accounts = store.listWithBcrypt();
    store.close();
    expect(accounts.map((a) => [a.account.username, a.bcrypt?.slice(0, 7) ?? null])).toEqual([['gw-old', null], ['pilothub-ingest', '$2b$10$'], ['pilothub-api', null]]);
    expect(() => natsConf(OPTIONS, accounts)).toThrow(MissingBcryptError);
    expect(() => natsConf(OPTIONS, accounts)).toThrow(/"gw-old", "pilothub-api" have no bcrypt hash/);
    expect(natsConf(OPTIONS, accounts.slice(1, 2))).toContain('stream_replicas: 1');
  });
});
