import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { READ_ONLY_MESSAGE, REVIEW_ERRORS, SECONDARY_RATE_LIMIT_MESSAGE, startFakeGitHub, type FakeFile, type FakeGitHub } from './fake-github.js';
import { TWO_HUNK_PATCH } from './clients.js';

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

  it('deletes a comment with 204, then answers 404 for it', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const octokit = client(fake);
    const { data } = await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'dup' });
    await expect(octokit.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: data.id })).resolves.toMatchObject({ status: 204 });
    expect(fake.comments(OWNER, REPO, 7)).toEqual([]);
    await expect(octokit.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: data.id })).rejects.toMatchObject({ status: 404 });
  });

  it('lands a write and then answers 502 with failNextAfterLanding', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    fake.failNextAfterLanding({ method: 'POST', path: /\/issues\/7\/comments$/ }, { status: 502, body: { message: 'Server Error' } });
    await expect(client(fake).rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'landed' })).rejects.toMatchObject({ status: 502 });
    expect(fake.comments(OWNER, REPO, 7).map((c) => c.body)).toEqual(['landed']);
  });

  it('denies matching requests with 403 until allow(), leaving others alone', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const octokit = client(fake);
    fake.deny('POST', /\/check-runs$/);
    const denied: unknown = await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'x', head_sha: 'headsha' }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 403, response: { data: { message: READ_ONLY_MESSAGE } } });
    await expect(octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'ok' })).resolves.toMatchObject({ status: 201 });
    fake.deny('*', /\/pulls\/7$/, 'Must have admin rights to Repository.');
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).rejects.toMatchObject({ status: 403, message: expect.stringContaining('Must have admin rights') });
    fake.allow();
    await expect(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'x', head_sha: 'headsha' })).resolves.toMatchObject({ status: 201 });
  });

  it('answers a secondary rate limit that plugin-throttling recognises and waits out', async () => {
    fake = await startFakeGitHub();
    addPr(fake);
    const raw: unknown = await client(fake).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 }).catch((e: unknown) => e);
    expect(raw).toMatchObject({ status: 200 });
    fake.secondaryRateLimitNext({ method: 'GET', path: /\/pulls\/7$/ }, 1);
    const first: unknown = await client(fake).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 }).catch((e: unknown) => e);
    expect(first).toMatchObject({ status: 403, response: { headers: { 'retry-after': '1' }, data: { message: SECONDARY_RATE_LIMIT_MESSAGE } } });

    const seen: number[] = [];
    const Throttled = Octokit.plugin(throttling);
    const octokit = new Throttled({
      baseUrl: fake.url, auth: 't', log: silentLog,
      throttle: { id: 'fake-test', onRateLimit: () => false, onSecondaryRateLimit: (after: number) => { seen.push(after); return true; } },
    });
    fake.secondaryRateLimitNext({ method: 'GET', path: /\/pulls\/7$/ }, 1);
    const started = Date.now();
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).resolves.toMatchObject({ status: 200 });
    expect(seen).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

const PATCH = TWO_HUNK_PATCH;

function reviewPr(fake: FakeGitHub, sha = 'head1', patch = PATCH): void {
  fake.addPullRequest(OWNER, REPO, {
    number: 7, title: 't', head: { sha }, base: { sha: 'base1' },
    files: [{ filename: 'app.py', status: 'modified', additions: 3, deletions: 1, changes: 4, patch }, { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 }],
  });
}

type ReviewComment = { path: string; body: string; line?: number; side?: 'LEFT' | 'RIGHT'; start_line?: number; start_side?: 'LEFT' | 'RIGHT' };

async function createReview(fake: FakeGitHub, comments: ReviewComment[], event: 'COMMENT' | 'APPROVE' | 'REQUEST_CHANGES' = 'COMMENT', commit_id = 'head1') {
  return client(fake).rest.pulls.createReview({ owner: OWNER, repo: REPO, pull_number: 7, commit_id, body: 'summary', event, comments });
}

describe('fake GitHub pull request reviews', () => {
  let fake: FakeGitHub | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('stores a review whose comments sit on added, context and deleted lines, and a range inside one hunk', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const { data, status } = await createReview(fake, [
      { path: 'app.py', body: 'added', line: 3, side: 'RIGHT' },
      { path: 'app.py', body: 'context', line: 22 },
      { path: 'app.py', body: 'deleted', line: 21, side: 'LEFT' },
      { path: 'app.py', body: 'range', start_line: 2, start_side: 'RIGHT', line: 4, side: 'RIGHT' },
    ]);
    expect(status).toBe(200);
    expect(data).toMatchObject({ state: 'COMMENTED', body: 'summary', commit_id: 'head1', user: { login: 'github-actions[bot]' } });
    expect(data.html_url).toBe(`https://github.com/acme/widgets/pull/7#pullrequestreview-${data.id}`);
    const [review] = fake.reviews(OWNER, REPO, 7);
    expect(review).toMatchObject({ id: data.id, event: 'COMMENT', state: 'COMMENTED' });
    expect(review?.comments.map((c) => [c.body, c.line, c.side, c.start_line])).toEqual([
      ['added', 3, 'RIGHT', null], ['context', 22, 'RIGHT', null], ['deleted', 21, 'LEFT', null], ['range', 4, 'RIGHT', 2],
    ]);
    const listed = await client(fake).rest.pulls.listReviewComments({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(listed.data.map((c) => [c.pull_request_review_id, c.path, c.line, c.original_line, c.start_line])).toEqual([
      [data.id, 'app.py', 3, 3, null], [data.id, 'app.py', 22, 22, null], [data.id, 'app.py', 21, 21, null], [data.id, 'app.py', 4, 4, 2],
    ]);
    expect(listed.data[1]?.diff_hunk).toMatch(/^@@ -20,3 \+22,2 @@ def f\(\):\n a = 1\n-b = 2\n c = 3$/);
    const reviews = await client(fake).rest.pulls.listReviews({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(reviews.data.map((r) => [r.id, r.state, r.body])).toEqual([[data.id, 'COMMENTED', 'summary']]);
    await createReview(fake, [], 'APPROVE');
    expect(fake.reviews(OWNER, REPO, 7).map((r) => r.event)).toEqual(['COMMENT', 'APPROVE']);
  });

  it.each<[string, ReviewComment, string]>([
    ['a deleted line on the right side', { path: 'app.py', body: 'x', line: 21, side: 'RIGHT' }, REVIEW_ERRORS.line],
    ['an added line on the left side', { path: 'app.py', body: 'x', line: 3, side: 'LEFT' }, REVIEW_ERRORS.line],
    ['a line between hunks', { path: 'app.py', body: 'x', line: 10 }, REVIEW_ERRORS.line],
    ['a file without a patch', { path: 'logo.png', body: 'x', line: 1 }, REVIEW_ERRORS.line],
    ['a file not in the pull request', { path: 'other.py', body: 'x', line: 1 }, REVIEW_ERRORS.path],
    ['a range across hunks', { path: 'app.py', body: 'x', start_line: 3, line: 22 }, REVIEW_ERRORS.startLine],
    ['a range that ends before it starts', { path: 'app.py', body: 'x', start_line: 4, line: 2 }, REVIEW_ERRORS.startLine],
  ])('rejects the whole review with 422 for a comment on %s', async (_name, bad, message) => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const error: unknown = await createReview(fake, [{ path: 'app.py', body: 'fine', line: 3 }, bad]).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, response: { data: { message: 'Unprocessable Entity', errors: [message] } } });
    expect(String((error as Error).message)).toContain(message);
    expect(fake.reviews(OWNER, REPO, 7)).toEqual([]);
    expect(fake.reviewComments(OWNER, REPO, 7)).toEqual([]);
  });

  it('threads replies under the first comment and files each under a review of its own', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    await createReview(fake, [{ path: 'app.py', body: 'root', line: 3 }]);
    const root = fake.reviewComments(OWNER, REPO, 7)[0]?.id ?? 0;
    const octokit = client(fake);
    const reply = await octokit.rest.pulls.createReplyForReviewComment({ owner: OWNER, repo: REPO, pull_number: 7, comment_id: root, body: 'fixed?' });
    expect(reply.status).toBe(201);
    expect(reply.data).toMatchObject({ in_reply_to_id: root, path: 'app.py', line: 3, body: 'fixed?' });
    await octokit.rest.pulls.createReplyForReviewComment({ owner: OWNER, repo: REPO, pull_number: 7, comment_id: reply.data.id, body: 'again' });
    expect(fake.reviewComments(OWNER, REPO, 7).map((c) => [c.body, c.in_reply_to_id])).toEqual([['root', undefined], ['fixed?', root], ['again', root]]);
    expect(fake.reviews(OWNER, REPO, 7).map((r) => [r.body, r.comments.length])).toEqual([['summary', 1], ['', 1], ['', 1]]);
    await expect(octokit.rest.pulls.createReplyForReviewComment({ owner: OWNER, repo: REPO, pull_number: 7, comment_id: 1, body: 'x' })).rejects.toMatchObject({ status: 404 });
  });

  it('paginates review comments', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    await createReview(fake, Array.from({ length: 130 }, (_, i) => ({ path: 'app.py', body: `c${i}`, line: 3 })));
    const octokit = client(fake);
    fake.clearRequests();
    const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: OWNER, repo: REPO, pull_number: 7, per_page: 100 });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 130 }, (_, i) => `c${i}`));
    expect(fake.requests).toHaveLength(2);
  });

  it('replaces the pull request on a new push: new head, new files; old comments go outdated off the new diff', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    await createReview(fake, [{ path: 'app.py', body: 'kept', line: 22 }, { path: 'app.py', body: 'gone', line: 3 }]);
    reviewPr(fake, 'head2', '@@ -20,2 +20,4 @@\n a = 1\n+b = 2\n+b2 = 2\n c = 3');
    const octokit = client(fake);
    const pr = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(pr.data.head.sha).toBe('head2');
    const listed = await octokit.rest.pulls.listReviewComments({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(listed.data.map((c) => [c.body, c.line, c.original_line, c.commit_id])).toEqual([['kept', 22, 22, 'head1'], ['gone', null, 3, 'head1']]);
    await expect(createReview(fake, [{ path: 'app.py', body: 'new', line: 21 }], 'COMMENT', 'head2')).resolves.toMatchObject({ status: 200 });
    await expect(createReview(fake, [{ path: 'app.py', body: 'old diff', line: 3 }], 'COMMENT', 'head1')).resolves.toMatchObject({ status: 200 });
    await expect(createReview(fake, [], 'COMMENT', 'nope')).rejects.toMatchObject({ status: 422 });
  });

  it('asks for a body when requesting changes, and for a body or comments when commenting', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const octokit = client(fake);
    await expect(octokit.rest.pulls.createReview({ owner: OWNER, repo: REPO, pull_number: 7, event: 'REQUEST_CHANGES' })).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.pulls.createReview({ owner: OWNER, repo: REPO, pull_number: 7, event: 'COMMENT' })).rejects.toMatchObject({ status: 422 });
    const pending = await octokit.rest.pulls.createReview({ owner: OWNER, repo: REPO, pull_number: 7, comments: [{ path: 'app.py', line: 3, body: 'draft' }] });
    expect(pending.data.state).toBe('PENDING');
    expect((await octokit.rest.pulls.listReviewComments({ owner: OWNER, repo: REPO, pull_number: 7 })).data).toEqual([]);
  });
});

describe('fake GitHub check runs and compare', () => {
  let fake: FakeGitHub | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const annotation = (i: number) => ({ path: 'app.py', start_line: i + 1, end_line: i + 1, annotation_level: 'warning' as const, message: `m${i}` });

  it('creates a check run, appends annotations on update, completes it with a conclusion', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const octokit = client(fake);
    const created = await octokit.rest.checks.create({
      owner: OWNER, repo: REPO, name: 'Architect Review', head_sha: 'head1', status: 'in_progress',
      output: { title: 'Review', summary: 'running', annotations: Array.from({ length: 50 }, (_, i) => annotation(i)) },
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'Architect Review', head_sha: 'head1', status: 'in_progress', conclusion: null, output: { annotations_count: 50 } });
    const updated = await octokit.rest.checks.update({
      owner: OWNER, repo: REPO, check_run_id: created.data.id, conclusion: 'neutral',
      output: { title: 'Review', summary: 'done', annotations: [annotation(50)] },
    });
    expect(updated.data).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { summary: 'done', annotations_count: 51 } });
    expect(updated.data.completed_at).toEqual(expect.any(String));
    const [run] = fake.checkRuns(OWNER, REPO);
    expect(run?.output.annotations.map((a) => a.message)).toEqual(Array.from({ length: 51 }, (_, i) => `m${i}`));
    const annotations = await octokit.paginate(octokit.rest.checks.listAnnotations, { owner: OWNER, repo: REPO, check_run_id: created.data.id, per_page: 100 });
    expect(annotations).toHaveLength(51);
  });

  it('rejects more than 50 annotations in one request, an unknown level, an unknown sha, like GitHub', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const octokit = client(fake);
    const tooMany: unknown = await octokit.rest.checks
      .create({ owner: OWNER, repo: REPO, name: 'n', head_sha: 'head1', output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, (_, i) => annotation(i)) } })
      .catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ status: 422, response: { data: { message: 'Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.' } } });
    const badLevel = { ...annotation(0), annotation_level: 'error' } as unknown as ReturnType<typeof annotation>;
    await expect(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: 'head1', output: { title: 't', summary: 's', annotations: [badLevel] } }))
      .rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: 'unknown' })).rejects.toMatchObject({ status: 422, message: expect.stringContaining('No commit found for SHA: unknown') });
    await expect(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: 'head1', status: 'completed' })).rejects.toMatchObject({ status: 422 });
    expect(fake.checkRuns(OWNER, REPO)).toEqual([]);
  });

  it('lists the latest check run per name for a commit, or all of them', async () => {
    fake = await startFakeGitHub();
    reviewPr(fake);
    const octokit = client(fake);
    const first = await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'Architect Review', head_sha: 'head1', conclusion: 'failure' });
    const second = await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'Architect Review', head_sha: 'head1', conclusion: 'success' });
    await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'Other', head_sha: 'base1' });
    const latest = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: 'head1' });
    expect(latest.data.total_count).toBe(1);
    expect(latest.data.check_runs.map((r) => [r.id, r.conclusion])).toEqual([[second.data.id, 'success']]);
    const all = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: 'head1', filter: 'all' });
    expect(all.data.check_runs.map((r) => r.id)).toEqual([second.data.id, first.data.id]);
  });

  it('compares two commits it was told about and answers 404 otherwise', async () => {
    fake = await startFakeGitHub();
    const files: FakeFile[] = [{ filename: 'app.py', status: 'modified', additions: 1, deletions: 0, changes: 1, patch: '@@ -1 +1,2 @@\n a\n+b' }];
    fake.setCompare(OWNER, REPO, 'head1', 'head2', { status: 'ahead', files });
    const octokit = client(fake);
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: 'head1...head2' });
    expect(data).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0, merge_base_commit: { sha: 'head1' }, files: [{ filename: 'app.py', patch: '@@ -1 +1,2 @@\n a\n+b' }] });
    const viaPair = await octokit.rest.repos.compareCommits({ owner: OWNER, repo: REPO, base: 'head1', head: 'head2' });
    expect(viaPair.data.files).toHaveLength(1);
    fake.setCompare(OWNER, REPO, 'old', 'head2', { status: 'diverged', files: [] });
    expect((await octokit.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: 'old...head2' })).data).toMatchObject({ status: 'diverged', behind_by: 1 });
    const error: unknown = await octokit.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: 'x...y' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, response: { data: { message: 'No common ancestor between x and y.' } } });
  });
});

