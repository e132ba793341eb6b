import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeadLetterStore, MAX_STORED_PAYLOAD_BYTES } from '../ingest/dead-letters.js';
import { tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

describe('dead-letter store', () => {
  it('keeps a batch InfluxDB refused whole, so it can be replayed, and truncates malformed payloads', () => {
    const store = new DeadLetterStore(join(tempDir(), 'dead.sqlite'));
    teardown(() => store.close());
    const big = Buffer.from(`{"gateway":"gw","seq":1,"readings":[${'{"p":"x","v":1,"t":1},'.repeat(600)}{"p":"x","v":1,"t":2}]}`);
    expect(big.length).toBeGreaterThan(MAX_STORED_PAYLOAD_BYTES);
    store.add({ reason: 'refused_by_influxdb', topic: 't/refused', detail: 'field type conflict', payload: big });
    store.add({ reason: 'bad_json', topic: 't/bad', detail: 'Unexpected token', payload: big });
    const [bad, refused] = store.list();
    expect(refused!.payload).toBe(big.toString('utf8'));
    expect(bad!.payload.length).toBe(MAX_STORED_PAYLOAD_BYTES);
    expect(bad!.payloadBytes).toBe(big.length);
  });
});
