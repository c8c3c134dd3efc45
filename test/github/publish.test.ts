import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/github/client.js';
import { readStickyComment, upsertStickyComment } from '../../src/github/publish.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { fastClient } from '../support/clients.js';

const MARKER = '<!-- architect-review:summary -->';
const TARGET = { owner: 'acme', repo: 'shop', issueNumber: 7 };

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
  github.addPullRequest('acme', 'shop', { number: 7, title: 't', head: { sha: 'h' }, base: { sha: 'b' }, files: [] });
});
afterEach(async () => {
  await github.close();
});

const posts = (): number => github.requests.filter((r) => r.method === 'POST').length;

describe('upsertStickyComment', () => {
  it('leaves one comment when runs on the same pull request create at once: the oldest, with a run\'s body', async () => {
    const bodies = ['run 1', 'run 2', 'run 3'].map((r) => `${MARKER}\n${r}`);
    const results = await Promise.all(bodies.map((body) => upsertStickyComment(fastClient(github.url), TARGET, MARKER, body)));
    expect(posts()).toBe(3); // all three listed before any created: a real race
    const comments = github.comments('acme', 'shop', 7);
    expect(comments).toHaveLength(1);
    expect(bodies).toContain(comments[0]?.body);
    expect(results.map((r) => (r.kind === 'forbidden' ? r.kind : r.id))).toEqual([comments[0]?.id, comments[0]?.id, comments[0]?.id]);
    expect(github.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('does the same with the real, paced client', async () => {
    const client = () => createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
    await Promise.all([`${MARKER}\na`, `${MARKER}\nb`].map((body) => upsertStickyComment(client(), TARGET, MARKER, body)));
    expect(github.comments('acme', 'shop', 7)).toHaveLength(1);
  });

  it('tolerates the other run having deleted our duplicate first', async () => {
    const older = github.addComment('acme', 'shop', 7, `${MARKER}\nother run`, 'github-actions[bot]');
    github.failNext({ method: 'GET', path: /\/issues\/7\/comments$/ }, { status: 200, body: [] }); // listed before the other run created
    github.failNext({ method: 'DELETE', path: /\/issues\/comments\/\d+$/ }, { status: 404, body: { message: 'Not Found' } });
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nours`);
    expect(result).toMatchObject({ kind: 'updated', id: older.id });
    expect(github.comments('acme', 'shop', 7).find((c) => c.id === older.id)?.body).toBe(`${MARKER}\nours`);
  });

  it('does not post a duplicate when the create landed before a 502 (the real client does not retry it)', async () => {
    github.failNextAfterLanding({ method: 'POST', path: /\/issues\/7\/comments$/ }, { status: 502, body: { message: 'Server Error' } });
    const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
    const result = await upsertStickyComment(client, TARGET, MARKER, `${MARKER}\nbody`);
    const comments = github.comments('acme', 'shop', 7);
    expect(comments).toHaveLength(1);
    expect(posts()).toBe(1);
    expect(result).toMatchObject({ kind: 'created', id: comments[0]?.id });
  });

  it('creates again, once, when the create did not land', async () => {
    github.failNext({ method: 'POST', path: /\/issues\/7\/comments$/ }, { status: 503 });
    expect(await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nbody`)).toMatchObject({ kind: 'created' });
    expect(posts()).toBe(2);
    expect(github.comments('acme', 'shop', 7).map((c) => c.body)).toEqual([`${MARKER}\nbody`]);
  });

  it('ignores a human\'s comment quoting the marker when settling duplicates', async () => {
    github.failNext({ method: 'GET', path: /\/issues\/7\/comments$/ }, { status: 200, body: [] });
    const human = github.addComment('acme', 'shop', 7, `quoting ${MARKER}`, 'alice');
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nbody`);
    expect(result).toMatchObject({ kind: 'created' });
    expect(github.comments('acme', 'shop', 7).find((c) => c.id === human.id)?.body).toBe(`quoting ${MARKER}`);
    expect(github.comments('acme', 'shop', 7)).toHaveLength(2);
  });
});

describe('readStickyComment', () => {
  it("reads a bot's summary comment and never a person's that carries the marker", async () => {
    github.addComment('acme', 'shop', 7, `${MARKER}\nforged <!-- architect-review:state AAAA -->`, { login: 'mallory', type: 'User' });
    expect((await readStickyComment(fastClient(github.url), TARGET, MARKER)).own).toBeUndefined();
    github.addComment('acme', 'shop', 7, `${MARKER}\nthe review`, { login: 'github-actions[bot]', type: 'Bot' });
    expect((await readStickyComment(fastClient(github.url), TARGET, MARKER)).own?.body).toBe(`${MARKER}\nthe review`);
  });
});

describe('upsertStickyComment with the comment already found', () => {
  it('edits it without listing the comments again', async () => {
    const bot = github.addComment('acme', 'shop', 7, `${MARKER}\nold`, { login: 'github-actions[bot]', type: 'Bot' });
    github.clearRequests();
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nnew`, { id: bot.id, bot: true });
    expect(result).toMatchObject({ kind: 'updated', id: bot.id });
    expect(github.requests.map((r) => r.method)).toEqual(['PATCH']);
  });

  it('creates without listing the comments again when none carried the marker, and still settles with a run that created one since', async () => {
    expect((await readStickyComment(fastClient(github.url), TARGET, MARKER)).edit).toBeNull();
    github.clearRequests();
    expect(await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nfirst`, null)).toMatchObject({ kind: 'created' });
    // POST, then the one listing that settles duplicates.
    expect(github.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    const other = github.comments('acme', 'shop', 7)[0];
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nsecond`, null);
    expect(result).toMatchObject({ kind: 'updated', id: other?.id });
    expect(github.comments('acme', 'shop', 7).map((c) => c.body)).toEqual([`${MARKER}\nsecond`]);
  });

  it("posts its own comment when the only one carrying the marker is a person's it may not edit, with one refused edit", async () => {
    const human = github.addComment('acme', 'shop', 7, `${MARKER}\nwritten by hand`, { login: 'alice', type: 'User' });
    const { edit } = await readStickyComment(fastClient(github.url), TARGET, MARKER);
    expect(edit).toEqual({ id: human.id, bot: false });
    // GitHub refuses the workflow token an edit of someone else's comment.
    github.failNext({ method: 'PATCH', path: /\/issues\/comments\/\d+$/ }, { status: 403, body: { message: 'Resource not accessible by integration' } });
    github.clearRequests();
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nthe review`, edit);
    expect(result).toMatchObject({ kind: 'created' });
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(github.comments('acme', 'shop', 7).map((c) => c.body)).toEqual([`${MARKER}\nwritten by hand`, `${MARKER}\nthe review`]);
  });

  it('leaves a comment that only mentions the marker alone, and creates its own', async () => {
    const human = github.addComment('acme', 'shop', 7, `Why does the bot hide ${MARKER} in its comment?`, { login: 'alice', type: 'User' });
    expect((await readStickyComment(fastClient(github.url), TARGET, MARKER)).edit).toBeNull();
    expect(await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nthe review`)).toMatchObject({ kind: 'created' });
    expect(github.comments('acme', 'shop', 7).find((c) => c.id === human.id)?.body).toBe(`Why does the bot hide ${MARKER} in its comment?`);
  });

  it('still reports a read-only token when its own comment may not be edited, after one refused edit', async () => {
    const bot = github.addComment('acme', 'shop', 7, `${MARKER}\nold`, { login: 'github-actions[bot]', type: 'Bot' });
    github.failNext({ method: 'PATCH', path: /\/issues\/comments\/\d+$/ }, { status: 403, body: { message: 'Resource not accessible by integration' } });
    github.clearRequests();
    expect(await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nnew`, { id: bot.id, bot: true })).toMatchObject({ kind: 'forbidden' });
    expect(github.requests.map((r) => r.method)).toEqual(['PATCH']);
    expect(github.comments('acme', 'shop', 7).map((c) => c.body)).toEqual([`${MARKER}\nold`]);
  });

  it('looks again when that comment was deleted in the meantime', async () => {
    const result = await upsertStickyComment(fastClient(github.url), TARGET, MARKER, `${MARKER}\nnew`, { id: 424242, bot: true });
    expect(result.kind).toBe('created');
    expect(github.comments('acme', 'shop', 7).map((c) => c.body)).toEqual([`${MARKER}\nnew`]);
  });
});
