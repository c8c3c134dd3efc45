import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConclusion, publishCheckRun, type CheckRunInput } from '../../src/github/checks.js';
import { fastClient } from '../support/clients.js';
import type { Finding, Severity } from '../../src/report/types.js';
import { startFakeGitHub, type FakeGitHub, type FakeRequest } from '../support/fake-github.js';

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
  github.addPullRequest('acme', 'shop', { number: 7, title: 't', head: { sha: 'headsha' }, base: { sha: 'basesha' }, files: [] });
});
afterEach(async () => {
  await github.close();
});

const client = () => fastClient(github.url);
const target = { owner: 'acme', repo: 'shop' };
const SEVERITIES: Severity[] = ['low', 'medium', 'high'];

function finding(i: number, extra: Partial<Finding> = {}): Finding {
  return {
    id: `f${i}`, agent: 'system-architect', rule: 'http-timeout', severity: SEVERITIES[i % 3] ?? 'low', kind: 'problem',
    file: `svc/m${i}.py`, line: i + 1, title: `Finding ${i}`, message: `Message ${i}.`, remedy: `Remedy ${i}.`, source: 'check', ...extra,
  };
}

function input(findings: Finding[], extra: Partial<CheckRunInput> = {}): CheckRunInput {
  return { headSha: 'headsha', conclusion: 'failure', title: '3 findings', summary: '## Summary', findings, ...extra };
}

const checkRunWrites = (): FakeRequest[] => github.requests.filter((r) => r.path.includes('/check-runs') && r.method !== 'GET');
const annotationsOf = (r: FakeRequest): unknown[] => {
  const body = r.body as { output?: { annotations?: unknown[] } };
  return body.output?.annotations ?? [];
};

describe('publishCheckRun', () => {
  it('creates the run completed with 50 annotations, then adds the rest 50 at a time', async () => {
    const findings = Array.from({ length: 120 }, (_, i) => finding(i));
    const result = await publishCheckRun(client(), target, input(findings));
    const [run] = github.checkRuns('acme', 'shop');
    expect(result).toEqual({ kind: 'created', id: run?.id, url: `https://github.com/acme/shop/runs/${run?.id}`, annotations: 120 });
    expect(run).toMatchObject({ name: 'Architect Review', head_sha: 'headsha', status: 'completed', conclusion: 'failure', output: { title: '3 findings', summary: '## Summary' } });
    const writes = checkRunWrites();
    expect(writes.map((r) => `${r.method} ${annotationsOf(r).length}`)).toEqual(['POST 50', 'PATCH 50', 'PATCH 20']);
    expect(run?.output.annotations).toHaveLength(120);
    expect(new Set(run?.output.annotations.map((a) => a.path)).size).toBe(120);
    // Most severe first: all 40 failures, then 40 warnings, then 40 notices.
    const levels = run?.output.annotations.map((a) => a.annotation_level) ?? [];
    expect(levels.slice(0, 40).every((l) => l === 'failure') && levels.slice(40, 80).every((l) => l === 'warning') && levels.slice(80).every((l) => l === 'notice')).toBe(true);
  });

  it('writes each finding as an annotation within GitHub\'s limits', async () => {
    const findings = [
      finding(0, { severity: 'high', line: 4, endLine: 9, suggestion: 'x = 1' }),
      finding(1, { severity: 'low', line: undefined, title: 'T'.repeat(400), message: 'é'.repeat(40_000) }),
    ];
    const summary = 's'.repeat(70_000);
    const result = await publishCheckRun(client(), target, input(findings, { summary, text: 'details', name: 'Custom', conclusion: 'neutral' }));
    expect(result.kind).toBe('created');
    const [run] = github.checkRuns('acme', 'shop');
    expect(run).toMatchObject({ name: 'Custom', conclusion: 'neutral', output: { text: 'details' } });
    expect(run?.output.summary?.length).toBe(65_535);
    expect(run?.output.summary).toMatch(/truncated to fit GitHub's check run limit\)$/);
    const [high, fileLevel] = run?.output.annotations ?? [];
    expect(high).toEqual({
      path: 'svc/m0.py', start_line: 4, end_line: 9, annotation_level: 'failure', title: 'Finding 0',
      message: 'Message 0.\n\nRemedy: Remedy 0.\n\nsystem-architect · http-timeout', raw_details: 'Suggested replacement:\nx = 1',
    });
    expect(fileLevel).toMatchObject({ path: 'svc/m1.py', start_line: 1, end_line: 1, annotation_level: 'notice' });
    expect(fileLevel?.title).toHaveLength(255);
    expect(Buffer.byteLength(fileLevel?.message ?? '')).toBeLessThanOrEqual(65_535);
    expect(fileLevel?.message.endsWith('é…')).toBe(true);
    expect(fileLevel).not.toHaveProperty('raw_details');
  });

  it('creates a run without annotations when there are no findings', async () => {
    const result = await publishCheckRun(client(), target, input([], { conclusion: 'success' }));
    expect(result).toMatchObject({ kind: 'created', annotations: 0 });
    expect(checkRunWrites().map((r) => r.method)).toEqual(['POST']);
    expect(github.checkRuns('acme', 'shop')[0]).toMatchObject({ conclusion: 'success', output: { annotations: [] } });
  });

  it('returns forbidden on a 403 so the caller can fall back to workflow annotations', async () => {
    github.deny('POST', /\/check-runs$/);
    const result = await publishCheckRun(client(), target, input([finding(1)]));
    expect(result).toEqual({ kind: 'forbidden', message: expect.stringContaining('Resource not accessible by integration') });
    expect(github.checkRuns('acme', 'shop')).toEqual([]);
  });

  it('does not post a second run when the first landed before a 502', async () => {
    github.failNextAfterLanding({ method: 'POST', path: /\/check-runs$/ }, { status: 502 });
    const result = await publishCheckRun(client(), target, input(Array.from({ length: 60 }, (_, i) => finding(i))));
    const runs = github.checkRuns('acme', 'shop');
    expect(runs).toHaveLength(1);
    expect(result).toMatchObject({ kind: 'created', id: runs[0]?.id, annotations: 60 });
    expect(runs[0]?.output.annotations).toHaveLength(60);
    expect(checkRunWrites().map((r) => r.method)).toEqual(['POST', 'PATCH']);
    const lookup = github.requests.find((r) => r.path === '/repos/acme/shop/commits/headsha/check-runs');
    expect(lookup?.query).toMatchObject({ check_name: 'Architect Review', filter: 'all' });
  });

  it('posts again when a 502 came before the run landed, without mistaking an earlier run of the same name', async () => {
    await publishCheckRun(client(), target, input([finding(1)]));
    github.failNext({ method: 'POST', path: /\/check-runs$/ }, { status: 502 });
    const result = await publishCheckRun(client(), target, input([finding(2)]));
    const runs = github.checkRuns('acme', 'shop');
    expect(runs).toHaveLength(2);
    expect(result).toMatchObject({ kind: 'created', id: runs[1]?.id });
    expect(runs[1]?.output.annotations.map((a) => a.path)).toEqual(['svc/m2.py']);
  });

  it('does not append a batch twice when a PATCH landed before a 502, and re-sends one that did not land', async () => {
    github.failNextAfterLanding({ method: 'PATCH', path: /\/check-runs\/\d+$/ }, { status: 502 });
    const findings = Array.from({ length: 70 }, (_, i) => finding(i));
    await publishCheckRun(client(), target, input(findings));
    expect(github.checkRuns('acme', 'shop')[0]?.output.annotations).toHaveLength(70);
    expect(checkRunWrites().map((r) => r.method)).toEqual(['POST', 'PATCH']);

    github.failNext({ method: 'PATCH', path: /\/check-runs\/\d+$/ }, { status: 503 });
    await publishCheckRun(client(), target, input(findings));
    const second = github.checkRuns('acme', 'shop')[1];
    expect(second?.output.annotations).toHaveLength(70);
    expect(new Set(second?.output.annotations.map((a) => a.path)).size).toBe(70);
    expect(checkRunWrites().map((r) => r.method)).toEqual(['POST', 'PATCH', 'POST', 'PATCH', 'PATCH']);
  });

  it('gives up after two 5xx answers that did not land, saying what failed', async () => {
    github.failNext({ method: 'POST', path: /\/check-runs$/ }, { status: 500 }, 2);
    await expect(publishCheckRun(client(), target, input([finding(1)]))).rejects.toThrow(/Could not create the check run "Architect Review" on headsha/);
    expect(checkRunWrites()).toHaveLength(2);
    expect(github.checkRuns('acme', 'shop')).toEqual([]);
  });

  it('throws an actionable error on a 422 (an unknown commit) without retrying', async () => {
    await expect(publishCheckRun(client(), target, input([finding(1)], { headSha: 'nosuchsha' })))
      .rejects.toThrow(/Could not create the check run "Architect Review" on nosuchsha: .*No commit found for SHA: nosuchsha/);
    expect(checkRunWrites()).toHaveLength(1);
  });
});

describe('checkConclusion', () => {
  it('fails when the gate fails, succeeds when all is well, is neutral otherwise', () => {
    expect(checkConclusion('none', 'ok')).toBe('success');
    expect(checkConclusion('none', 'blocked')).toBe('neutral');
    expect(checkConclusion('none', 'needs_info')).toBe('neutral');
    expect(checkConclusion('blocked', 'blocked')).toBe('failure');
    expect(checkConclusion('blocked', 'needs_info')).toBe('neutral');
    expect(checkConclusion('needs_info', 'needs_info')).toBe('failure');
    expect(checkConclusion('needs_info', 'blocked')).toBe('failure');
    expect(checkConclusion('needs_info', 'ok')).toBe('success');
  });
});
