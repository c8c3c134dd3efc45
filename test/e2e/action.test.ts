import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub, isWrite } from '../support/fake-github.js';
import { fakeFilesFromDiff } from '../support/github-files.js';
import { ACTION, REPO_ROOT, pullRequestEvent, runAction } from '../support/run-action.js';
import { removeTempDirs } from '../support/temp-dir.js';

const MARKER = '<!-- architect-review:summary -->';
const EXAMPLE = join(REPO_ROOT, 'examples/serving-pr');
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const BASE = '0f1e2d3c4b5a69788796a5b4c3d2e1f012345678';
const PR = { number: 7, title: 'Serve churn predictions over HTTP', headSha: HEAD, baseSha: BASE };

let github: FakeGitHub;

function addExamplePr(fake: FakeGitHub, files = fakeFilesFromDiff(readFileSync(join(EXAMPLE, 'pr.diff'), 'utf8'))): void {
  fake.addPullRequest('acme', 'shop', { number: PR.number, title: PR.title, head: { sha: HEAD }, base: { sha: BASE }, files });
}

beforeAll(() => {
  if (!existsSync(ACTION)) throw new Error('dist/index.js is missing: run `npm run bundle` first (npm test does).');
});
afterAll(removeTempDirs);
beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  await github.close();
});

describe('the built action on a pull_request event', () => {
  it('posts one sticky review comment, then updates it in place on the next run', async () => {
    addExamplePr(github);
    const first = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const afterFirst = github.comments('acme', 'shop', PR.number);
    expect(afterFirst).toHaveLength(1);
    const body = afterFirst[0]?.body ?? '';
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('Architect Review — 🔴 blocked');
    expect(body).toContain('`serving/app.py:23`');
    expect(body).toContain('ml-systems-architect');
    expect(body).toContain('`docs/README.md` — documentation');
    expect(first.outputs).toMatchObject({ status: 'blocked', 'findings-count': '5' });
    const report = JSON.parse(readFileSync(first.outputs['report-path'] ?? '', 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, status: 'blocked', pr: { number: PR.number, headSha: HEAD } });
    expect(first.summary).toContain('Architect Review — 🔴 blocked');
    expect(first.summary).not.toContain(MARKER);

    github.clearRequests();
    const second = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR, 'synchronize') });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const afterSecond = github.comments('acme', 'shop', PR.number);
    expect(afterSecond).toHaveLength(1);
    expect(afterSecond[0]?.id).toBe(afterFirst[0]?.id);
    const writes = github.requests.filter(isWrite);
    // The same head again: no new inline review (its findings were posted), the comment edited, a fresh check run.
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /repos/acme/shop/issues/comments/${afterFirst[0]?.id}`,
      'POST /repos/acme/shop/check-runs',
    ]);
    expect(github.reviews('acme', 'shop', PR.number)).toHaveLength(1);
  });

  it('edits its own bot comment, not a human comment that quotes the marker', async () => {
    addExamplePr(github);
    const human = github.addComment('acme', 'shop', PR.number, `Quoting the bot: ${MARKER}`, { login: 'alice', type: 'User' });
    const bot = github.addComment('acme', 'shop', PR.number, `${MARKER}\nold review`, { login: 'github-actions[bot]', type: 'Bot' });
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code).toBe(0);
    const comments = github.comments('acme', 'shop', PR.number);
    expect(comments.find((c) => c.id === human.id)?.body).toBe(`Quoting the bot: ${MARKER}`);
    expect(comments.find((c) => c.id === bot.id)?.body).toContain('Architect Review — 🔴 blocked');
    expect(comments).toHaveLength(2);
  });

  it('with a read-only token (fork pull request) puts the review in the job summary with a notice and does not fail', async () => {
    addExamplePr(github);
    github.setReadOnly(true);
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent({ ...PR, fork: true }) });
    expect(run.code, run.stdout).toBe(0);
    expect(github.comments('acme', 'shop', PR.number)).toHaveLength(0);
    expect(run.stdout).toMatch(/::notice::The token could not comment on the pull request/);
    expect(run.summary).toContain('The token could not comment');
    expect(run.summary).toContain('`serving/app.py:23`');
    expect(run.outputs.status).toBe('blocked');
  });

  it('fails the step when the status reaches fail-on, after publishing', async () => {
    addExamplePr(github);
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR), inputs: { 'fail-on': 'blocked' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::Architect Review status is blocked (fail-on: blocked).');
    expect(github.comments('acme', 'shop', PR.number)).toHaveLength(1);
  });

  it('records files GitHub sends without a patch as skipped, with the reason', async () => {
    const files = fakeFilesFromDiff(readFileSync(join(EXAMPLE, 'pr.diff'), 'utf8'));
    files.push({ filename: 'serving/model.onnx', status: 'added', additions: 0, deletions: 0, changes: 0 });
    files.push({ filename: 'serving/huge_generated.py', status: 'modified', additions: 40000, deletions: 0, changes: 40000 });
    addExamplePr(github, files);
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(run.outputs['report-path'] ?? '', 'utf8'));
    expect(report.coverage.skipped).toEqual(
      expect.arrayContaining([
        { file: 'serving/model.onnx', reason: 'no patch from GitHub (binary or empty file)' },
        { file: 'serving/huge_generated.py', reason: 'no patch from GitHub (binary, or the diff is too large to show)' },
      ]),
    );
  });

  it('says nothing is to be reviewed on a docs-only change, with status ok', async () => {
    const docs = fakeFilesFromDiff(readFileSync(join(EXAMPLE, 'pr.diff'), 'utf8')).filter((f) => f.filename.endsWith('.md'));
    addExamplePr(github, docs);
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ok', 'findings-count': '0' });
    expect(github.comments('acme', 'shop', PR.number)[0]?.body).toContain('No agent applies to this change');
  });

  it("uses the repository's own agents from the base commit and reports a malformed one without losing the review", async () => {
    addExamplePr(github);
    const agent = [
      '---',
      'name: payments-architect',
      'description: Reviews payment flows.',
      'review:',
      "  paths: ['serving/**']",
      '  rules:',
      '    http-call-without-timeout: plan-for-failure',
      '---',
      '# Payments architect',
      '',
      '## Best Practices',
      '- ✅ **Plan for failure**: every call to the PSP has a deadline',
    ].join('\n');
    github.setContents('acme', 'shop', BASE, '.github/architect-review/agents/payments.md', agent);
    github.setContents('acme', 'shop', BASE, '.github/architect-review/agents/broken.md', '---\nname: [unclosed\n---\nbody');
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code, run.stdout).toBe(0);
    const body = github.comments('acme', 'shop', PR.number)[0]?.body ?? '';
    expect(body).toContain('**payments-architect**');
    expect(body).toMatch(/broken\.md.*front matter is not valid YAML/);
    expect(run.stdout).toMatch(/::warning::.*broken\.md/);
    // Agents and configuration come from the base; only files the rules want whole come from the head.
    const contents = github.requests.filter((r) => r.path.includes('/contents/'));
    const refOf = (part: string) => new Set(contents.filter((r) => decodeURIComponent(r.path).includes(part)).map((r) => r.query.ref));
    expect(refOf('.github')).toEqual(new Set([BASE]));
    expect(refOf('serving/')).toEqual(new Set());
    // The head files come in one GraphQL query, each expression at the head commit.
    const queries = github.requests.filter((r) => r.method === 'POST' && r.path === '/graphql');
    expect(queries).toHaveLength(1);
    const expressions = Object.entries((queries[0]?.body as { variables: Record<string, string> }).variables).filter(([k]) => /^e\d+$/.test(k)).map(([, v]) => v);
    expect(expressions.length).toBeGreaterThan(0);
    expect(expressions.every((e) => e.startsWith(`${HEAD}:`))).toBe(true);
  });
});

describe('the configuration file', () => {
  it('is read at the base commit: ignored paths, a rule turned off and a rule re-graded apply', async () => {
    addExamplePr(github);
    github.setContents('acme', 'shop', BASE, '.github/architect-review.yml', [
      'ignore:',
      "  - 'requirements.txt'",
      'rules:',
      '  http-call-without-timeout: off',
      '  model-load-in-request-path: medium',
    ].join('\n'));
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code, run.stdout).toBe(0);
    const report = JSON.parse(readFileSync(run.outputs['report-path'] ?? '', 'utf8'));
    const graded = report.findings.map((f: { rule: string; severity: string }) => [f.rule, f.severity]);
    expect(graded).toContainEqual(['model-load-in-request-path', 'medium']);
    expect(graded.map(([rule]: string[]) => rule)).not.toContain('http-call-without-timeout');
    expect(report.findings.map((f: { file: string }) => f.file)).not.toContain('requirements.txt');
    expect(report.coverage.skipped).toContainEqual({ file: 'requirements.txt', reason: 'ignored by .github/architect-review.yml' });
    expect(run.outputs.status).toBe('needs_info');
  });

  it('fails the step with the file, line and key when it is malformed', async () => {
    addExamplePr(github);
    github.setContents('acme', 'shop', BASE, '.github/architect-review.yml', 'rules:\n  http-call-without-timout: off\n');
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::\.github\/architect-review\.yml:2: rules\.http-call-without-timout: unknown rule/);
    expect(github.comments('acme', 'shop', PR.number)).toHaveLength(0);
  });
});

describe('the built action on bad input', () => {
  it('fails with one clear line when the token is missing', async () => {
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR), inputs: { 'github-token': '' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::No GitHub token: pass `github-token`/);
    expect(github.requests).toHaveLength(0);
  });

  it('fails with one clear line on an event it does not handle', async () => {
    const run = await runAction({ apiUrl: github.url, eventName: 'push', event: { ref: 'refs/heads/main' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Architect Review does not handle the "push" event yet/);
  });

  it('fails with one clear line on a pull_request payload without a pull request', async () => {
    const run = await runAction({ apiUrl: github.url, event: { action: 'opened' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::The pull_request event payload has no usable pull_request/);
  });

  it('reviews again when the title or description is edited (an ADR link can settle a question)', async () => {
    addExamplePr(github);
    const event = { ...(pullRequestEvent({ ...PR, body: 'Adopting Redis: see ADR-0012.' }, 'edited') as object), changes: { body: { from: '' } } };
    const run = await runAction({ apiUrl: github.url, event });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['findings-count']).toBe('4');
    expect(github.comments('acme', 'shop', PR.number)[0]?.body).not.toContain('decision record');
  });

  it('does nothing, successfully, for pull_request actions that do not change the code', async () => {
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR, 'labeled') });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('pull_request "labeled" does not change the code under review');
    expect(github.requests).toHaveLength(0);
  });

  it('fails with one clear line on an invalid input value', async () => {
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR), inputs: { 'fail-on': 'sometimes' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Invalid action inputs: input "fail-on" must be one of none, needs_info, blocked/);
  });

  it('fails clearly, not with a stack trace, when GitHub errors on listing files', async () => {
    addExamplePr(github);
    github.failNext({ method: 'GET', path: /\/pulls\/7\/files$/ }, { status: 404, body: { message: 'Not Found' } });
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*Not Found/);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('the built action when one publishing step keeps failing', () => {
  it('still posts the rest, sets the outputs, and says what failed', async () => {
    addExamplePr(github);
    github.failNext({ method: 'POST', path: /\/check-runs$/ }, { status: 500 }, 10);
    github.failNext({ method: 'GET', path: /\/check-runs$/ }, { status: 500 }, 10);
    const run = await runAction({ apiUrl: github.url, event: pullRequestEvent(PR) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(github.comments('acme', 'shop', PR.number)).toHaveLength(1);
    expect(github.reviews('acme', 'shop', PR.number)).toHaveLength(1);
    expect(run.outputs).toMatchObject({ status: 'blocked', 'findings-count': '5' });
    expect(run.summary).toContain('Could not create the check run');
    expect(run.stdout).toMatch(/::warning::Could not create the check run/);
    // The findings still reach the log as workflow annotations.
    expect(run.stdout).toMatch(/::error title=Model loaded on every request[^\n]*,file=serving\/app\.py,line=23,/);
  });
});
