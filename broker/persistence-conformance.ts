/**
 * Runs aedes-persistence's own abstract test suite (node:test) against SqlitePersistence, one fresh
 * database file per instance. test/broker-persistence.test.ts runs it: `node --import tsx --test` this file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqlitePersistence } from './sqlite-persistence.js';

const abstractSuite = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (opts: object) => void;
const dir = mkdtempSync(join(tmpdir(), 'pilothub-persistence-'));
let n = 0;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

abstractSuite({ test, testAsync: true, persistence: () => new SqlitePersistence(join(dir, `p${n++}.sqlite`)) });
