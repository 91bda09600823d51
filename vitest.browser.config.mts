import { defineConfig } from 'vitest/config';

// The stand-in Grafana host's own tests and the browser tests (tests/**/*.test.ts). tests/e2e holds Playwright
// specs for a real Grafana and is not run here.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', '**/node_modules/**'],
    environment: 'node',
    pool: 'forks',
    globalSetup: ['tests/browser/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Chromium, the sidecar and the host share a 2-core machine: two test files at a time.
    maxWorkers: 2,
  },
});
