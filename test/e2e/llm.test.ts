/**
 * The LLM reviewer end to end: the BUILT action (dist/index.js) with an Anthropic key, the real SDK
 * talking to the fake Anthropic Messages server, and the fake GitHub. What the model answers shows
 * in the review; usage and cost reach the outputs; the key is masked and sent nowhere else; and
 * every way the API can fail leaves the offline review, posted, with a notice, on a green step.
 *
 * The runs are independent, so they start together (most of their time is retry waits) and each
 * test awaits its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCostUsd } from '../../src/llm/pricing.js';
import { FORK_WITHOUT_KEY } from '../../src/main.js';
import { startFakeAnthropic, type FakeHandler, type FakeMessagesRequest, type FakeStep } from '../support/fake-anthropic.js';
import { startFakeGitHub, type FakeCheckRun, type FakeComment, type FakeFile, type FakeRequest, type FakeReview } from '../support/fake-github.js';
import { fakeFilesFromDiff } from '../support/github-files.js';
import { ACTION, REPO_ROOT, pullRequestEvent, runAction, type ActionRun } from '../support/run-action.js';
import { removeTempDirs } from '../support/temp-dir.js';
import { fakeChars } from '../security/fakes.js';

const KEY = ['sk-', 'ant-', 'api03-', fakeChars(93, 9090)].join('');
const MODEL = 'claude-sonnet-5-5';
const HEAD = '5e1f00d5e1f00d5e1f00d5e1f00d5e1f00d5e1f0';
const BASE = 'ba5eba5eba5eba5eba5eba5eba5eba5eba5eba5e';
const PR = { number: 21, title: 'Serve churn predictions over HTTP', headSha: HEAD, baseSha: BASE };
const ML = 'ml-systems-architect';
const SYSTEM = 'system-architect';
const EXAMPLE_FILES = fakeFilesFromDiff(readFileSync(join(REPO_ROOT, 'examples/serving-pr/pr.diff'), 'utf8'));

/** A new Python file of about `kilobytes` KB: big enough that two do not fit in one review call. */
function bigPythonFile(path: string, kilobytes: number): FakeFile {
  const lines = Array.from({ length: Math.ceil((kilobytes * 1024) / 60) }, (_, i) => `WEIGHT_${String(i).padStart(5, '0')} = ${(i % 97) / 97}  # calibration weight, segment ${i}`);
  return { filename: path, status: 'added', additions: lines.length, deletions: 0, changes: lines.length, patch: [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n') };
}

/** The model's finding on serving/app.py:24 (the feature-service call), in every call that shows that file. */
const FEATURE_FINDING = {
  file: 'serving/app.py',
  line: 24,
  severity: 'medium',
  title: 'Feature service outage takes predictions down with it',
  message: 'Every prediction calls the feature service synchronously with no fallback, so when it is slow or down every request fails.',
  remedy: 'Read features from the Redis cache first, put a circuit breaker around the call, and return a default score when features are unavailable.',
};

interface Sent {
  agent: string;
  text: string;
  request: FakeMessagesRequest;
}

function readSent(request: FakeMessagesRequest): Sent {
  const system = Array.isArray(request.body.system) ? request.body.system.map((b) => b.text ?? '').join('\n') : (request.body.system ?? '');
  const agent = /^You are ([\w-]+),/.exec(system)?.[1];
  if (!agent) throw new Error(`No agent name at the start of the system prompt: ${system.slice(0, 80)}`);
  const content = request.body.messages[0]?.content ?? '';
  const text = typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('\n');
  return { agent, text, request };
}

const noFindings = (): FakeStep => ({ answer: { checklist: [], findings: [], questions: [] } });

/** A model that finds the feature-service problem and fails a checklist item no rule covers. */
const reviewer: FakeHandler = (request) => {
  const { text } = readSent(request);
  const findings = text.includes('### File: serving/app.py (') ? [FEATURE_FINDING] : [];
  const checklist = /^- optimize-for-maintainability: .* \| offline: not checked$/m.test(text)
    ? [{ id: 'optimize-for-maintainability', verdict: 'fail', evidence: 'serving/app.py mixes transport, feature fetching and scoring in one handler.' }]
    : [];
  return { answer: { checklist, findings, questions: [] } };
};

/** Answers by agent: each agent's calls get their own failure. */
const byAgent = (steps: Record<string, (attempt: number) => FakeStep>): FakeHandler => {
  const attempts = new Map<string, number>();
  return (request) => {
    const { agent } = readSent(request);
    const attempt = (attempts.get(agent) ?? 0) + 1;
    attempts.set(agent, attempt);
    const step = steps[agent];
    if (!step) throw new Error(`No step for ${agent}`);
    return step(attempt);
  };
};

interface Report {
  status: string;
  findings: { id: string; rule: string; source: string; severity: string; file: string; line?: number; agent: string; title: string }[];
  agents: { name: string; files: string[]; checklist: { id: string; verdict: string; checkedBy: string[] }[] }[];
  coverage: { llm?: { model: string; sent: { agent: string; files: string[] }[]; notSent: { agent: string; file: string; reason: string }[] } };
  usage: { llmCalls: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; estimatedCostUsd: number };
  notices: string[];
}

interface Reviewed {
  run: ActionRun;
  sent: Sent[];
  report: Report;
  reportText: string;
  comment: string;
  comments: FakeComment[];
  reviews: FakeReview[];
  checkRuns: FakeCheckRun[];
  githubRequests: FakeRequest[];
}

async function review(options: { answer?: FakeHandler; files?: FakeFile[]; inputs?: Record<string, string>; env?: Record<string, string>; fork?: boolean; key?: string }): Promise<Reviewed> {
  const github = await startFakeGitHub();
  const anthropic = await startFakeAnthropic();
  try {
    anthropic.respond(options.answer ?? noFindings);
    github.addPullRequest('acme', 'shop', { number: PR.number, title: PR.title, head: { sha: HEAD }, base: { sha: BASE }, files: options.files ?? EXAMPLE_FILES });
    const run = await runAction({
      apiUrl: github.url,
      event: pullRequestEvent({ ...PR, fork: options.fork ?? false }),
      inputs: { 'anthropic-api-key': options.key ?? KEY, ...options.inputs },
      env: { ANTHROPIC_BASE_URL: anthropic.url, ...options.env },
    });
    const reportText = existsSync(run.outputs['report-path'] ?? '') ? readFileSync(run.outputs['report-path'] ?? '', 'utf8') : '';
    if (reportText === '') throw new Error(`The action wrote no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    const comments = github.comments('acme', 'shop', PR.number);
    return {
      run,
      sent: anthropic.requests.map(readSent),
      report: JSON.parse(reportText) as Report,
      reportText,
      comment: comments[0]?.body ?? '',
      comments,
      reviews: github.reviews('acme', 'shop', PR.number),
      checkRuns: github.checkRuns('acme', 'shop'),
      githubRequests: [...github.requests],
    };
  } finally {
    await Promise.all([github.close(), anthropic.close()]);
  }
}

const ofAgent = (r: Reviewed, agent: string): Sent[] => r.sent.filter((s) => s.agent === agent);
const sum = (r: Reviewed, field: 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'): number =>
  r.sent.reduce((n, s) => n + (s.request.reply?.usage?.[field] ?? 0), 0);
const shape = (r: Reviewed) => r.report.findings.map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line ?? ''} ${f.agent}`).sort();

/** The offline review survived whole: same findings and status as a run without the LLM, posted, step green. */
function expectOfflineReview(r: Reviewed, offline: Reviewed): void {
  expect(r.run.code, r.run.stdout + r.run.stderr).toBe(0);
  expect(r.run.stdout).not.toContain('::error::');
  expect(shape(r)).toEqual(shape(offline));
  expect(r.report.findings.every((f) => f.source === 'check')).toBe(true);
  expect(r.run.outputs.status).toBe(offline.run.outputs.status);
  expect(r.comments).toHaveLength(1);
  expect(r.checkRuns).toHaveLength(1);
}

/** `pattern` is one of the report's notices, and the comment and the job summary show it. */
function expectNotice(r: Reviewed, pattern: RegExp): void {
  expect(r.report.notices.some((n) => pattern.test(n)), `notices: ${JSON.stringify(r.report.notices)}`).toBe(true);
  expect(r.comment).toMatch(pattern);
  expect(r.run.summary).toMatch(pattern);
}

/** The failed agent's files are listed as not sent, with the failure. */
function expectNotSent(r: Reviewed, agent: string, reason: RegExp): void {
  const files = r.report.agents.find((a) => a.name === agent)?.files ?? [];
  expect(files.length).toBeGreaterThan(0);
  const listed = r.report.coverage.llm?.notSent.filter((n) => n.agent === agent) ?? [];
  expect(listed.map((n) => n.file).sort()).toEqual([...files].sort());
  for (const n of listed) expect(n.reason).toMatch(reason);
}

/** The key went to the Anthropic API and nowhere else: masked first thing, then never printed or posted. */
function expectKeyKeptSecret(r: Reviewed): void {
  expect(r.run.stdout.startsWith(`::add-mask::${KEY}\n`)).toBe(true);
  expect(r.run.stdout.split(KEY)).toHaveLength(2);
  expect(r.run.stderr).not.toContain(KEY);
  for (const text of [r.reportText, r.run.summary, JSON.stringify(r.comments), JSON.stringify(r.reviews), JSON.stringify(r.checkRuns), JSON.stringify(r.githubRequests)]) {
    expect(text).not.toContain(KEY);
  }
  for (const s of r.sent) expect(s.request.apiKey).toBe(KEY);
}

beforeAll(() => {
  if (!existsSync(ACTION)) throw new Error('dist/index.js is missing: run `npm run bundle` first (npm test does).');
});
afterAll(removeTempDirs);

describe('the built action with an Anthropic key', () => {
  const started: Record<string, Promise<Reviewed>> = {};
  beforeAll(() => {
    const start = (name: string, run: () => Promise<Reviewed>): void => {
      started[name] = run();
      started[name].catch(() => undefined); // awaited, and reported, by its test
    };
    start('offline', () => review({ fork: true, key: '' }));
    start('deepened', () =>
      review({ answer: reviewer, files: [...EXAMPLE_FILES, bigPythonFile('serving/batch_weights.py', 28), bigPythonFile('serving/segment_weights.py', 28)] }),
    );
    start('rateLimited', () => review({ answer: byAgent({ [SYSTEM]: () => ({ status: 429, retryAfter: 1 }), [ML]: () => ({ status: 529 }) }) }));
    start('brokenOrSlow', () =>
      review({
        answer: byAgent({ [SYSTEM]: () => ({ status: 500 }), [ML]: () => ({ delayMs: 5_000, then: noFindings() }) }),
        env: { ARCHITECT_REVIEW_LLM_TIMEOUT_MS: '400' },
      }),
    );
    start('malformedOrRefused', () =>
      review({
        answer: byAgent({
          [SYSTEM]: (attempt) => (attempt === 1 ? { text: 'LGTM, approved.' } : { badInput: { findings: [{ file: 'serving/app.py', severity: 'critical' }] } }),
          [ML]: () => ({ status: 401 }),
        }),
      }),
    );
    start('overBudget', () => review({ answer: reviewer, inputs: { 'max-input-tokens': '1000' } }));
  });

  it("posts the model's findings and checklist verdicts as LLM findings, and keeps the offline ones", async () => {
    const r = await started.deepened!;
    const offline = await started.offline!;
    expect(r.run.code, r.run.stdout + r.run.stderr).toBe(0);
    for (const agent of [ML, SYSTEM]) {
      expect(r.report.findings).toContainEqual(expect.objectContaining({ rule: 'llm-review', source: 'llm', agent, file: 'serving/app.py', line: 24, severity: 'medium', title: FEATURE_FINDING.title }));
      expect(r.comment).toContain(`#### 🟠 Medium — ${FEATURE_FINDING.title}\n\`serving/app.py:24\` · ${agent} · \`llm-review\` · LLM`);
    }
    const inline = r.reviews.flatMap((v) => v.comments).filter((c) => c.body.includes(FEATURE_FINDING.title));
    expect(inline.map((c) => [c.path, c.line])).toEqual([['serving/app.py', 24], ['serving/app.py', 24]]);
    expect(inline.every((c) => c.body.includes('`llm-review` · LLM'))).toBe(true);
    // The offline findings are all still there, and the model's verdict fills an item no rule checks.
    expect(shape(r)).toEqual(expect.arrayContaining(shape(offline)));
    expect(r.run.outputs.status).toBe('blocked');
    const item = r.report.agents.find((a) => a.name === SYSTEM)?.checklist.find((c) => c.id === 'optimize-for-maintainability');
    expect(item).toMatchObject({ verdict: 'fail', checkedBy: ['llm-review'] });
    expect(r.report.coverage.llm?.notSent).toEqual([]);
  });

  it('reports calls, tokens and cost from the API usage, and the later chunks of an agent read its prompt from the cache', async () => {
    const r = await started.deepened!;
    expect(r.sent.every((s) => s.request.reply?.status === 200)).toBe(true);
    for (const agent of [ML, SYSTEM]) {
      const calls = ofAgent(r, agent);
      expect(calls.length, `${agent}: calls`).toBeGreaterThanOrEqual(2);
      expect(calls.map((s) => s.text.match(/^Review part (\d+) of (\d+) /)?.slice(1).join('/')).sort()).toEqual(calls.map((_, i) => `${i + 1}/${calls.length}`));
      const [first, ...rest] = calls.map((s) => s.request.body.system);
      expect(Array.isArray(first) ? first.at(-1)?.cache_control : undefined).toEqual({ type: 'ephemeral' });
      for (const system of rest) expect(system).toEqual(first);
      expect(calls.filter((s) => (s.request.reply?.usage?.cache_read_input_tokens ?? 0) > 0), `${agent}: calls that read the cache`).toHaveLength(calls.length - 1);
    }
    const usage = {
      inputTokens: sum(r, 'input_tokens'),
      outputTokens: sum(r, 'output_tokens'),
      cacheReadTokens: sum(r, 'cache_read_input_tokens'),
      cacheWriteTokens: sum(r, 'cache_creation_input_tokens'),
    };
    expect(usage.cacheReadTokens).toBeGreaterThan(0);
    const cost = estimateCostUsd(MODEL, usage);
    expect(cost).toBeGreaterThan(0);
    expect(r.run.outputs).toMatchObject({
      'llm-calls': String(r.sent.length),
      'input-tokens': String(usage.inputTokens),
      'output-tokens': String(usage.outputTokens),
      'cache-read-tokens': String(usage.cacheReadTokens),
      'estimated-cost-usd': cost.toFixed(4),
    });
    expect(r.report.usage).toMatchObject({ llmCalls: r.sent.length, ...usage });
    expect(r.report.usage.estimatedCostUsd).toBeCloseTo(cost, 9);
    expect(r.report.coverage.llm?.model).toBe(MODEL);
  });

  it('masks the key before anything else and sends it only to the Anthropic API', async () => {
    const r = await started.deepened!;
    expectKeyKeptSecret(r);
    expect(r.sent.length).toBeGreaterThan(0);
    expect(r.githubRequests.every((q) => q.token === 'test-token')).toBe(true);
  });

  describe('when the API fails, posts the offline review with a notice and does not fail the step', () => {
    it('429 past the retries (each wait as retry-after asks), and 529 overloaded', async () => {
      const [r, offline] = await Promise.all([started.rateLimited!, started.offline!]);
      expectOfflineReview(r, offline);
      const limited = ofAgent(r, SYSTEM);
      expect(limited.map((s) => s.request.reply?.status)).toEqual([429, 429, 429, 429]);
      // retry-after: 1 s, longer than the SDK's own first backoff (at most 0.5 s): it waited as told.
      const gaps = limited.slice(1).map((s, i) => s.request.receivedAt - (limited[i]?.request.receivedAt ?? 0));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
      expect(ofAgent(r, ML).map((s) => s.request.reply?.status)).toEqual([529, 529, 529, 529]);
      expectNotice(r, /The LLM review by system-architect failed \(Anthropic API 429 \(rate limited, and still limited after the retries\) after 4 attempts: rate_limit_error/);
      expectNotice(r, /The LLM review by ml-systems-architect failed \(Anthropic API 529 \(the API is overloaded, and still was after the retries\) after 4 attempts: overloaded_error/);
      expectNotSent(r, SYSTEM, /^the call failed: Anthropic API 429/);
      expectNotSent(r, ML, /^the call failed: Anthropic API 529/);
      expect(r.run.outputs).toMatchObject({ 'llm-calls': '0', 'input-tokens': '0', 'estimated-cost-usd': '0.0000' });
      expectKeyKeptSecret(r);
    });

    it('500s past the retries, and an answer slower than ARCHITECT_REVIEW_LLM_TIMEOUT_MS', async () => {
      const [r, offline] = await Promise.all([started.brokenOrSlow!, started.offline!]);
      expectOfflineReview(r, offline);
      expect(ofAgent(r, SYSTEM).map((s) => s.request.reply?.status)).toEqual([500, 500, 500, 500]);
      // The client gave up on each attempt before the fake answered.
      const slow = ofAgent(r, ML);
      expect(slow).toHaveLength(4);
      expect(slow.every((s) => s.request.reply === undefined)).toBe(true);
      expectNotice(r, /The LLM review by system-architect failed \(Anthropic API 500 \(the API failed, and still did after the retries\) after 4 attempts: api_error: Internal server error/);
      expectNotice(r, /The LLM review by ml-systems-architect failed \(the Anthropic API request timed out after 400 ms \(4 attempts\)\)/);
      expectNotSent(r, SYSTEM, /^the call failed: Anthropic API 500/);
      expectNotSent(r, ML, /^the call failed: the Anthropic API request timed out/);
      expect(r.run.outputs['llm-calls']).toBe('0');
      expectKeyKeptSecret(r);
    });

    it('an answer malformed twice (billed), and a 401 for a bad key (not retried)', async () => {
      const [r, offline] = await Promise.all([started.malformedOrRefused!, started.offline!]);
      expectOfflineReview(r, offline);
      expect(ofAgent(r, SYSTEM).map((s) => s.request.reply?.status)).toEqual([200, 200]);
      expect(ofAgent(r, ML).map((s) => s.request.reply?.status)).toEqual([401]);
      expectNotice(r, /The LLM review by system-architect failed \(no valid answer in 2 tries: the model answered without calling submit_review \(stop_reason "end_turn"\); then the submit_review input did not match the answer schema: /);
      expectNotice(r, /The LLM review by ml-systems-architect failed \(Anthropic API 401 \(the API key was refused; check the anthropic-api-key secret\) after 1 attempt: authentication_error/);
      expectNotSent(r, SYSTEM, /^the call failed: no valid answer in 2 tries/);
      expectNotSent(r, ML, /^the call failed: Anthropic API 401/);
      // The two malformed answers were answered, and billed: they count.
      expect(r.run.outputs['llm-calls']).toBe('2');
      expect(Number(r.run.outputs['output-tokens'])).toBe(sum(r, 'output_tokens'));
      expect(Number(r.run.outputs['estimated-cost-usd'])).toBeGreaterThan(0);
      expectKeyKeptSecret(r);
    });
  });

  it('with max-input-tokens too small for any call, sends nothing and lists every routed file as not sent', async () => {
    const [r, offline] = await Promise.all([started.overBudget!, started.offline!]);
    expectOfflineReview(r, offline);
    expect(r.sent).toHaveLength(0);
    expect(r.report.coverage.llm?.sent).toEqual([]);
    for (const agent of [ML, SYSTEM]) expectNotSent(r, agent, /^over the max-input-tokens budget \(1000 tokens for the whole run\)$/);
    const routed = r.report.agents.reduce((n, a) => n + a.files.length, 0);
    expectNotice(r, new RegExp(`\\b${routed} routed file\\(s\\) were not sent to the model \\(max-input-tokens 1000\\); the report's coverage lists them\\.`));
    expect(r.run.outputs).toMatchObject({ 'llm-calls': '0', 'estimated-cost-usd': '0.0000' });
  });

  it('on a fork pull request without the key, says the review is the offline one only', async () => {
    const r = await started.offline!;
    expect(r.run.code, r.run.stdout + r.run.stderr).toBe(0);
    expect(r.sent).toHaveLength(0);
    expect(r.report.notices).toContain(FORK_WITHOUT_KEY);
    expect(r.comment).toContain(`> [!NOTE]\n> ${FORK_WITHOUT_KEY}`);
    expect(r.run.stdout).not.toContain('::add-mask::');
    expect(r.run.outputs).toMatchObject({ status: 'blocked', 'llm-calls': '0', 'input-tokens': '0', 'estimated-cost-usd': '0.0000' });
    expect(r.report.coverage.llm).toBeUndefined();
  });
});
