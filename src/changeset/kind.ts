import picomatch from 'picomatch';
import { memoByPath } from '../path-memo.js';

/**
 * What role a file plays, independent of any agent: documentation, tests and lockfiles are never
 * routed to an agent, so a docs-only or tests-only change draws no review.
 */
export type FileKind = 'docs' | 'test' | 'lockfile' | 'source';

const DOCS = picomatch(
  ['**/*.{md,mdx,rst,adoc,txt}', '**/docs/**', '**/doc/**', '**/{LICENSE,LICENCE,NOTICE,AUTHORS,CODEOWNERS}{,.*}', '**/.github/ISSUE_TEMPLATE/**'],
  { dot: true, nocase: true },
);
// requirements*.txt is a manifest, not prose.
const MANIFEST_TEXT = picomatch(['**/requirements*.txt', '**/constraints*.txt'], { dot: true });
const TEST = picomatch(
  [
    '**/test/**', '**/tests/**', '**/__tests__/**', '**/spec/**', '**/testdata/**', '**/fixtures/**',
    '**/test_*.py', '**/*_test.py', '**/conftest.py', '**/*.{test,spec}.{ts,tsx,js,jsx,mjs,cjs,mts,cts}',
    '**/*_test.go', '**/*Test.{java,kt}',
  ],
  { dot: true },
);
const LOCKFILE = picomatch(
  ['**/{package-lock.json,npm-shrinkwrap.json,yarn.lock,pnpm-lock.yaml,bun.lockb,poetry.lock,Pipfile.lock,uv.lock,go.sum,Cargo.lock,Gemfile.lock,composer.lock}'],
  { dot: true },
);

export const kindOf: (path: string) => FileKind = memoByPath((path) => {
  if (LOCKFILE(path)) return 'lockfile';
  if (TEST(path)) return 'test';
  if (DOCS(path) && !MANIFEST_TEXT(path)) return 'docs';
  return 'source';
});
