import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['pkg/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite and PostgreSQL work is CPU-bound here: two workers fit a 2-core machine.
    maxWorkers: 2,
  },
});
