import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run eval`: the evaluation of the engine on the PR fixtures in test/fixtures/prs/, with its
// figures table and per-PR misses printed as they are. Not part of `npm test` (the floor test in
// test/eval/ is). `EVAL_RECORD=1 npm run eval` records the current figures as the new floor.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['eval/**/*.eval.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    disableConsoleIntercept: true,
  },
});
