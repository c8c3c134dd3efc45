import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Many tests wait on paced writes and child processes, not the CPU: more workers than cores.
    maxWorkers: 4,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
