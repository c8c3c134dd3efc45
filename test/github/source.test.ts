import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/github/client.js';
import { changeSetFromPullRequest } from '../../src/github/source.js';
import { upsertStickyComment } from '../../src/github/publish.js';
import { startFakeGitHub, type FakeFile, type FakeGitHub } from '../support/fake-github.js';

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  await github.close();
});

const client = () => createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
const pr = { number: 1, title: 'Big change', body: '', labels: [], fork: false };

function pyFile(i: number): FakeFile {
  return { filename: `svc/m${i}.py`, status: 'modified', additions: 1, deletions: 1, changes: 2, patch: `@@ -1,2 +1,2 @@\n import os\n-x = ${i}\n+x = ${i + 1}` };
}

describe('changeSetFromPullRequest', () => {
  it('reads 100 files a page and stops at GitHub\'s 3000-file cap, saying how many were left out', async () => {
    github.addPullRequest('acme', 'shop', { number: 1, title: 'Big change', head: { sha: 'h' }, base: { sha: 'b' }, files: Array.from({ length: 3100 }, (_, i) => pyFile(i)) });
    const { changeSet, notices } = await changeSetFromPullRequest(client(), { owner: 'acme', repo: 'shop', changedFiles: 3100 }, pr);
    expect(changeSet.files).toHaveLength(3000);
    expect(github.requests.filter((r) => r.path.endsWith('/files'))).toHaveLength(30);
    expect(github.requests.every((r) => r.query.per_page === '100')).toBe(true);
    expect(notices).toEqual(['This pull request changes 3100 files; GitHub lists only the first 3000, so 100 were not reviewed.']);
    expect(changeSet.files[0]?.hunks[0]?.lines).toEqual([
      { kind: 'context', text: 'import os', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'x = 0', oldLine: 2 },
      { kind: 'add', text: 'x = 1', newLine: 2 },
    ]);
  });

  it('reads on past the pages the event announced when the last one is full (a push since the event)', async () => {
    github.addPullRequest('acme', 'shop', { number: 1, title: 't', head: { sha: 'h' }, base: { sha: 'b' }, files: Array.from({ length: 250 }, (_, i) => pyFile(i)) });
    const { changeSet } = await changeSetFromPullRequest(client(), { owner: 'acme', repo: 'shop', changedFiles: 150 }, pr);
    expect(changeSet.files).toHaveLength(250);
    expect(github.requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
  });

  it('without a file count from the event, reads page after page until a short one', async () => {
    github.addPullRequest('acme', 'shop', { number: 1, title: 't', head: { sha: 'h' }, base: { sha: 'b' }, files: Array.from({ length: 200 }, (_, i) => pyFile(i)) });
    const { changeSet } = await changeSetFromPullRequest(client(), { owner: 'acme', repo: 'shop' }, pr);
    expect(changeSet.files).toHaveLength(200);
    expect(github.requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
  });

  it('keeps renames without content changes and removals, and skips patchless files with a reason', async () => {
    github.addPullRequest('acme', 'shop', {
      number: 1, title: 't', head: { sha: 'h' }, base: { sha: 'b' },
      files: [
        { filename: 'svc/new_name.py', previous_filename: 'svc/old_name.py', status: 'renamed', additions: 0, deletions: 0, changes: 0 },
        { filename: 'svc/gone.py', status: 'removed', additions: 0, deletions: 2, changes: 2, patch: '@@ -1,2 +0,0 @@\n-a\n-b' },
        { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 },
      ],
    });
    const { changeSet } = await changeSetFromPullRequest(client(), { owner: 'acme', repo: 'shop' }, pr);
    expect(changeSet.files.map((f) => [f.path, f.status, f.previousPath, f.deletions])).toEqual([
      ['svc/new_name.py', 'renamed', 'svc/old_name.py', 0],
      ['svc/gone.py', 'removed', undefined, 2],
    ]);
    expect(changeSet.skipped).toEqual([{ path: 'logo.png', reason: 'no patch from GitHub (binary or empty file)' }]);
  });
});

describe('upsertStickyComment', () => {
  it('returns forbidden on a read-only token instead of throwing', async () => {
    github.addPullRequest('acme', 'shop', { number: 1, title: 't', head: { sha: 'h' }, base: { sha: 'b' }, files: [] });
    github.setReadOnly(true);
    const result = await upsertStickyComment(client(), { owner: 'acme', repo: 'shop', issueNumber: 1 }, '<!-- m -->', 'body');
    expect(result).toEqual({ kind: 'forbidden', message: expect.stringContaining('Resource not accessible by integration') });
  });

  it('throws an error naming the pull request on other failures', async () => {
    github.addPullRequest('acme', 'shop', { number: 1, title: 't', head: { sha: 'h' }, base: { sha: 'b' }, files: [] });
    github.failNext({ method: 'POST', path: /comments$/ }, { status: 422, body: { message: 'Validation Failed' } });
    await expect(upsertStickyComment(client(), { owner: 'acme', repo: 'shop', issueNumber: 1 }, '<!-- m -->', 'body')).rejects.toThrow(
      /Could not post the review comment on #1: Validation Failed/,
    );
  });
});
