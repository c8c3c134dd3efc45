/**
 * Issue 5, end to end: the built action over successive pushes of one pull request against the fake
 * GitHub. A FastAPI service gains a `/risk` endpoint that loads its model per request and calls the
 * pricing service without a timeout (push 1); the model load moves to startup, shifting every line
 * (push 2); a test file is added (push 3); the branch is force-pushed with one more call (push 4).
 * After each push: one sticky comment whose hidden state names the new head, COMMENT reviews whose
 * inline comments are never posted twice, and a check run on that head. Then two runs off the happy
 * path: re-runs without the summary comment (`comment: false`), and two identical calls of which one is fixed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gitDiff, lineOf, type FileChange } from '../changeset/git-diff.js';
import { startFakeGitHub, type FakeFile, type FakeGitHub, type FakeReviewComment, isWrite } from '../support/fake-github.js';
import { fakeFilesFromDiff } from '../support/github-files.js';
import { ACTION, REPO_ROOT, pullRequestEvent, runAction, type ActionRun } from '../support/run-action.js';
import { removeTempDirs } from '../support/temp-dir.js';

const FIXTURES = join(REPO_ROOT, 'test/e2e/fixtures/rereview');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const OWNER = 'acme';
const REPO = 'shop';
const NUMBER = 12;
const TITLE = 'Score payment risk in the API';
const APP = 'service/app.py';
const TEST = 'tests/test_risk.py';
const sha = (label: string): string => createHash('sha1').update(label).digest('hex');
const BASE = sha('base');
const HEAD = { 1: sha('push 1'), 2: sha('push 2'), 3: sha('push 3'), 4: sha('push 4 (force-pushed)') } as const;
const short = (s: string): string => s.slice(0, 7);

const APP_BASE = fixture('app.base.py');
const APP_V1 = fixture('app.push1.py');
const APP_V2 = fixture('app.push2.py');
const APP_V4 = fixture('app.push4.py');
const TEST_V3 = fixture('test_risk.push3.py');

const MARKER = '<!-- architect-review:summary -->';
const FINDING_MARKER = /^<!-- architect-review:finding (\S+) -->/;
const RESOLVED = '### Resolved since the last review';

interface Stored { id: string; file: string; line?: number; rule: string; inline: boolean }
interface State { headSha: string; baseSha: string; findings: Stored[]; replied: string[] }
interface ReportFinding { id: string; rule: string; severity: string; file: string; line?: number }

/** The pull request files (or a comparison's files) as GitHub lists them, from a real `git diff`. */
const filesOf = (changes: FileChange[]): FakeFile[] => fakeFilesFromDiff(gitDiff(changes));

/** The state the action hides at the end of its sticky comment: gzipped JSON in base64url. */
function stateOf(body: string): State {
  const m = /<!-- architect-review:state ([A-Za-z0-9_-]+) -->\s*$/.exec(body);
  if (!m?.[1]) throw new Error(`no review state at the end of the comment:\n${body.slice(-300)}`);
  return JSON.parse(gunzipSync(Buffer.from(m[1], 'base64url')).toString('utf8')) as State;
}

const findingIdOf = (c: FakeReviewComment): string | undefined => {
  const m = FINDING_MARKER.exec(c.body);
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
};

let github: FakeGitHub;

/** What one push changed, as the action saw it afterwards. */
interface Pushed {
  run: ActionRun;
  findings: ReportFinding[];
  /** Non-GET requests of this run, as "METHOD path". */
  writes: string[];
}

/**
 * A push: the pull request now has `head` and these files (`addPullRequest` again replaces it), the
 * files the rules may read whole are at that head, and the comparison with the last head is set up.
 */
async function push(
  head: string,
  changes: FileChange[],
  since?: { from: string; status: 'ahead' | 'diverged'; changes: FileChange[] },
): Promise<Pushed> {
  const files = filesOf(changes);
  github.addPullRequest(OWNER, REPO, { number: NUMBER, title: TITLE, head: { sha: head }, base: { sha: BASE }, files });
  for (const c of changes) if (c.after !== undefined) github.setContents(OWNER, REPO, head, c.path, String(c.after));
  if (since) github.setCompare(OWNER, REPO, since.from, head, { status: since.status, files: filesOf(since.changes) });
  github.clearRequests();
  const run = await runAction({
    apiUrl: github.url,
    event: pullRequestEvent({ number: NUMBER, title: TITLE, headSha: head, baseSha: BASE, changedFiles: files.length }, since ? 'synchronize' : 'opened'),
    inputs: { 'fail-on': 'blocked' },
  });
  const report = JSON.parse(readFileSync(run.outputs['report-path'] ?? '', 'utf8')) as { findings: ReportFinding[] };
  const writes = github.requests.filter(isWrite).map((r) => `${r.method} ${r.path}`);
  // Whatever the push: every review this run sent is a COMMENT, never an approval or a change request.
  const sent = github.requests.filter((r) => r.method === 'POST' && /\/pulls\/\d+\/reviews$/.test(r.path));
  for (const r of sent) expect((r.body as { event?: unknown }).event).toBe('COMMENT');
  return { run, findings: report.findings, writes };
}

/** The one sticky comment, and the state hidden in it. */
function sticky(): { id: number; body: string; state: State } {
  const comments = github.comments(OWNER, REPO, NUMBER);
  expect(comments).toHaveLength(1);
  const body = comments[0]?.body ?? '';
  expect(body.startsWith(MARKER)).toBe(true);
  return { id: comments[0]?.id ?? 0, body, state: stateOf(body) };
}

/** The one check run on `head`, its annotations as `line level` (most severe first, as sent). */
function checkRunOn(head: string): { conclusion: string | null; name: string; annotations: string[] } {
  const runs = github.checkRuns(OWNER, REPO).filter((r) => r.head_sha === head);
  expect(runs).toHaveLength(1);
  const run = runs[0];
  expect(run?.output.annotations.every((a) => a.path === APP)).toBe(true);
  return { conclusion: run?.conclusion ?? null, name: run?.name ?? '', annotations: run?.output.annotations.map((a) => `${a.start_line} ${a.annotation_level}`) ?? [] };
}

const threads = (): FakeReviewComment[] => github.reviewComments(OWNER, REPO, NUMBER).filter((c) => c.in_reply_to_id === undefined);
const replies = (): FakeReviewComment[] => github.reviewComments(OWNER, REPO, NUMBER).filter((c) => c.in_reply_to_id !== undefined);
const idOf = (findings: ReportFinding[], rule: string, line: number): string => {
  const found = findings.find((f) => f.rule === rule && f.line === line);
  if (!found) throw new Error(`no ${rule} finding on line ${line}: ${JSON.stringify(findings)}`);
  return found.id;
};

// Where the findings sit in each version: the fixtures say where, not a magic number.
const V1 = { def: lineOf(APP_V1, 'def risk('), load: lineOf(APP_V1, 'joblib.load('), get: lineOf(APP_V1, 'requests.get(') };
const V2 = { def: lineOf(APP_V2, 'def risk('), get: lineOf(APP_V2, 'requests.get(') };
const V4 = { def: lineOf(APP_V4, 'def risk('), get: lineOf(APP_V4, 'requests.get('), post: lineOf(APP_V4, 'requests.post(') };

/** Ids from push 1's report, followed through the later pushes. */
const ids = { load: '', monitoring: '', get: '' };
let firstComment = 0;
let loadThread = 0;

beforeAll(() => {
  if (!existsSync(ACTION)) throw new Error('dist/index.js is missing: run `npm run bundle` first (npm test does).');
});
afterAll(removeTempDirs);

describe('re-review over the pushes of one pull request (fail-on: blocked)', () => {
  beforeAll(async () => {
    github = await startFakeGitHub();
    github.setContents(OWNER, REPO, BASE, APP, APP_BASE);
  });
  afterAll(async () => {
    await github.close();
  });

  it('push 1, a new endpoint: three findings inline in one COMMENT review, the check run fails, then the step', async () => {
    const { run, findings } = await push(HEAD[1], [{ path: APP, before: APP_BASE, after: APP_V1 }]);
    // The gate fails the step, after everything was published.
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('::error::Architect Review status is blocked (fail-on: blocked).');
    expect(run.outputs).toMatchObject({ status: 'blocked', 'findings-count': '3' });
    ids.load = idOf(findings, 'model-load-in-request-path', V1.load);
    ids.monitoring = idOf(findings, 'prediction-without-monitoring', V1.def);
    ids.get = idOf(findings, 'http-call-without-timeout', V1.get);

    const { id, body, state } = sticky();
    firstComment = id;
    expect(body).toContain('Architect Review — 🔴 blocked');
    expect(body).toContain(`\`${APP}:${V1.load}\``);
    expect(body).not.toContain(RESOLVED);
    expect(state).toMatchObject({ headSha: HEAD[1], baseSha: BASE, replied: [] });
    expect(state.findings.map((f) => [f.id, f.line, f.inline])).toEqual(
      expect.arrayContaining([[ids.load, V1.load, true], [ids.monitoring, V1.def, true], [ids.get, V1.get, true]]),
    );
    expect(state.findings).toHaveLength(3);

    const reviews = github.reviews(OWNER, REPO, NUMBER);
    expect(reviews).toHaveLength(1);
    const review = reviews[0];
    expect(review).toMatchObject({ event: 'COMMENT', state: 'COMMENTED', commit_id: HEAD[1] });
    expect(review?.body).toContain(`<!-- architect-review:review ${HEAD[1]} -->`);
    expect(review?.body).toContain(`left 3 inline comments on \`${short(HEAD[1])}\``);
    // Most severe first, each comment naming its finding in a hidden marker.
    expect(review?.comments.map((c) => [findingIdOf(c), c.path, c.line])).toEqual([
      [ids.load, APP, V1.load],
      [ids.monitoring, APP, V1.def],
      [ids.get, APP, V1.get],
    ]);
    expect(review?.comments[0]?.body).toContain('Model loaded on every request in `risk`');
    loadThread = review?.comments[0]?.id ?? 0;

    const check = checkRunOn(HEAD[1]);
    expect(check.name).toBe('Architect Review');
    expect(check.conclusion).toBe('failure');
    // Most severe first; on a tie, problems before questions.
    expect(check.annotations).toEqual([`${V1.load} failure`, `${V1.get} warning`, `${V1.def} warning`]);
  });

  it('push 2, the model load fixed and every line moved: resolved, a reply on its thread, nothing posted again', async () => {
    const { run, findings, writes } = await push(HEAD[2], [{ path: APP, before: APP_BASE, after: APP_V2 }], {
      from: HEAD[1],
      status: 'ahead',
      changes: [{ path: APP, before: APP_V1, after: APP_V2 }],
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'needs_info', 'findings-count': '2' });
    expect(github.requests.some((r) => r.method === 'GET' && r.path === `/repos/${OWNER}/${REPO}/compare/${HEAD[1]}...${HEAD[2]}`)).toBe(true);
    // The findings that stay keep their ids though their lines moved (fingerprints hold the line's text).
    expect(V2.get).not.toBe(V1.get);
    expect(idOf(findings, 'http-call-without-timeout', V2.get)).toBe(ids.get);
    expect(idOf(findings, 'prediction-without-monitoring', V2.def)).toBe(ids.monitoring);

    const { id, body, state } = sticky();
    expect(id).toBe(firstComment);
    expect(body).toContain('Architect Review — 🟡 needs_info');
    const [open = '', resolved = ''] = body.split(RESOLVED);
    expect(resolved, body).toMatch(new RegExp(`^- ~~Model loaded on every request in .*~~ — \`${APP}:${V1.load}\``, 'm'));
    expect(open).not.toContain('Model loaded on every request');
    expect(open).toContain(`\`${APP}:${V2.get}\``);
    expect(open).toContain('`requests.get` without a timeout');
    expect(state).toMatchObject({ headSha: HEAD[2], baseSha: BASE, replied: [ids.load] });
    expect(state.findings.map((f) => [f.id, f.line, f.inline]).sort()).toEqual([[ids.monitoring, V2.def, true], [ids.get, V2.get, true]].sort());

    // No new review with inline comments; one short reply on the fixed finding's thread, none elsewhere.
    expect(writes.filter((w) => /\/pulls\/\d+\/reviews$/.test(w))).toEqual([]);
    expect(writes.filter((w) => w.endsWith('/replies'))).toEqual([`POST /repos/${OWNER}/${REPO}/pulls/${NUMBER}/comments/${loadThread}/replies`]);
    expect(threads().map(findingIdOf)).toEqual([ids.load, ids.monitoring, ids.get]);
    const reply = replies();
    expect(reply).toHaveLength(1);
    expect(reply[0]?.in_reply_to_id).toBe(loadThread);
    expect(reply[0]?.body).toMatch(new RegExp(`^✅ No longer found as of ${short(HEAD[2])}: resolved\\.`));
    expect(github.reviews(OWNER, REPO, NUMBER).every((r) => r.event === 'COMMENT')).toBe(true);

    const check = checkRunOn(HEAD[2]);
    expect(check.conclusion).toBe('neutral');
    expect(check.annotations).toEqual([`${V2.get} warning`, `${V2.def} warning`]);
  });

  it('push 3, an unrelated test file: the comment edited in place and a check run, nothing else written', async () => {
    const { run, writes } = await push(
      HEAD[3],
      [{ path: APP, before: APP_BASE, after: APP_V2 }, { path: TEST, after: TEST_V3 }],
      { from: HEAD[2], status: 'ahead', changes: [{ path: TEST, after: TEST_V3 }] },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'needs_info', 'findings-count': '2' });
    expect(writes).toEqual([`PATCH /repos/${OWNER}/${REPO}/issues/comments/${firstComment}`, `POST /repos/${OWNER}/${REPO}/check-runs`]);

    const { body, state } = sticky();
    expect(body).toContain(`\`${APP}:${V2.get}\``);
    expect(body).toContain('`requests.get` without a timeout');
    // Resolved is "since the last review": the fix was reported on push 2 and is not repeated.
    expect(body).not.toContain(RESOLVED);
    expect(state).toMatchObject({ headSha: HEAD[3], baseSha: BASE, replied: [ids.load] });
    expect(state.findings.map((f) => f.id).sort()).toEqual([ids.monitoring, ids.get].sort());
    expect(state.findings.every((f) => f.inline)).toBe(true);

    expect(github.reviews(OWNER, REPO, NUMBER)).toHaveLength(2); // push 1's review and the reply of push 2
    expect(threads()).toHaveLength(3);
    expect(replies()).toHaveLength(1);
    const check = checkRunOn(HEAD[3]);
    expect(check.conclusion).toBe('neutral');
    expect(check.annotations).toEqual([`${V2.get} warning`, `${V2.def} warning`]);
  });

  it('push 4, a force-push with one more call: a full review that says why, only the new finding posted', async () => {
    const { run, findings, writes } = await push(
      HEAD[4],
      [{ path: APP, before: APP_BASE, after: APP_V4 }, { path: TEST, after: TEST_V3 }],
      { from: HEAD[3], status: 'diverged', changes: [{ path: APP, before: APP_V2, after: APP_V4 }] },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'needs_info', 'findings-count': '3' });
    const post = idOf(findings, 'http-call-without-timeout', V4.post);
    expect(idOf(findings, 'http-call-without-timeout', V4.get)).toBe(ids.get);

    const { body, state } = sticky();
    expect(body).toContain(`This push was reviewed in full: the branch was force-pushed since the last review (${short(HEAD[3])}).`);
    expect(body).toContain('`requests.post` without a timeout');
    expect(state).toMatchObject({ headSha: HEAD[4], replied: [ids.load] });
    expect(state.findings.map((f) => f.id).sort()).toEqual([ids.monitoring, ids.get, post].sort());
    expect(state.findings.every((f) => f.inline)).toBe(true);

    // One new review, on the new head, with the one new finding; nothing already posted comes back.
    expect(writes.filter((w) => /\/pulls\/\d+\/reviews$/.test(w))).toHaveLength(1);
    const reviews = github.reviews(OWNER, REPO, NUMBER);
    expect(reviews).toHaveLength(3);
    const latest = reviews.at(-1);
    expect(latest).toMatchObject({ event: 'COMMENT', state: 'COMMENTED', commit_id: HEAD[4] });
    expect(latest?.body).toContain(`<!-- architect-review:review ${HEAD[4]} -->`);
    expect(latest?.comments.map((c) => [findingIdOf(c), c.line])).toEqual([[post, V4.post]]);
    const posted = threads().map(findingIdOf);
    expect(posted).toEqual([ids.load, ids.monitoring, ids.get, post]);
    expect(replies()).toHaveLength(1);
    expect(reviews.every((r) => r.event === 'COMMENT')).toBe(true);

    const check = checkRunOn(HEAD[4]);
    expect(check.conclusion).toBe('neutral');
    expect(check.annotations).toEqual([`${V4.get} warning`, `${V4.post} warning`, `${V4.def} warning`]);
  });
});

describe('inline threads across runs, beyond the happy path', () => {
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(async () => {
    await github.close();
  });

  it('with comment: false (no state recorded), a second run on the same head does not post the inline comments again', async () => {
    const changes = [{ path: APP, before: APP_BASE, after: APP_V1 }];
    github.addPullRequest(OWNER, REPO, { number: NUMBER, title: TITLE, head: { sha: HEAD[1] }, base: { sha: BASE }, files: filesOf(changes) });
    const event = (action: string) => pullRequestEvent({ number: NUMBER, title: TITLE, headSha: HEAD[1], baseSha: BASE }, action);
    const first = await runAction({ apiUrl: github.url, event: event('opened'), inputs: { comment: 'false' } });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const rerun = await runAction({ apiUrl: github.url, event: event('synchronize'), inputs: { comment: 'false' } });
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(github.comments(OWNER, REPO, NUMBER)).toEqual([]);
    // README: "a finding already posted is never posted again": at most one thread per finding
    // (whether comment: false posts inline comments at all is for the README to say; twice is wrong either way).
    const posted = threads().map(findingIdOf);
    expect(posted).toEqual([...new Set(posted)]);
  });

  // Known limit (README "Limits today"): ids of identical lines in one file are numbered in order, so
  // fixing the first of two hands its id to the second. This records the bug; it fails once fixed.
  it.fails('fixing one of two identical calls replies on the thread of the call that was fixed, not on the other', async () => {
    const QUOTES = 'service/quotes.py';
    const v1 = fixture('quotes.push1.py');
    const v2 = fixture('quotes.push2.py');
    const fixed = lineOf(v1, 'requests.get(', 1);
    const stillOpen = lineOf(v1, 'requests.get(', 2);
    expect(lineOf(v2, 'timeout=2.0')).toBe(fixed);

    github.addPullRequest(OWNER, REPO, { number: NUMBER, title: TITLE, head: { sha: HEAD[1] }, base: { sha: BASE }, files: filesOf([{ path: QUOTES, after: v1 }]) });
    const first = await runAction({ apiUrl: github.url, event: pullRequestEvent({ number: NUMBER, title: TITLE, headSha: HEAD[1], baseSha: BASE }) });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const byLine = new Map(threads().map((c) => [c.line, c.id]));
    expect(new Set(byLine.keys())).toEqual(new Set([fixed, stillOpen]));

    github.addPullRequest(OWNER, REPO, { number: NUMBER, title: TITLE, head: { sha: HEAD[2] }, base: { sha: BASE }, files: filesOf([{ path: QUOTES, after: v2 }]) });
    github.setCompare(OWNER, REPO, HEAD[1], HEAD[2], { status: 'ahead', files: filesOf([{ path: QUOTES, before: v1, after: v2 }]) });
    const second = await runAction({
      apiUrl: github.url,
      event: pullRequestEvent({ number: NUMBER, title: TITLE, headSha: HEAD[2], baseSha: BASE }, 'synchronize'),
    });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const { body } = sticky();
    const [open = '', resolved = ''] = body.split(RESOLVED);
    expect(open).toContain(`\`${QUOTES}:${stillOpen}\``);
    expect(resolved).toContain(`\`${QUOTES}:${fixed}\``);
    expect(resolved).not.toContain(`\`${QUOTES}:${stillOpen}\``);
    expect(replies().map((r) => r.in_reply_to_id)).toEqual([byLine.get(fixed)]);
  });
});
