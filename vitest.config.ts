import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: argon2 and PostgreSQL suites are CPU-bound, more forks only thrash.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
