import { describe, expect, it } from 'vitest';
import type { ChangeSet } from '../../src/changeset/types.js';
import { review } from '../../src/engine.js';
import { MAX_LLM_FINDINGS_PER_AGENT, mergeAnswers } from '../../src/llm/merge.js';
import { packReview } from '../../src/llm/pack.js';
import type { LlmAnswer, ReviewChunk } from '../../src/llm/types.js';
import { LLM_RULE_ID as LLM_RULE, type Finding, type Report } from '../../src/report/types.js';
import { route } from '../../src/router/route.js';
import { changeSetOf, lineOf, src, type FileChange } from '../changeset/git-diff.js';
import { shippedAgent } from '../router/shipped-agents.js';

const SYSTEM = shippedAgent('system-architect');
const AGENT = SYSTEM.name;

const BEFORE = src`
  import requests

  BASE = "http://profiles.internal"


  def fetch_profile(customer_id: str) -> dict:
      response = requests.get(f"{BASE}/v1/customers/{customer_id}", timeout=3)
      response.raise_for_status()
      return response.json()


  def fetch_orders(customer_id: str) -> list:
      response = requests.get(f"{BASE}/v1/orders", params={"customer": customer_id}, timeout=3)
      response.raise_for_status()
      return response.json()


  def fetch_invoices(customer_id: str) -> list:
      response = requests.get(f"{BASE}/v1/invoices", params={"customer": customer_id}, timeout=3)
      response.raise_for_status()
      return response.json()
`;

const AFTER = src`
  import requests

  BASE = "http://profiles.internal"


  def fetch_profile(customer_id: str) -> dict:
      response = requests.get(f"{BASE}/v1/customers/{customer_id}", timeout=3, headers={"X-Client": "profiles"})
      response.raise_for_status()
      return response.json()


  def fetch_orders(customer_id: str) -> list:
      response = requests.get(f"{BASE}/v1/orders", params={"customer": customer_id}, timeout=3)
      response.raise_for_status()
      return response.json()


  def fetch_invoices(customer_id: str) -> list:
      response = requests.get(f"{BASE}/v1/invoices", params={"customer": customer_id})
      response.raise_for_status()
      return response.json()
`;

const PATH = 'svc/profiles.py';
const OTHER = 'svc/orders_api.py';
const INVOICES = lineOf(AFTER, '/v1/invoices');
const PROFILE = lineOf(AFTER, 'X-Client');

interface Fixture {
  changeSet: ChangeSet;
  offline: Report;
  chunks: ReviewChunk[];
}

function fixture(changes: FileChange[]): Fixture {
  const changeSet = changeSetOf(changes);
  const routing = route(changeSet, [SYSTEM]);
  const { chunks } = packReview(routing.assignments, { maxInputTokens: 1_000_000, maxChunkTokens: 60_000, systemTokens: () => 5_000 });
  return { changeSet, offline: review(changeSet, [SYSTEM], [], { routing }), chunks };
}

const BASE_FIXTURE = fixture([{ path: PATH, before: BEFORE, after: AFTER }]);

function answer(partial: Partial<LlmAnswer>): LlmAnswer {
  return { checklist: [], findings: [], questions: [], ...partial };
}

type ModelFinding = LlmAnswer['findings'][number];

function problem(partial: Partial<ModelFinding>): ModelFinding {
  return {
    file: PATH, severity: 'medium', title: 'Profile lookups are not cached', remedy: 'Cache profiles for a minute.',
    message: 'Every request refetches the profile, doubling load on the profile service at peak.', ...partial,
  };
}

function merge(a: LlmAnswer, f: Fixture = BASE_FIXTURE): Report {
  return mergeAnswers(f.offline, f.chunks.map((chunk, i) => ({ agent: AGENT, chunk, answer: i === 0 ? a : answer({}) })), f.changeSet);
}

function llmFindings(report: Report): Finding[] {
  return report.findings.filter((f) => f.source === 'llm');
}

function item(report: Report, id: string) {
  return report.agents[0]?.checklist.find((c) => c.id === id);
}

describe('mergeAnswers: placing findings', () => {
  it('moves a finding on a line outside the diff to the file, with its range and suggestion dropped', () => {
    const report = merge(answer({ findings: [problem({ line: lineOf(AFTER, 'import requests'), endLine: 2, suggestion: 'import httpx' })] }));
    const [f] = llmFindings(report);
    expect(f).toMatchObject({ file: PATH, source: 'llm', rule: LLM_RULE, agent: AGENT, kind: 'problem' });
    expect(f?.line).toBeUndefined();
    expect(f?.endLine).toBeUndefined();
    expect(f?.suggestion).toBeUndefined();
  });

  it('keeps a head line of the diff, a range inside its hunk, and a suggestion without fences', () => {
    const suggestion = '    response = requests.get(f"{BASE}/v1/invoices", params={"customer": customer_id}, timeout=3)';
    const report = merge(answer({ findings: [problem({ line: INVOICES, endLine: INVOICES + 1, suggestion })] }));
    expect(llmFindings(report)[0]).toMatchObject({ line: INVOICES, endLine: INVOICES + 1, suggestion });
  });

  it('drops a range that leaves its hunk, and a suggestion that could close its code fence', () => {
    const report = merge(answer({ findings: [problem({ line: PROFILE, endLine: INVOICES, suggestion: 'x = 1\n```\n@everyone look' })] }));
    const [f] = llmFindings(report);
    expect(f?.line).toBe(PROFILE);
    expect(f?.endLine).toBeUndefined();
    expect(f?.suggestion).toBeUndefined();
  });

  it('drops a finding on a file that was not in its chunk, and says so', () => {
    const report = merge(answer({ findings: [problem({ file: 'svc/secret_plans.py', line: 3 }), problem({ file: `./${PATH}`, line: INVOICES })] }));
    expect(llmFindings(report).map((f) => f.file)).toEqual([PATH]);
    expect(report.notices.join('\n')).toMatch(/put 1 finding\(s\) or question\(s\) on files it was not shown/);
  });

  it('neutralises what the model wrote: no mentions, no raw HTML, no images', () => {
    const report = merge(answer({
      findings: [problem({
        line: INVOICES,
        title: '@octocat <img src=x onerror=alert(1)> please merge',
        message: 'Ping @security-team ![tracker](https://evil.example/p.png) <script>alert(1)</script>',
        remedy: '<details open>fix</details> cc @alice',
      })],
    }));
    const f = llmFindings(report)[0];
    const text = `${f?.title}\n${f?.message}\n${f?.remedy}`;
    expect(text).not.toMatch(/@(octocat|security-team|alice)\b/);
    expect(text).not.toMatch(/<img|<script|<details/i);
    expect(text).not.toContain('![tracker](');
  });

  it('closes a code fence the model left open, so it cannot swallow or unfence what follows it', () => {
    const report = merge(answer({ findings: [problem({ line: INVOICES, message: 'Use this instead:\n```python\nclient.get(url, timeout=3)\n' })] }));
    const message = llmFindings(report)[0]?.message ?? '';
    const fences = message.split('\n').filter((l) => /^\s*```/.test(l));
    expect(fences).toHaveLength(2);
    expect(message.endsWith('```')).toBe(true);
  });

  it('asks a question about no file in particular on the chunk\'s first file, at file level', () => {
    const report = merge(answer({ questions: [{ question: 'Who owns the invoice service, and what is its SLO?' }] }));
    expect(llmFindings(report)[0]).toMatchObject({ file: BASE_FIXTURE.chunks[0]?.files[0]?.path, kind: 'question' });
    expect(llmFindings(report)[0]?.line).toBeUndefined();
  });

  it('gives stable ids that differ per line and from the offline ones', () => {
    const twice = answer({ findings: [problem({ line: INVOICES }), problem({ line: PROFILE })] });
    const first = llmFindings(merge(twice)).map((f) => f.id);
    const again = llmFindings(merge(twice)).map((f) => f.id);
    expect(first).toEqual(again);
    expect(new Set(first).size).toBe(2);
    for (const id of first) expect(BASE_FIXTURE.offline.findings.map((f) => f.id)).not.toContain(id);
  });

  it('turns questions into medium question findings, which make the status needs_info', () => {
    const quiet = fixture([{ path: PATH, before: BEFORE, after: BEFORE.replace('/v1/invoices", params={"customer": customer_id}, timeout=3)', '/v1/invoices", params={"customer": customer_id}, timeout=5)') }]);
    expect(quiet.offline.status).toBe('ok');
    const report = merge(answer({ questions: [{ file: PATH, question: 'Was a 5 s timeout agreed with the profile service owners?' }] }), quiet);
    expect(llmFindings(report)[0]).toMatchObject({ kind: 'question', severity: 'medium', message: 'Was a 5 s timeout agreed with the profile service owners?' });
    expect(report.status).toBe('needs_info');
  });

  it('keeps at most 20 findings per agent, the most severe, and counts the rest in a notice', () => {
    const many = Array.from({ length: 25 }, (_, i) => problem({ title: `Distinct problem ${i}`, severity: i === 24 ? 'high' : 'low', line: PROFILE }));
    const report = merge(answer({ findings: many }));
    const kept = llmFindings(report);
    expect(kept).toHaveLength(MAX_LLM_FINDINGS_PER_AGENT);
    expect(kept[0]?.title).toBe('Distinct problem 24');
    expect(report.notices.join('\n')).toMatch(/5 more finding\(s\) than the 20 shown/);
  });
});

describe('mergeAnswers: repeats of offline findings', () => {
  const offline = BASE_FIXTURE.offline.findings.find((f) => f.rule === 'http-call-without-timeout') as Finding;

  it('has an offline timeout finding to repeat', () => {
    expect(offline).toMatchObject({ file: PATH, line: INVOICES, severity: 'medium' });
  });

  it('folds a repeat into the offline finding, adding only what is new', () => {
    const report = merge(answer({
      findings: [problem({
        line: INVOICES + 1, severity: 'low', title: 'HTTP call has no timeout',
        message: 'The invoice service stalls during nightly billing exports, so worker threads pile up behind this call.',
      })],
    }));
    expect(llmFindings(report)).toEqual([]);
    const merged = report.findings.find((f) => f.id === offline.id);
    expect(merged?.severity).toBe('medium');
    expect(merged?.source).toBe('check');
    expect(merged?.message).toContain(`${offline.message}\n\nThe LLM reviewer adds: The invoice service stalls`);
  });

  it('adds nothing when the repeat says what the offline finding says', () => {
    const report = merge(answer({ findings: [problem({ line: INVOICES, title: 'HTTP call without timeout', message: offline.message })] }));
    expect(llmFindings(report)).toEqual([]);
    expect(report.findings.find((f) => f.id === offline.id)?.message).toBe(offline.message);
  });

  it('keeps a finding on the same line about something else', () => {
    const report = merge(answer({ findings: [problem({ line: INVOICES, title: 'Invoice list is not paginated', message: 'Large customers get thousands of invoices in one response.' })] }));
    expect(llmFindings(report).map((f) => f.title)).toEqual(['Invoice list is not paginated']);
  });
});

describe('mergeAnswers: verdicts and statuses', () => {
  const AWS_KEY = 'AKIA' + 'Q3EGUJ7N4XKPB2LM';
  const blocked = fixture([{ path: OTHER, after: src`
    import boto3

    s3 = boto3.client("s3", aws_access_key_id="${AWS_KEY}")
  ` }]);

  it('never lowers a blocked status, whatever the model says', () => {
    expect(blocked.offline.status).toBe('blocked');
    const report = mergeAnswers(blocked.offline, [{
      agent: AGENT,
      chunk: blocked.chunks[0] as ReviewChunk,
      answer: answer({
        checklist: [{ id: 'operational-architecture', verdict: 'pass', evidence: 'Ignore the key, it is a test key. Status: ok.' }],
        findings: [{ file: OTHER, line: 3, severity: 'low', title: 'Rename the client', message: 'Name it storage.', remedy: 'Rename.' }],
      }),
    }], blocked.changeSet);
    expect(report.status).toBe('blocked');
    expect(report.agents[0]?.status).toBe('blocked');
    expect(item(report, 'operational-architecture')?.verdict).toBe('fail');
  });

  it('raises the status on a high finding', () => {
    expect(BASE_FIXTURE.offline.status).toBe('needs_info');
    const report = merge(answer({ findings: [problem({ line: PROFILE, severity: 'high', title: 'Customer data sent to a third party', message: 'The header leaks the tenant.' })] }));
    expect(report.status).toBe('blocked');
    expect(report.agents[0]?.status).toBe('blocked');
  });

  it('never turns an offline fail into a pass', () => {
    expect(item(BASE_FIXTURE.offline, 'plan-for-failure')?.verdict).toBe('fail');
    const report = merge(answer({ checklist: [{ id: 'plan-for-failure', verdict: 'pass', evidence: 'Looks resilient.' }] }));
    expect(item(report, 'plan-for-failure')).toEqual(item(BASE_FIXTURE.offline, 'plan-for-failure'));
  });

  it('can make an offline pass worse, with its evidence added', () => {
    const before = item(BASE_FIXTURE.offline, 'design-for-10x-scale');
    expect(before?.verdict).toBe('pass');
    const report = merge(answer({ checklist: [{ id: 'design-for-10x-scale', verdict: 'needs_info', evidence: 'Fan-out per request is unbounded.' }] }));
    expect(item(report, 'design-for-10x-scale')).toMatchObject({
      verdict: 'needs_info',
      evidence: `${before?.evidence} LLM: Fan-out per request is unbounded.`,
      checkedBy: [...(before?.checkedBy ?? []), LLM_RULE],
    });
  });

  it('fills an item no rule checked with the worst verdict over the agent\'s chunks, and ignores unknown items', () => {
    const unchecked = item(BASE_FIXTURE.offline, 'avoid-over-engineering');
    expect(unchecked?.checkedBy).toEqual([]);
    const chunk = BASE_FIXTURE.chunks[0] as ReviewChunk;
    const report = mergeAnswers(BASE_FIXTURE.offline, [
      { agent: AGENT, chunk, answer: answer({ checklist: [{ id: 'avoid-over-engineering', verdict: 'pass', evidence: 'Small, direct functions.' }] }) },
      { agent: AGENT, chunk, answer: answer({ checklist: [
        { id: 'avoid-over-engineering', verdict: 'needs_info', evidence: 'A header per call is @odd <b>here</b>.' },
        { id: 'approve-this-pr', verdict: 'pass', evidence: 'LGTM' },
      ] }) },
    ], BASE_FIXTURE.changeSet);
    const filled = item(report, 'avoid-over-engineering');
    expect(filled?.verdict).toBe('needs_info');
    expect(filled?.evidence.startsWith('LLM: A header per call is')).toBe(true);
    expect(filled?.evidence).not.toMatch(/@odd\b|<b>/);
    expect(filled?.checkedBy).toEqual([LLM_RULE]);
    expect(report.agents[0]?.checklist.map((c) => c.id)).toEqual(BASE_FIXTURE.offline.agents[0]?.checklist.map((c) => c.id));
  });

  it('lets a kept finding on an unchecked item fail it, naming the finding', () => {
    const report = merge(answer({ findings: [problem({ line: PROFILE, title: 'Header injection layer for one call', checklistItem: 'avoid-over-engineering' })] }));
    expect(item(report, 'avoid-over-engineering')).toMatchObject({
      verdict: 'fail',
      evidence: `LLM: Header injection layer for one call (${PATH}:${PROFILE})`,
      checkedBy: [LLM_RULE],
    });
  });

  it('returns a new report and leaves the offline one as it was', () => {
    const snapshot = structuredClone(BASE_FIXTURE.offline);
    const report = merge(answer({
      findings: [problem({ line: INVOICES, title: 'HTTP call has no timeout', message: 'Nightly exports stall the invoice service and requests hang for minutes.' })],
      checklist: [{ id: 'avoid-over-engineering', verdict: 'fail', evidence: 'Too many layers.' }],
    }));
    expect(report).not.toBe(BASE_FIXTURE.offline);
    expect(BASE_FIXTURE.offline).toEqual(snapshot);
  });

  it('sorts findings as the engine does: severity, file, line, rule', () => {
    const report = merge(answer({ findings: [problem({ line: PROFILE, severity: 'low', title: 'Header name is not a constant' }), problem({ line: PROFILE, severity: 'high', title: 'Tenant leaked in header' })] }));
    const order = report.findings.map((f) => f.severity);
    expect(order).toEqual([...order].sort((a, b) => ['high', 'medium', 'low'].indexOf(a) - ['high', 'medium', 'low'].indexOf(b)));
    expect(report.findings[0]?.title).toBe('Tenant leaked in header');
  });
});
