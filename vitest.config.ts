import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers are real (127.0.0.1); keep files parallel but bounded on a 2-core machine.
    maxWorkers: 2,
  },
});
