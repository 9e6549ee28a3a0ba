import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'device/**/*.test.ts',
      'hardware/**/*.test.ts',
      'sync/**/*.test.ts',
      'simulator/**/*.test.ts',
    ],
    // Two files at a time on CI's 2 cores (vitest's default there is one): the suite takes about
    // 6 min instead of 11. Real-stack tests start their own mosquitto and socat on free ports;
    // the files that need pcscd (one per machine: /run/pcscd, vpcd's ports) queue on the
    // machine-wide lock in test/helpers/pcscd.ts. Latencies asserted under this load keep wide
    // margins (reader chaos: worst ~410 ms of a 1 s limit).
    fileParallelism: true,
    maxWorkers: 2,
    // Tests that spawn `teiki` or the simulators run the compiled dist/; build it once first.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
