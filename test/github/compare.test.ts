import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/github/client.js';
import { changedSince } from '../../src/github/compare.js';
import { startFakeGitHub, type FakeFile, type FakeGitHub } from '../support/fake-github.js';

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  await github.close();
});

const client = () => createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
const target = { owner: 'acme', repo: 'shop' };
const OLD = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const NEW = '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function file(filename: string, extra: Partial<FakeFile> = {}): FakeFile {
  return { filename, status: 'modified', additions: 1, deletions: 1, changes: 2, patch: '@@ -1 +1 @@\n-a\n+b', ...extra };
}

describe('changedSince', () => {
  it('lists the files changed since the last reviewed head, with the old names of renames', async () => {
    github.setCompare('acme', 'shop', OLD, NEW, {
      status: 'ahead',
      files: [file('svc/a.py'), file('svc/new.py', { status: 'renamed', previous_filename: 'svc/old.py' }), file('gone.py', { status: 'removed' })],
    });
    const result = await changedSince(client(), target, OLD, NEW);
    expect(result).toEqual({ kind: 'ok', files: ['svc/a.py', 'svc/new.py', 'svc/old.py', 'gone.py'] });
    const call = github.requests.find((r) => r.path.includes('/compare/'));
    expect(call?.path).toBe(`/repos/acme/shop/compare/${OLD}...${NEW}`);
  });

  it('answers no files for an identical head, and asks GitHub nothing when the head did not move', async () => {
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'identical', files: [] });
    expect(await changedSince(client(), target, OLD, NEW)).toEqual({ kind: 'ok', files: [] });
    github.clearRequests();
    expect(await changedSince(client(), target, NEW, NEW)).toEqual({ kind: 'ok', files: [] });
    expect(github.requests).toHaveLength(0);
  });

  it('falls back to a full review after a force-push (diverged) or a reset (behind), naming the old head', async () => {
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'diverged', files: [file('svc/a.py')] });
    expect(await changedSince(client(), target, OLD, NEW)).toEqual({ kind: 'full', reason: 'the branch was force-pushed since the last review (1111111)' });
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'behind', files: [] });
    const behind = await changedSince(client(), target, OLD, NEW);
    expect(behind.kind).toBe('full');
    expect(behind.kind === 'full' && behind.reason).toContain('reset to an earlier commit');
  });

  it('falls back to a full review when the old head is unknown (404) or cannot be compared (422)', async () => {
    const unknown = await changedSince(client(), target, OLD, NEW);
    expect(unknown).toEqual({ kind: 'full', reason: 'the last reviewed commit 1111111 is no longer in the repository (the branch was probably force-pushed)' });
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'ahead', files: [file('a.py')] });
    github.failNext({ method: 'GET', path: /\/compare\// }, { status: 422, body: { message: 'No common ancestor' } });
    const unrelated = await changedSince(client(), target, OLD, NEW);
    expect(unrelated.kind === 'full' && unrelated.reason).toContain('no common history');
  });

  it('falls back to a full review when GitHub may have cut the file list, or when nothing was reviewed before', async () => {
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'ahead', files: Array.from({ length: 320 }, (_, i) => file(`f${i}.py`)) });
    const many = await changedSince(client(), target, OLD, NEW);
    expect(many.kind === 'full' && many.reason).toContain('300 or more files changed');
    expect(await changedSince(client(), target, '', NEW)).toEqual({ kind: 'full', reason: 'no earlier reviewed commit is recorded' });
  });

  it('turns any other error into a full review instead of throwing', async () => {
    github.setCompare('acme', 'shop', OLD, NEW, { status: 'ahead', files: [file('a.py')] });
    github.failNext({ method: 'GET', path: /\/compare\// }, { status: 403, body: { message: 'Resource not accessible by integration' } });
    const denied = await changedSince(client(), target, OLD, NEW);
    expect(denied.kind).toBe('full');
    expect(denied.kind === 'full' && denied.reason).toMatch(/could not be listed: Resource not accessible by integration/);
  });
});
