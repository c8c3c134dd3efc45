import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildChangedFile, parsePatch } from '../../src/changeset/diff.js';
import type { ChangeSet, ChangedFile } from '../../src/changeset/types.js';
import { createClient } from '../../src/github/client.js';
import {
  inlineCommentBody, postInlineReview, postedFindings, replyToReviewComment, reviewAnchor, reviewMarker, type InlineInput,
} from '../../src/github/review.js';
import type { Finding } from '../../src/report/types.js';
import { READ_ONLY_MESSAGE, REVIEW_ERRORS, startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { fastClient, TWO_HUNK_PATCH } from '../support/clients.js';

const PATCH = TWO_HUNK_PATCH;
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const TARGET = { owner: 'acme', repo: 'shop', pullNumber: 7 };
const SUMMARY_URL = 'https://github.com/acme/shop/pull/7#issuecomment-1000';

const file = (patch = PATCH): ChangedFile => buildChangedFile('app.py', 'modified', parsePatch(patch));
const changeSet = (patch = PATCH): ChangeSet => ({ pr: { number: 7, title: 't', body: '', labels: [], fork: false, headSha: HEAD }, files: [file(patch)], skipped: [] });

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'f-1', agent: 'ml-systems-architect', rule: 'model-load-in-request-path', severity: 'high', kind: 'problem',
    file: 'app.py', line: 3, title: 'Model loaded per request', message: 'Loads the model on every call.', remedy: 'Load it once at start-up.',
    source: 'check', ...over,
  };
}

describe('reviewAnchor', () => {
  it('anchors an added line and a context line on the right side', () => {
    expect(reviewAnchor(finding({ line: 3 }), file())).toEqual({ path: 'app.py', line: 3, side: 'RIGHT' });
    expect(reviewAnchor(finding({ line: 22 }), file())).toEqual({ path: 'app.py', line: 22, side: 'RIGHT' });
  });

  it('does not anchor a deleted line, a line outside the hunks, a file-level finding, or another file', () => {
    expect(reviewAnchor(finding({ line: 21 }), file())).toBeUndefined();
    expect(reviewAnchor(finding({ line: 10 }), file())).toBeUndefined();
    expect(reviewAnchor(finding({ line: undefined }), file())).toBeUndefined();
    expect(reviewAnchor(finding(), undefined)).toBeUndefined();
    expect(reviewAnchor(finding({ file: 'other.py' }), file())).toBeUndefined();
  });

  it('anchors a range inside one hunk as start_line..line', () => {
    expect(reviewAnchor(finding({ line: 2, endLine: 4 }), file())).toEqual({ path: 'app.py', line: 4, side: 'RIGHT', start_line: 2, start_side: 'RIGHT' });
  });

  it('falls back to the first line for a range across hunks or ending off the diff, and to none when the first line is off it', () => {
    expect(reviewAnchor(finding({ line: 3, endLine: 22 }), file())).toEqual({ path: 'app.py', line: 3, side: 'RIGHT' });
    expect(reviewAnchor(finding({ line: 4, endLine: 10 }), file())).toEqual({ path: 'app.py', line: 4, side: 'RIGHT' });
    expect(reviewAnchor(finding({ line: 21, endLine: 22 }), file())).toBeUndefined();
  });
});

describe('inlineCommentBody', () => {
  it('starts with the hidden marker and renders untrusted text as safe Markdown', () => {
    const body = inlineCommentBody(finding({ title: 'Ping @alice <img src=x>', message: 'See <script>', remedy: 'Use `load_once()`' }));
    expect(body.split('\n')[0]).toBe('<!-- architect-review:finding f-1 -->');
    expect(body).toContain('🔴 High');
    expect(body).toContain('Ping @\u2060alice &lt;img src=x&gt;');
    expect(body).toContain('See &lt;script&gt;');
    expect(body).toContain('**Remedy:** Use `load_once()`');
    expect(body).not.toContain('suggestion');
  });

  it('encodes an id that could end the marker early', () => {
    expect(inlineCommentBody(finding({ id: 'x --> <b>' })).split('\n')[0]).toBe('<!-- architect-review:finding x%20--%3E%20%3Cb%3E -->');
  });

  it('adds a suggestion block, with a fence the suggestion cannot close', () => {
    expect(inlineCommentBody(finding({ suggestion: 'y = load_once()\n' }))).toContain('\n```suggestion\ny = load_once()\n```');
    const tricky = 'doc = """\n```\nnot a fence end\n```\n"""';
    const body = inlineCommentBody(finding({ line: 2, endLine: 4, suggestion: tricky }), reviewAnchor(finding({ line: 2, endLine: 4 }), file()));
    expect(body).toContain(`\n\`\`\`\`suggestion\n${tricky}\n\`\`\`\``);
    const inside = body.slice(body.indexOf('````suggestion') + 14, body.lastIndexOf('````'));
    expect(inside.split('\n').some((l) => /^`{4,}\s*$/.test(l))).toBe(false);
    expect(inlineCommentBody(finding({ suggestion: '' }))).toContain('\n```suggestion\n```');
  });

  it('leaves the suggestion out when the anchor covers fewer lines than the suggestion replaces', () => {
    const crossHunk = finding({ line: 3, endLine: 22, suggestion: 'z = 1' });
    expect(inlineCommentBody(crossHunk, reviewAnchor(crossHunk, file()))).not.toContain('suggestion');
  });
});


let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
  github.addPullRequest('acme', 'shop', {
    number: 7, title: 't', head: { sha: HEAD }, base: { sha: 'base' },
    files: [{ filename: 'app.py', status: 'modified', additions: 3, deletions: 2, changes: 5, patch: PATCH }],
  });
});
afterEach(async () => {
  await github.close();
});

const posts = (path: RegExp): number => github.requests.filter((r) => r.method === 'POST' && path.test(r.path)).length;
const input = (findings: Finding[], over: Partial<InlineInput> = {}): InlineInput =>
  ({ headSha: HEAD, findings, changeSet: changeSet(), cap: 10, summaryUrl: SUMMARY_URL, ...over });

describe('postInlineReview against the fake GitHub', () => {
  it('posts one COMMENT review: anchored findings by severity up to the cap, the rest counted in the body', async () => {
    const high = finding({ id: 'high', line: 3 });
    const low = finding({ id: 'low', severity: 'low', line: 22 });
    const medium = finding({ id: 'medium', severity: 'medium', line: 2, endLine: 4, suggestion: 'x = 3' });
    const offDiff = finding({ id: 'off', line: 10 });
    const fileLevel = finding({ id: 'file', line: undefined });
    const result = await postInlineReview(fastClient(github.url), TARGET, input([low, offDiff, medium, high, fileLevel], { cap: 2 }));

    const [review, ...others] = github.reviews('acme', 'shop', 7);
    expect(others).toEqual([]);
    expect(review?.event).toBe('COMMENT');
    expect(review?.commit_id).toBe(HEAD);
    expect(review?.comments.map((c) => [c.line, c.start_line, c.body.split('\n')[0]])).toEqual([
      [3, null, '<!-- architect-review:finding high -->'],
      [4, 2, '<!-- architect-review:finding medium -->'],
    ]);
    expect(review?.comments[1]?.body).toContain('```suggestion\nx = 3\n```');
    expect(review?.body.split('\n')[0]).toBe(reviewMarker(HEAD));
    expect(review?.body).toContain('1 more finding on changed lines (at most 2 inline comments per review)');
    expect(review?.body).toContain('2 findings outside the changed lines');
    expect(review?.body).toContain(`[summary comment](${SUMMARY_URL})`);
    expect(result).toEqual({
      kind: 'posted', reviewId: review?.id, url: `https://github.com/acme/shop/pull/7#pullrequestreview-${review?.id}`,
      posted: ['high', 'medium'], unanchored: [offDiff, fileLevel], overCap: [low],
    });
  });

  it('posts nothing when no finding sits on the diff, or the cap is 0', async () => {
    const offDiff = finding({ line: 10 });
    expect(await postInlineReview(fastClient(github.url), TARGET, input([offDiff]))).toEqual({ kind: 'nothing', unanchored: [offDiff] });
    expect(await postInlineReview(fastClient(github.url), TARGET, input([finding()], { cap: 0 }))).toEqual({ kind: 'nothing', unanchored: [] });
    expect(github.requests).toEqual([]);
  });

  it('when GitHub refuses an anchor (422), posts the review once more without inline comments and says so', async () => {
    const moved = finding({ id: 'moved', line: 9 });
    const stale = changeSet('@@ -8,2 +8,3 @@\n a\n+b\n c'); // our diff says line 9 was added; GitHub's does not
    const result = await postInlineReview(fastClient(github.url), TARGET, input([moved], { changeSet: stale }));
    expect(posts(/\/reviews$/)).toBe(2);
    const reviews = github.reviews('acme', 'shop', 7);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.comments).toEqual([]);
    expect(reviews[0]?.event).toBe('COMMENT');
    expect(reviews[0]?.body).toContain(`could not place its inline comments on this diff (GitHub: ${REVIEW_ERRORS.line})`);
    expect(reviews[0]?.body.split('\n')[0]).toBe(reviewMarker(HEAD));
    expect(result).toMatchObject({ kind: 'posted', reviewId: reviews[0]?.id, posted: [], unanchored: [moved], overCap: [], rejected: REVIEW_ERRORS.line });
  });

  it('does not re-post a review whose POST landed before a 502 (the real client does not retry it)', async () => {
    github.failNextAfterLanding({ method: 'POST', path: /\/pulls\/7\/reviews$/ }, { status: 502, body: { message: 'Server Error' } });
    const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
    const result = await postInlineReview(client, TARGET, input([finding()]));
    const reviews = github.reviews('acme', 'shop', 7);
    expect(reviews).toHaveLength(1);
    expect(posts(/\/reviews$/)).toBe(1);
    expect(github.requests.some((r) => r.method === 'GET' && r.path.endsWith('/pulls/7/reviews'))).toBe(true);
    expect(result).toMatchObject({ kind: 'posted', reviewId: reviews[0]?.id, posted: ['f-1'] });
  });

  it('re-posts once a review whose POST did not land; gives up after a second 502', async () => {
    github.failNext({ method: 'POST', path: /\/pulls\/7\/reviews$/ }, { status: 502 });
    await expect(postInlineReview(fastClient(github.url), TARGET, input([finding()]))).resolves.toMatchObject({ kind: 'posted', posted: ['f-1'] });
    expect(posts(/\/reviews$/)).toBe(2);
    expect(github.reviews('acme', 'shop', 7)).toHaveLength(1);

    github.clearRequests();
    github.failNext({ method: 'POST', path: /\/pulls\/7\/reviews$/ }, { status: 502 }, 2);
    await expect(postInlineReview(fastClient(github.url), TARGET, input([finding({ id: 'f-2', line: 4 })]))).rejects.toThrow(/Could not post the inline review on #7: Bad Gateway/);
    expect(posts(/\/reviews$/)).toBe(2);
    expect(github.reviews('acme', 'shop', 7)).toHaveLength(1);
  });

  it('waits out a secondary rate limit with the real client', async () => {
    github.secondaryRateLimitNext({ method: 'POST', path: /\/pulls\/7\/reviews$/ }, 1);
    const warnings: string[] = [];
    const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: (m) => warnings.push(m) });
    await expect(postInlineReview(client, TARGET, input([finding()]))).resolves.toMatchObject({ kind: 'posted' });
    expect(warnings).toContainEqual(expect.stringMatching(/secondary rate limit hit on POST .*reviews; retrying in 1s/));
    expect(posts(/\/reviews$/)).toBe(2);
    expect(github.reviews('acme', 'shop', 7)).toHaveLength(1);
  });

  it('returns forbidden when the token may not review', async () => {
    github.deny('POST', /\/pulls\/7\/reviews$/);
    expect(await postInlineReview(fastClient(github.url), TARGET, input([finding()]))).toEqual({ kind: 'forbidden', message: expect.stringContaining(READ_ONLY_MESSAGE) });
    expect(github.reviews('acme', 'shop', 7)).toEqual([]);
  });
});

describe('postedFindings and replyToReviewComment', () => {
  it('reads the findings earlier reviews posted, skipping replies; a line pushed off the diff has no line', async () => {
    const client = fastClient(github.url);
    await postInlineReview(client, TARGET, input([finding({ id: 'a', line: 3 }), finding({ id: 'b', line: 22 })]));
    const [first, second] = github.reviewComments('acme', 'shop', 7);
    await replyToReviewComment(client, TARGET, first?.id ?? 0, '<!-- architect-review:finding c -->\nnot a finding');
    const posted = await postedFindings(client, TARGET);
    expect([...posted.entries()]).toEqual([
      ['a', { commentId: first?.id, path: 'app.py', line: 3 }],
      ['b', { commentId: second?.id, path: 'app.py', line: 22 }],
    ]);
    github.addPullRequest('acme', 'shop', {
      number: 7, title: 't', head: { sha: 'next' }, base: { sha: 'base' },
      files: [{ filename: 'app.py', status: 'modified', additions: 1, deletions: 0, changes: 1, patch: '@@ -20,2 +22,3 @@\n a = 1\n+b = 2\n c = 3' }],
    });
    expect((await postedFindings(client, TARGET)).get('a')).toEqual({ commentId: first?.id, path: 'app.py' });
  });

  it('replies in the thread once, even when the reply landed before a 502; 403 gives forbidden', async () => {
    const client = fastClient(github.url);
    await postInlineReview(client, TARGET, input([finding()]));
    const root = github.reviewComments('acme', 'shop', 7)[0]?.id ?? 0;
    github.failNextAfterLanding({ method: 'POST', path: /\/replies$/ }, { status: 504 });
    const reply = await replyToReviewComment(client, TARGET, root, 'Resolved in the latest push.');
    const replies = github.reviewComments('acme', 'shop', 7).filter((c) => c.in_reply_to_id === root);
    expect(replies.map((c) => c.body.split('\n')[0])).toEqual(['Resolved in the latest push.']);
    expect(reply).toEqual({ kind: 'posted', id: replies[0]?.id, url: `https://github.com/acme/shop/pull/7#discussion_r${replies[0]?.id}` });
    expect(posts(/\/replies$/)).toBe(1);
    github.setReadOnly(true);
    expect(await replyToReviewComment(client, TARGET, root, 'x')).toMatchObject({ kind: 'forbidden' });
  });
});
