import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every file starts real servers (influxd, broker, simulators); two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests provoke warnings on purpose; raise the level to see them (PILOTHUB_LOG_LEVEL=debug npm test).
    env: { PILOTHUB_LOG_LEVEL: process.env.PILOTHUB_LOG_LEVEL ?? 'error' },
  },
});
