import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores here and in CI: keep file-level parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
