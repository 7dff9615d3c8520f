import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that restart servers run on their own afterwards (vitest.restarts.config.ts).
    exclude: ['test/restarts/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: embedded engines are CPU-bound, more workers only thrash.
    maxWorkers: 2,
  },
});
