import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { afterEach, describe, expect, it } from 'vitest';
import { READ_ONLY_MESSAGE, startFakeGitHub, type FakeFile, type FakeGitHub } from './fake-github.js';

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const OWNER = 'acme';
const REPO = 'widgets';

function client(fake: FakeGitHub, auth: string | null = 'test-token'): Octokit {
  return new Octokit({ baseUrl: fake.url, ...(auth === null ? {} : { auth }), log: silentLog, request: { retries: 0 } });
}

function files(count: number): FakeFile[] {
  return Array.from({ length: count }, (_, i) => ({
    filename: `src/file-${i}.ts`, status: 'modified', additions: 1, deletions: 1, changes: 2, patch: `@@ -1 +1 @@\n-a${i}\n+b${i}`,
  }));
}

function addPr(fake: FakeGitHub, count = 2, number = 7): void {
  fake.addPullRequest(OWNER, REPO, {
    number, title: 'Add caching layer', body: 'Adds a cache.', user: 'alice', labels: ['perf'],
    head: { sha: 'headsha', ref: 'feature/cache', repoFullName: 'forker/widgets' }, base: { sha: 'basesha' }, files: files(count),
  });
}

describe('fake GitHub server', () => {
  let fake: FakeGitHub | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('serves a pull request with the fields GitHub returns', async () => {
    fake = await startFakeGitHub();
    addPr(fake, 3);
    const { data, headers } = await client(fake).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(data).toMatchObject({
      number: 7, title: 'Add caching layer', body: 'Adds a cache.', state: 'open', user: { login: 'alice', type: 'User' },
      labels: [{ name: 'perf' }], changed_files: 3, additions: 3, deletions: 3,
      head: { sha: 'headsha', ref: 'feature/cache', repo: { full_name: 'forker/widgets', fork: true } },
      base: { sha: 'basesha', ref: 'main', repo: { full_name: 'acme/widgets' } },
    });
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/repos/acme/widgets/pulls/7', token: 'test-token' });
    await expect(client(fake).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 8 })).rejects.toMatchObject({ status: 404 });
  });

  it('paginates 250 files in 3 requests with absolute link headers', async () => {
    fake = await startFakeGitHub();
    addPr(fake, 250);
    const octokit = client(fake);
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 7, per_page: 100 });
    expect(listed).toHaveLength(250);
    expect(listed[249]).toMatchObject({ filename: 'src/file-249.ts', status: 'modified', patch: '@@ -1 +1 @@\n-a249\n+b249' });
    expect(listed[0]?.blob_url).toBe('https://github.com/acme/widgets/blob/headsha/src/file-0.ts');
    expect(fake.requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);

    const first = await octokit.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toContain(`<${fake.url}/repos/acme/widgets/pulls/7/files?per_page=30&page=2>; rel="next"`);
    expect(first.headers.link).toContain('page=9>; rel="last"');
  });

  it('lists at most 3000 files, like GitHub', async () => {
    fake = await startFakeGitHub();
    addPr(fake, 3100);
    const octokit = client(fake);
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 7, per_page: 100 });
    expect(listed).toHaveLength(3000);
    expect(fake.requests).toHaveLength(30);
  });

  it('creates, reads, updates and lists comments; keeps humans\' comments apart', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const octokit = client(fake);
    const human = fake.addComment(OWNER, REPO, 7, 'LGTM', 'bob');
    expect(human).toMatchObject({ id: 1000, user: { login: 'bob', type: 'User' } });

    const created = await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'first' });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ id: 1001, body: 'first', user: { login: 'github-actions[bot]', type: 'Bot' } });
    expect(created.data.html_url).toBe('https://github.com/acme/widgets/pull/7#issuecomment-1001');

    const updated = await octokit.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: 1001, body: 'second' });
    expect(updated.status).toBe(200);
    expect((await octokit.rest.issues.getComment({ owner: OWNER, repo: REPO, comment_id: 1001 })).data.body).toBe('second');
    const listed = await octokit.paginate(octokit.rest.issues.listComments, { owner: OWNER, repo: REPO, issue_number: 7 });
    expect(listed.map((c) => c.body)).toEqual(['LGTM', 'second']);
    expect(fake.comments(OWNER, REPO, 7).map((c) => [c.id, c.body, c.user.login])).toEqual([[1000, 'LGTM', 'bob'], [1001, 'second', 'github-actions[bot]']]);
    expect(fake.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ body: 'second' });

    await expect(octokit.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: 4242, body: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 99, body: 'x' })).rejects.toMatchObject({ status: 404 });
  });

  it('uses a custom comment author', async () => {
    fake = await startFakeGitHub({ commentAuthor: { login: 'architect-review[bot]', type: 'Bot' } });
    addPr(fake);
    await client(fake).rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'hi' });
    expect(fake.comments(OWNER, REPO, 7)[0]?.user).toEqual({ login: 'architect-review[bot]', type: 'Bot' });
  });

  it('rejects a comment body over 65536 characters with 422', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const octokit = client(fake);
    const error: unknown = await octokit.rest.issues
      .createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x'.repeat(65537) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', status: 422 });
    expect(error).toHaveProperty('response.data.errors.0.message', 'body is too long (maximum is 65536 characters)');
    await expect(octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x'.repeat(65536) })).resolves.toMatchObject({ status: 201 });
    expect(fake.comments(OWNER, REPO, 7)).toHaveLength(1);
  });

  it('answers writes with 403 in read-only mode', async () => {
    fake = await startFakeGitHub({ readOnly: true });
    addPr(fake);
    const octokit = client(fake);
    const error: unknown = await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', status: 403, response: { data: { message: READ_ONLY_MESSAGE } } });
    expect(String((error as Error).message)).toContain('Resource not accessible by integration');
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).resolves.toMatchObject({ status: 200 });
    fake.setReadOnly(false);
    await expect(octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x' })).resolves.toMatchObject({ status: 201 });
  });

  it('injects a 502 that the retry plugin recovers from', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const RetryingOctokit = Octokit.plugin(retry);
    const octokit = new RetryingOctokit({ baseUrl: fake.url, auth: 'test-token', log: silentLog, retry: { retryAfterBaseValue: 1 } });
    fake.failNext({ method: 'GET', path: /\/pulls\/7$/ }, { status: 502, body: { message: 'Server Error' } });
    const { data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(data.number).toBe(7);
    expect(fake.requests).toHaveLength(2);
  });

  it('applies failNext a given number of times, with custom headers', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const octokit = client(fake);
    fake.failNext({ method: 'get', path: /\/pulls\/7$/ }, { status: 503, headers: { 'retry-after': '1' } }, 2);
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).rejects.toMatchObject({ status: 503, response: { headers: { 'retry-after': '1' } } });
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).rejects.toMatchObject({ status: 503 });
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).resolves.toMatchObject({ status: 200 });
    fake.clearRequests();
    expect(fake.requests).toHaveLength(0);
  });

  it('serves contents: directory listing, raw file, base64 file and 404', async () => {
    fake = await startFakeGitHub();
    fake.setContents(OWNER, REPO, 'main', '.architect/rules/security.md', '# Security\n');
    fake.setContents(OWNER, REPO, 'main', '.architect/rules/perf.md', '# Perf\n');
    fake.setContents(OWNER, REPO, 'main', '.architect/rules/deep/nested.md', 'n');
    fake.setContents(OWNER, REPO, 'headsha', 'README.md', 'hello wörld');
    const octokit = client(fake);

    const dir = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: '.architect/rules', ref: 'main' });
    expect(Array.isArray(dir.data) ? dir.data.map((e) => [e.type, e.name, e.path]) : dir.data).toEqual([
      ['dir', 'deep', '.architect/rules/deep'], ['file', 'perf.md', '.architect/rules/perf.md'], ['file', 'security.md', '.architect/rules/security.md'],
    ]);

    const raw = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: '.architect/rules/perf.md', ref: 'main', mediaType: { format: 'raw' } });
    expect(raw.data).toBe('# Perf\n');
    expect(raw.headers['content-type']).toContain('text/plain');

    const file = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md' });
    expect(file.data).toMatchObject({ type: 'file', encoding: 'base64', name: 'README.md', path: 'README.md', size: 12 });
    const content = !Array.isArray(file.data) && 'content' in file.data ? file.data.content : '';
    expect(Buffer.from(content, 'base64').toString('utf8')).toBe('hello wörld');

    await expect(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'nope.md', ref: 'main' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: 'main' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.getContent({ owner: 'other', repo: REPO, path: 'README.md' })).rejects.toMatchObject({ status: 404 });
  });

  it('requires authorization and records the token', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const error: unknown = await client(fake, null).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, response: { data: { message: 'Bad credentials' } } });
    const res = await fetch(`${fake.url}/repos/acme/widgets/pulls/7`, { headers: { authorization: 'Bearer ghs_abc' } });
    expect(res.status).toBe(200);
    expect(fake.requests.map((r) => r.token)).toEqual([undefined, 'ghs_abc']);
  });

  it('answers unknown routes with 404 Not Found', async () => {
    fake = await startFakeGitHub();
    const res = await fetch(`${fake.url}/repos/acme/widgets/deployments`, { headers: { authorization: 'token t' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: 'Not Found' });
  });
});
