import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real servers on loopback; keep them from starving each other on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    // The integration tier runs real servers, rollouts and kill/restart cycles on a 2-core machine;
    // a test that fails twice in a row fails the run (flaky ones are named in the closing notes).
    retry: 1,
  },
});
