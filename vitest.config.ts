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
    // Real-stack tests start pcscd, mosquitto and socat; a single fork keeps two
    // pcscd instances from fighting over the vpcd port (35963) on a 2-core CI box.
    fileParallelism: true,
    // Tests that spawn `teiki` or the simulators run the compiled dist/; build it once first.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
