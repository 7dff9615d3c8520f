import { defineConfig } from 'vitest/config';

// Suites that restart PostgreSQL: one file at a time, after the others, since
// a restart cuts every connection of whatever else is running.
export default defineConfig({
  test: {
    include: ['test/restarts/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
