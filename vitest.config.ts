import { defineConfig } from 'vitest/config';

/**
 * Files that run alone, after all the others. The three-node NATS cluster: three servers replicating every message
 * need both cores; beside another file its replicas fall behind, its start takes over a minute, and its timings
 * stretch past their limits.
 */
const ALONE = ['test/broker-nats-cluster.test.ts'];

export default defineConfig({
  test: {
    // Every file starts real servers (influxd, broker, simulators); two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests provoke warnings on purpose; raise the level to see them (PILOTHUB_LOG_LEVEL=debug npm test).
    env: { PILOTHUB_LOG_LEVEL: process.env.PILOTHUB_LOG_LEVEL ?? 'error' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
