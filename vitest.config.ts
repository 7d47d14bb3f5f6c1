import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real servers on loopback; keep them from starving each other on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    // No retries: a test that fails once fails the run. A flaky test is a bug to find, not to retry
    // (rollout-reconcile.test.ts once hid one: it killed the local cloud on a weight that was not yet
    // on disk).
    retry: 0,
  },
});
