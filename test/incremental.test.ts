import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, type ReviewState } from '../src/github/state.js';
import { llmFiles, reconcile, recordPosted, recordReplied, resolvedNeedingReply, type ReviewScope } from '../src/incremental.js';
import type { Finding, Report } from '../src/report/types.js';

function finding(id: string, file: string, line: number, extra: Partial<Finding> = {}): Finding {
  return {
    id, agent: 'system-architect', rule: 'http-call-without-timeout', severity: 'high', kind: 'problem', file, line,
    title: `Problem ${id}`, message: 'm', remedy: 'r', source: 'check', ...extra,
  };
}

const llm = (id: string, file: string, line: number): Finding => finding(id, file, line, { source: 'llm', rule: 'llm', severity: 'medium' });

function report(head: string, findings: Finding[], llmSent: string[] | undefined, extra: Partial<Report['coverage']> = {}): Report {
  return {
    schemaVersion: 1, status: 'blocked', pr: { number: 7, title: 't', headSha: head, baseSha: 'base0000' }, agents: [], findings,
    coverage: {
      reviewed: ['svc/a.py', 'svc/b.py'], skipped: [],
      ...(llmSent ? { llm: { model: 'claude', sent: [{ agent: 'system-architect', files: llmSent }], notSent: [] } } : {}), ...extra,
    },
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, estimatedCostUsd: 0 },
    notices: ['from the review'],
  };
}

const PR = new Set(['svc/a.py', 'svc/b.py']);
const changed = (...files: string[]): ReviewScope => ({ mode: 'incremental', changedFiles: new Set(files) });
/** What the next run reads back from the sticky comment. */
const roundTrip = (state: ReviewState): ReviewState | undefined => decodeState(`body\n\n${encodeState(state)}`);

describe('reconcile over three pushes', () => {
  // Push 1: the first review. Everything is new; the lead posts both inline.
  const a = finding('id-a', 'svc/a.py', 10);
  const l = llm('id-l', 'svc/b.py', 5);
  const first = reconcile(undefined, report('head1', [a, l], ['svc/a.py', 'svc/b.py']), { mode: 'full' }, PR);
  const afterFirst = roundTrip(recordPosted(first.state, first.toPost.map((f) => f.id)));

  // Push 2 touches only a.py: `a` moved down two lines (same fingerprint), `b` is new, the LLM saw only a.py.
  const b = finding('id-b', 'svc/a.py', 3, { severity: 'low' });
  const second = reconcile(afterFirst, report('head2', [{ ...a, line: 12 }, b], ['svc/a.py']), changed('svc/a.py'), PR);
  const afterSecond = roundTrip(recordPosted(second.state, second.toPost.map((f) => f.id)));

  // Push 3 fixes `a` and touches b.py, where the LLM no longer finds `l`.
  const third = reconcile(afterSecond, report('head3', [b], ['svc/a.py', 'svc/b.py']), changed('svc/a.py', 'svc/b.py'), PR);

  it('posts everything on the first review and resolves nothing', () => {
    expect(first.toPost.map((f) => f.id)).toEqual(['id-a', 'id-l']);
    expect(first.report.resolved).toBeUndefined();
    expect(first.report.notices).toEqual(['from the review']);
    expect(afterFirst?.findings.map((f) => [f.id, f.inline])).toEqual([['id-a', true], ['id-l', true]]);
    expect(afterFirst?.headSha).toBe('head1');
  });

  it('posts only the new finding, not the one whose line moved, and carries the LLM finding on the untouched file', () => {
    expect(second.toPost.map((f) => f.id)).toEqual(['id-b']);
    expect(second.report.resolved).toEqual([]);
    expect(second.report.notices).toHaveLength(2);
    expect(second.report.notices[1]).toMatch(/^1 earlier LLM finding on files not reviewed again this time stays open \(see the earlier inline comments\): `svc\/b\.py:5` Problem id-l\.$/);
    expect(afterSecond?.findings.map((f) => [f.id, f.line, f.inline])).toEqual([['id-a', 12, true], ['id-b', 3, true], ['id-l', 5, true]]);
    expect(afterSecond?.headSha).toBe('head2');
  });

  it('resolves the fixed check finding and the LLM finding on the re-reviewed file, and asks for replies on their threads', () => {
    expect(third.toPost).toEqual([]);
    expect(third.report.resolved).toEqual([
      { id: 'id-a', file: 'svc/a.py', line: 12, severity: 'high', title: 'Problem id-a', rule: 'http-call-without-timeout' },
      { id: 'id-l', file: 'svc/b.py', line: 5, severity: 'medium', title: 'Problem id-l', rule: 'llm' },
    ]);
    expect(third.report.notices).toEqual(['from the review']);
    expect(third.state.findings.map((f) => f.id)).toEqual(['id-b']);
    expect(resolvedNeedingReply(afterSecond, third.report.resolved ?? [])).toEqual(['id-a', 'id-l']);
  });

  it('remembers replies while the finding stays resolved, and does not post a thread again when it comes back', () => {
    const replied = roundTrip(recordReplied(third.state, ['id-a']));
    expect(replied?.replied).toEqual(['id-a']);
    // Push 4 is force-pushed: a full review, where `a` is back.
    const fourth = reconcile(replied, report('head4', [a, b], ['svc/a.py', 'svc/b.py']), { mode: 'full', reason: 'the branch was force-pushed since the last review (abc1234)' }, PR);
    expect(fourth.toPost).toEqual([]);
    expect(fourth.state.findings.find((f) => f.id === 'id-a')?.inline).toBe(true);
    expect(fourth.state.replied).toEqual([]);
    expect(fourth.report.notices).toContain('This push was reviewed in full: the branch was force-pushed since the last review (abc1234).');
    // Still resolved on push 5: the reply is kept, and not asked for again.
    const fifth = reconcile(replied, report('head5', [b], ['svc/a.py']), changed('svc/a.py'), PR);
    expect(fifth.state.replied).toEqual(['id-a']);
    expect(resolvedNeedingReply(replied, [{ id: 'id-a', file: 'svc/a.py', severity: 'high', title: 't', rule: 'r' }])).toEqual([]);
  });
});

describe('reconcile: what counts as seen again', () => {
  const l = llm('id-l', 'svc/b.py', 5);
  const previous: ReviewState = {
    v: 1, headSha: 'head1', baseSha: 'base0000', replied: [],
    findings: [
      { id: 'id-l', file: 'svc/b.py', line: 5, severity: 'medium', title: 'LLM problem', rule: 'llm', source: 'llm', inline: false },
      { id: 'id-c', file: 'svc/big.py', line: 2, severity: 'high', title: 'Check problem', rule: 'r', source: 'check', inline: true },
    ],
  };

  it('resolves an LLM finding whose file left the pull request, even if not re-reviewed', () => {
    const result = reconcile(previous, report('h', [], ['svc/a.py'], { skipped: [{ file: 'svc/big.py', reason: 'too large' }] }), changed('svc/a.py'), new Set(['svc/a.py', 'svc/big.py']));
    expect(result.report.resolved?.map((r) => r.id)).toEqual(['id-l']);
  });

  it('carries findings on files this run did not read: skipped by the checks, not sent to the model, or no LLM run at all', () => {
    const skipped = { skipped: [{ file: 'svc/big.py', reason: 'patch too large' }] };
    const notSent = reconcile(previous, report('h', [], ['svc/a.py'], {
      ...skipped, llm: { model: 'claude', sent: [], notSent: [{ agent: 'system-architect', file: 'svc/b.py', reason: 'the call failed: 529' }] },
    }), { mode: 'full' }, new Set(['svc/b.py', 'svc/big.py']));
    expect(notSent.report.resolved).toEqual([]);
    expect(notSent.state.findings.map((f) => f.id)).toEqual(['id-l', 'id-c']);
    expect(notSent.report.notices.at(-1)).toMatch(/^2 earlier findings on files not reviewed again this time stay open/);
    const offlineOnly = reconcile(previous, report('h', [l], undefined), { mode: 'full' }, new Set(['svc/b.py', 'svc/big.py']));
    expect(offlineOnly.report.resolved?.map((r) => r.id)).toEqual(['id-c']);
    expect(offlineOnly.toPost.map((f) => f.id)).toEqual(['id-l']);
  });

  it('marks only the findings the caller says it posted', () => {
    const result = reconcile(undefined, report('h', [finding('x', 'svc/a.py', 1), finding('y', 'svc/a.py', 2)], undefined), { mode: 'full' }, PR);
    expect(recordPosted(result.state, ['y']).findings.map((f) => f.inline)).toEqual([false, true]);
    expect(result.state.findings.every((f) => !f.inline)).toBe(true);
  });
});

describe('reconcile: a carried LLM finding still counts', () => {
  it('keeps the status, the findings (and so the gate and the check run) of an earlier high LLM finding on an untouched file', () => {
    const high = finding('id-h', 'svc/b.py', 5, { source: 'llm', rule: 'llm-review', agent: 'ml-systems-architect' });
    const first = reconcile(undefined, report('head1', [high], ['svc/b.py']), { mode: 'full' }, PR);
    const previous = roundTrip(recordPosted(first.state, ['id-h']));
    // The next run (an edited description, a re-run, a push to another file) sends nothing of b.py.
    const next = reconcile(previous, { ...report('head2', [], ['svc/a.py']), status: 'ok' }, changed('svc/a.py'), PR);
    expect(next.report.status).toBe('blocked');
    expect(next.report.findings).toHaveLength(1);
    expect(next.report.findings[0]).toMatchObject({ id: 'id-h', agent: 'ml-systems-architect', severity: 'high', kind: 'problem', file: 'svc/b.py', line: 5, source: 'llm' });
    expect(next.toPost).toEqual([]);
    expect(next.report.resolved).toEqual([]);
  });
});

describe('llmFiles: what the model sees on a re-review', () => {
  const llmRun = (notSent: string[]) =>
    reconcile(undefined, report('head1', [], ['svc/a.py'], {
      llm: { model: 'claude', sent: [{ agent: 'system-architect', files: ['svc/a.py'] }], notSent: notSent.map((file) => ({ agent: 'system-architect', file, reason: 'over the max-input-tokens budget' })) },
    }), { mode: 'full' }, PR).state;

  it('sends what changed since, plus what the model did not see last time', () => {
    const previous = roundTrip(llmRun(['svc/b.py']));
    expect(previous?.llmPending).toEqual(['svc/b.py']);
    expect([...(llmFiles(previous, changed('svc/a.py')) ?? [])].sort()).toEqual(['svc/a.py', 'svc/b.py']);
  });

  it('sends everything after a run without the LLM, on a full review, or with no earlier state', () => {
    const offline = roundTrip(reconcile(undefined, report('head1', [], undefined), { mode: 'full' }, PR).state);
    expect(offline?.llm).toBe(false);
    expect(llmFiles(offline, changed('svc/a.py'))).toBeUndefined();
    expect(llmFiles(roundTrip(llmRun([])), { mode: 'full' })).toBeUndefined();
    expect(llmFiles(undefined, changed('svc/a.py'))).toBeUndefined();
  });
});
