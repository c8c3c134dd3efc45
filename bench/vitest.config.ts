import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The benchmark runs under vitest only so it can import the TypeScript fake GitHub server
// (test/support/fake-github.ts); it is not part of `npm test`. Run it with `npm run bench`.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['bench/**/*.bench-run.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One bench file at a time: run side by side, they would share the two cores and time each other.
    fileParallelism: false,
    // The figures table is the point of the run: print it as it is, not as captured test output.
    disableConsoleIntercept: true,
  },
});
