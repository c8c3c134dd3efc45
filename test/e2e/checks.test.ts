/**
 * Issue 5, end to end: the check run, its fallback to workflow annotations, SARIF, the inline-comment
 * inputs and GitHub's rate limits, each through the built action against the fake GitHub. One run
 * per scenario; the assertions about a run are grouped in its test.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gitDiff, type FileChange } from '../changeset/git-diff.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { fakeFilesFromDiff } from '../support/github-files.js';
import { ACTION, REPO_ROOT, pullRequestEvent, runAction, type ActionRun } from '../support/run-action.js';
import { removeTempDirs } from '../support/temp-dir.js';

const FIXTURES = join(REPO_ROOT, 'test/e2e/fixtures/rereview');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const OWNER = 'acme';
const REPO = 'shop';
const NUMBER = 21;
const TITLE = 'Score payment risk in the API';
const sha = (label: string): string => createHash('sha1').update(label).digest('hex');
const BASE = sha('checks base');
const HEAD = sha('checks head');
const APP = 'service/app.py';
const APP_BASE = fixture('app.base.py');
/** A model loaded per request (high), a prediction endpoint without metrics (question) and `requests.get` without a timeout. */
const BLOCKING: FileChange[] = [{ path: APP, before: APP_BASE, after: fixture('app.push1.py') }];
/** The same endpoint plus a partner client with twelve calls without a timeout: more warnings than GitHub shows in a step. */
const MANY: FileChange[] = [...BLOCKING, { path: 'service/partners.py', after: fixture('partners.many.py') }];
/** A quote endpoint that sets its timeout: nothing to say. */
const CLEAN: FileChange[] = [{ path: APP, before: APP_BASE, after: fixture('app.clean.py') }];

interface ReportFinding { id: string; rule: string; severity: 'high' | 'medium' | 'low'; kind: string; file: string; line?: number; title: string }
interface Annotation { level: string; props: Record<string, string>; message: string }

let github: FakeGitHub;

function openPullRequest(changes: FileChange[], fork = false): unknown {
  const files = fakeFilesFromDiff(gitDiff(changes));
  github.addPullRequest(OWNER, REPO, {
    number: NUMBER, title: TITLE, head: { sha: HEAD, ...(fork ? { repoFullName: 'forker/shop' } : {}) }, base: { sha: BASE }, files,
  });
  for (const c of changes) if (c.after !== undefined) github.setContents(OWNER, REPO, HEAD, c.path, String(c.after));
  return pullRequestEvent({ number: NUMBER, title: TITLE, headSha: HEAD, baseSha: BASE, fork, changedFiles: files.length });
}

async function review(changes: FileChange[], inputs: Record<string, string> = {}, fork = false): Promise<{ run: ActionRun; findings: ReportFinding[] }> {
  const run = await runAction({ apiUrl: github.url, event: openPullRequest(changes, fork), inputs });
  const path = run.outputs['report-path'];
  if (!path) throw new Error(`no report-path output (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  return { run, findings: (JSON.parse(readFileSync(path, 'utf8')) as { findings: ReportFinding[] }).findings };
}

const unescapeProperty = (v: string): string =>
  v.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');

/** The workflow annotations with a file (`::error file=…,line=…::message`) the run printed, in order. */
function workflowAnnotations(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::(error|warning|notice) ([^:]+)::(.*)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const props = Object.fromEntries(m[2].split(',').map((kv) => {
      const at = kv.indexOf('=');
      return [kv.slice(0, at), unescapeProperty(kv.slice(at + 1))];
    }));
    if (props.file) out.push({ level: m[1], props, message: unescapeProperty(m[3] ?? '') });
  }
  return out;
}

const WORKFLOW_LEVEL = { high: 'error', medium: 'warning', low: 'notice' } as const;
const CHECK_LEVEL = { high: 'failure', medium: 'warning', low: 'notice' } as const;
const posts = (path: RegExp): number => github.requests.filter((r) => r.method === 'POST' && path.test(r.path)).length;
const CHECK_RUNS = /\/check-runs$/;
const REVIEWS = /\/pulls\/\d+\/reviews$/;

/** Every workflow annotation points at a finding of the report, at its line, with its level. */
function expectAnnotationsOf(annotations: Annotation[], findings: ReportFinding[]): void {
  for (const a of annotations) {
    const match = findings.find((f) => f.file === a.props.file && String(f.line) === a.props.line && f.title === a.props.title);
    expect(match, JSON.stringify(a)).toBeDefined();
    expect(a.level).toBe(WORKFLOW_LEVEL[match?.severity ?? 'low']);
    expect(a.props.endLine).toBe(a.props.line);
  }
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

describe('the check run', () => {
  it('fail-on: blocked on a blocking change: conclusion failure with an annotation per finding, the step fails after publishing, SARIF written', async () => {
    const { run, findings } = await review(BLOCKING, { 'fail-on': 'blocked', 'sarif-file': 'architect-review.sarif' });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('::error::Architect Review status is blocked (fail-on: blocked).');
    expect(findings.map((f) => f.severity).sort()).toEqual(['high', 'medium', 'medium']);

    // Published before the step failed: the comment, the inline review and the check run.
    expect(github.comments(OWNER, REPO, NUMBER)).toHaveLength(1);
    expect(github.reviews(OWNER, REPO, NUMBER)).toHaveLength(1);
    const runs = github.checkRuns(OWNER, REPO);
    expect(runs).toHaveLength(1);
    const check = runs[0];
    expect(check).toMatchObject({ name: 'Architect Review', head_sha: HEAD, status: 'completed', conclusion: 'failure' });
    expect(check?.output.title).toBe('blocked · 3 finding(s)');
    expect(check?.output.summary).toContain('Architect Review — 🔴 blocked');
    expect(check?.output.annotations.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level, a.title]).sort()).toEqual(
      findings.map((f) => [f.file, f.line, f.line, CHECK_LEVEL[f.severity], f.title]).sort(),
    );
    expect(check?.output.annotations[0]?.annotation_level).toBe('failure');
    // With a check run there is no need for workflow annotations.
    expect(workflowAnnotations(run.stdout)).toEqual([]);

    // SARIF 2.1.0 at the path asked for (relative to the workspace), named by the output.
    expect(run.outputs['sarif-file']).toBe('architect-review.sarif');
    const sarif = JSON.parse(readFileSync(join(run.tempDir, 'architect-review.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const [sarifRun] = sarif.runs;
    expect(sarifRun.tool.driver.name).toBe('Architect Review');
    const rules = sarifRun.tool.driver.rules as { id: string; help: { text: string } }[];
    for (const rule of ['model-load-in-request-path', 'prediction-without-monitoring', 'http-call-without-timeout']) {
      expect(rules.find((r) => r.id === rule)?.help.text.length ?? 0, rule).toBeGreaterThan(20);
    }
    const results = sarifRun.results as {
      ruleId: string; ruleIndex: number; level: string; partialFingerprints: Record<string, string>;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
    expect(results.map((r) => r.partialFingerprints['architectReview/v1']).sort()).toEqual(findings.map((f) => f.id).sort());
    for (const r of results) {
      const finding = findings.find((f) => f.id === r.partialFingerprints['architectReview/v1']);
      expect(rules[r.ruleIndex]?.id).toBe(r.ruleId);
      expect(r.ruleId).toBe(finding?.rule);
      expect(r.level).toBe({ high: 'error', medium: 'warning', low: 'note' }[finding?.severity ?? 'low']);
      expect(r.locations[0]?.physicalLocation.artifactLocation.uri).toBe(APP);
      expect(r.locations[0]?.physicalLocation.region.startLine).toBe(finding?.line);
    }
  });

  it('a clean change: conclusion success, no annotations, and fail-on: needs_info does not fail the step', async () => {
    const { run, findings } = await review(CLEAN, { 'fail-on': 'needs_info' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(findings).toEqual([]);
    expect(run.outputs.status).toBe('ok');
    const runs = github.checkRuns(OWNER, REPO);
    expect(runs.map((r) => [r.head_sha, r.conclusion, r.output.annotations.length])).toEqual([[HEAD, 'success', 0]]);
    expect(github.reviews(OWNER, REPO, NUMBER)).toEqual([]);
    expect(github.comments(OWNER, REPO, NUMBER)[0]?.body).toContain('Architect Review — ✅ ok');
  });

  it('fail-on: none is advisory (neutral) and max-inline-comments: 1 posts the most severe finding, counting the rest in the review', async () => {
    const { run, findings } = await review(BLOCKING, { 'fail-on': 'none', 'max-inline-comments': '1' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.status).toBe('blocked');
    expect(github.checkRuns(OWNER, REPO).map((r) => [r.conclusion, r.output.annotations.length])).toEqual([['neutral', 3]]);

    const reviews = github.reviews(OWNER, REPO, NUMBER);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.event).toBe('COMMENT');
    const high = findings.find((f) => f.severity === 'high');
    expect(reviews[0]?.comments.map((c) => [c.path, c.line])).toEqual([[high?.file, high?.line]]);
    expect(reviews[0]?.comments[0]?.body).toContain(`<!-- architect-review:finding ${high?.id} -->`);
    expect(reviews[0]?.body).toContain('left 1 inline comment on');
    expect(reviews[0]?.body).toContain('Not shown inline: 2 more findings on changed lines (at most 1 inline comments per review).');
    // The summary comment still has every finding.
    const body = github.comments(OWNER, REPO, NUMBER)[0]?.body ?? '';
    for (const f of findings) expect(body).toContain(`\`${f.file}:${f.line}\``);
  });
});

describe('without a check run: workflow annotations', () => {
  it('a token without checks: write falls back to annotations, within 10 per level, and the job summary counts the rest', async () => {
    github.deny('POST', /\/check-runs$/);
    const { run, findings } = await review(MANY);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(posts(CHECK_RUNS)).toBe(1); // tried once, refused
    expect(github.checkRuns(OWNER, REPO)).toEqual([]);
    expect(run.stdout).toContain('No check run (the token lacks checks: write');

    const high = findings.filter((f) => f.severity === 'high');
    const medium = findings.filter((f) => f.severity === 'medium');
    expect([high.length, medium.length]).toEqual([1, 14]);
    const annotations = workflowAnnotations(run.stdout);
    expect(annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(annotations.filter((a) => a.level === 'warning')).toHaveLength(10);
    expect(annotations[0]?.props).toMatchObject({ file: APP, line: String(high[0]?.line) });
    expectAnnotationsOf(annotations, findings);
    expect(new Set(annotations.map((a) => `${a.props.file}:${a.props.line}`)).size).toBe(11);
    expect(annotations[0]?.message).toContain('Remedy:');
    expect(run.summary).toContain('4 finding(s) are not shown as annotations (GitHub shows at most 10 per level in a step); all are below.');
    // The rest of the review is published as usual.
    expect(github.comments(OWNER, REPO, NUMBER)).toHaveLength(1);
    expect(github.reviews(OWNER, REPO, NUMBER)[0]?.comments).toHaveLength(15);
  });

  it('check-run: false and inline-comments: false: annotations instead of a check run, the summary comment only', async () => {
    const { run, findings } = await review(BLOCKING, { 'check-run': 'false', 'inline-comments': 'false' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(posts(CHECK_RUNS)).toBe(0);
    expect(posts(REVIEWS)).toBe(0);
    expect(github.reviews(OWNER, REPO, NUMBER)).toEqual([]);
    expect(github.comments(OWNER, REPO, NUMBER)).toHaveLength(1);
    const annotations = workflowAnnotations(run.stdout);
    expect(annotations.map((a) => a.level)).toEqual(['error', 'warning', 'warning']);
    expectAnnotationsOf(annotations, findings);
    expect(run.summary).not.toContain('not shown as annotations');
  });

  it('a read-only token (a fork): the job summary and annotations, a notice, and a green step', async () => {
    github.setReadOnly(true);
    const { run, findings } = await review(BLOCKING, {}, true);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.status).toBe('blocked');
    expect(github.comments(OWNER, REPO, NUMBER)).toEqual([]);
    expect(github.reviews(OWNER, REPO, NUMBER)).toEqual([]);
    expect(github.checkRuns(OWNER, REPO)).toEqual([]);
    expect(run.stdout).toMatch(/^::notice::The token could not comment on the pull request/m);
    expect(run.summary).toContain('The token could not comment on the pull request');
    expect(run.summary).toContain('Architect Review — 🔴 blocked');
    for (const f of findings) expect(run.summary).toContain(`\`${f.file}:${f.line}\``);
    const annotations = workflowAnnotations(run.stdout);
    expect(annotations).toHaveLength(3);
    expectAnnotationsOf(annotations, findings);
    expect(run.stdout).not.toMatch(/^::error::/m);
  });
});

describe('GitHub slowing down or failing mid-write', () => {
  it('a secondary rate limit on the review and a 502 after the comment landed still leave one review and one comment', async () => {
    github.secondaryRateLimitNext({ method: 'POST', path: REVIEWS }, 1);
    github.failNextAfterLanding({ method: 'POST', path: /\/issues\/\d+\/comments$/ }, { status: 502, body: { message: 'Server Error' } });
    const { run, findings } = await review(BLOCKING);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/::warning::GitHub secondary rate limit hit on POST .*\/reviews; retrying in 1s\./);
    // The review was waited out and sent again; the comment was found, not sent again.
    expect(posts(REVIEWS)).toBe(2);
    expect(posts(/\/issues\/\d+\/comments$/)).toBe(1);
    const reviews = github.reviews(OWNER, REPO, NUMBER);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.comments).toHaveLength(findings.length);
    const comments = github.comments(OWNER, REPO, NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('Architect Review — 🔴 blocked');
    expect(github.checkRuns(OWNER, REPO)).toHaveLength(1);
  });
});

