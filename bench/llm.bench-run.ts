/**
 * The LLM reviewer's cost: the real pipeline (`reviewChange`, the real SDK) reviews a 50-file pull
 * request routed to both built-in agents, against the fake Anthropic server, which counts tokens as
 * the API does (≈ 4 characters a token; a cached prefix written once, then read). Prints the calls,
 * the tokens sent, the naive baseline (one call per routed file per agent, each with the agent's full
 * prompt) and the ratio to it (target: at most 40%), the cache-read share and the estimated cost; the
 * same for a bigger PR in which every agent needs several calls. Writes the figures under `llm` in
 * .bench/results.json, keeping what the other benchmarks wrote there.
 *
 *   npx vitest run --config bench/vitest.config.ts bench/llm.bench-run.ts
 *
 * Both sides of the ratio are counted the same way: the naive calls are real requests too (built by
 * prompt.ts, one file each, sent through the SDK to a second fake), so the fake's token count of
 * what went over the wire decides, not an estimate of it. The estimator's own ratio (pack.ts's
 * estimate of the run against `naiveBaselineTokens`) is printed next to it as a cross-check.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_AGENTS_PATH, assembleCatalog } from '../src/catalog.js';
import type { ChangeSet } from '../src/changeset/types.js';
import { DEFAULT_CONFIG_PATH } from '../src/config/schema.js';
import { planReview } from '../src/engine.js';
import { callForAnswer, createAnthropic } from '../src/llm/client.js';
import { naiveBaselineTokens, packReview } from '../src/llm/pack.js';
import { estimateCostUsd } from '../src/llm/pricing.js';
import { buildRequest, systemTokens } from '../src/llm/prompt.js';
import { MAX_CHUNK_TOKENS } from '../src/llm/review.js';
import { DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MODEL, llmSettings, type CallUsage, type LlmSettings } from '../src/llm/types.js';
import { reviewChange, type RepositoryReader } from '../src/pipeline.js';
import type { Report } from '../src/report/types.js';
import type { Routing } from '../src/router/route.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeMessagesRequest } from '../test/support/fake-anthropic.js';
import { dataBlock, fakeAnswer, fiftyFilePullRequest, inServices, prStats, userText, type PrStats } from './llm-pr.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, '.bench/results.json');
const TARGET_RATIO = 0.4;
const API_KEY = 'sk-ant-api03-' + 'b'.repeat(90);
/** Services of the multi-chunk PR: the 50-file change in each, enough for several calls per agent. */
const SERVICES = ['checkout', 'fraud', 'ranking', 'growth'];

/** Nothing to read at the base or the head: the review judges from the hunks, as `--diff` does. */
const READER: RepositoryReader = {
  baseFile: () => Promise.resolve(undefined),
  baseAgents: () => Promise.resolve([]),
  headFiles: () => Promise.resolve(new Map<string, string>()),
};

interface Tokens {
  calls: number;
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/**
 * What one call of the run is made of, on average, in the fake's tokens: the cached prefix (tool
 * definition and system prompt), the framing (PR text, offline findings, checklist, instructions,
 * delimiters) and the files' hunks.
 */
function perCall(requests: readonly FakeMessagesRequest[]): { prefix: number; framing: number; files: number } {
  let prefix = 0;
  let framing = 0;
  let files = 0;
  let n = 0;
  for (const r of requests) {
    const u = r.reply?.usage;
    if (!u) continue;
    const diff = Math.ceil(dataBlock(userText(r.body), 'diff').length / 4);
    prefix += u.cache_creation_input_tokens + u.cache_read_input_tokens;
    files += diff;
    framing += u.input_tokens - diff;
    n += 1;
  }
  return n === 0 ? { prefix: 0, framing: 0, files: 0 } : { prefix: prefix / n, framing: framing / n, files: files / n };
}

/** Everything the model read: uncached input, cache writes and cache reads. */
const sent = (t: Tokens): number => t.input + t.cacheWrite + t.cacheRead;
const asUsage = (t: Tokens): CallUsage => ({ inputTokens: t.input, outputTokens: t.output, cacheReadTokens: t.cacheRead, cacheWriteTokens: t.cacheWrite });

/** What the fake answered, summed (each request answered 200 is one billed call). */
function fakeTokens(requests: readonly FakeMessagesRequest[]): Tokens {
  const t: Tokens = { calls: 0, input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  for (const r of requests) {
    const u = r.reply?.usage;
    if (!u) continue;
    t.calls += 1;
    t.input += u.input_tokens;
    t.cacheWrite += u.cache_creation_input_tokens;
    t.cacheRead += u.cache_read_input_tokens;
    t.output += u.output_tokens;
  }
  return t;
}

/**
 * How long the fake model takes to answer in the review runs. One fixed time for every call, so the
 * pool sends its calls in waves (all of them at 0, D, 2D, …) and the recount below cannot depend on
 * which of two nearly simultaneous answers came first.
 */
const MODEL_LATENCY_MS = 100;

/**
 * The same requests with the cache as the real API keeps it for concurrent calls: "a cache entry only
 * becomes available after the first response begins" (Anthropic's prompt-caching docs). The fake
 * bills a read for any request after the first with that prefix, even one sent while the first was
 * still in flight; here it is a read only when a call with that prefix went out in an earlier wave,
 * i.e. had answered by the time this one was sent (a tie, an answer and a send in the same instant,
 * counts as a read: if anything this flatters the run).
 */
function apiCacheTokens(requests: readonly FakeMessagesRequest[]): Tokens {
  const t: Tokens = { calls: 0, input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  const prefixOf = (r: FakeMessagesRequest): string => JSON.stringify([r.body.model, r.body.tools, r.body.system]);
  for (const r of requests) {
    const u = r.reply?.usage;
    if (!u) continue;
    const prefix = u.cache_creation_input_tokens + u.cache_read_input_tokens;
    const warm = requests.some((q) => prefixOf(q) === prefixOf(r) && q.receivedAt <= r.receivedAt - MODEL_LATENCY_MS / 2);
    t.calls += 1;
    t.input += u.input_tokens;
    t.cacheWrite += warm ? 0 : prefix;
    t.cacheRead += warm ? prefix : 0;
    t.output += u.output_tokens;
  }
  return t;
}

/** A fake whose model answers every request with `fakeAnswer`, after `latencyMs`. */
async function withFake<T>(latencyMs: number, work: (fake: FakeAnthropic) => Promise<T>): Promise<T> {
  const fake = await startFakeAnthropic();
  fake.respond((request) => {
    const answer = { answer: { ...fakeAnswer(request.body) } };
    return latencyMs > 0 ? { delayMs: latencyMs, then: answer } : answer;
  });
  try {
    return await work(fake);
  } finally {
    await fake.close();
  }
}

function settingsFor(url: string, concurrency: number, maxInputTokens: number): LlmSettings {
  return llmSettings({ apiKey: API_KEY, concurrency, maxInputTokens }, { ANTHROPIC_BASE_URL: url });
}

function review(change: ChangeSet, settings?: LlmSettings): Promise<Report> {
  return reviewChange(change, READER, {
    configPath: DEFAULT_CONFIG_PATH,
    agentsPath: DEFAULT_AGENTS_PATH,
    builtinAgents: true,
    warn: () => undefined,
    ...(settings ? { llm: { settings } } : {}),
  });
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

interface Scenario {
  name: string;
  change: ChangeSet;
  concurrency: number;
  maxInputTokens: number;
}

interface Measured {
  scenario: Omit<Scenario, 'change'> & { pr: PrStats };
  routed: Record<string, number>;
  callsPerAgent: Record<string, number>;
  /** As the fake billed it (its cache: a read for every call after the first of a prefix). */
  run: Tokens;
  /** The same calls with the cache as the real API keeps it for concurrent calls. */
  runApiCache: Tokens;
  naive: Tokens;
  perCall: { prefix: number; framing: number; files: number };
  estimate: { run: number; naive: number };
  costUsd: { fakeCache: number; apiCache: number; naive: number };
  report: { usage: Tokens; llmFindings: number; answered: number; deepened: number; judged: number; notices: string[]; notSent: number };
}

/**
 * The naive reviewer: one request per routed file per agent, each with the agent's full system prompt
 * and the same framing as the run (PR text, the offline findings in that file, the checklist), built
 * by prompt.ts and sent through the SDK like the run's. Once per change (scenarios can share one).
 */
const naiveRuns = new Map<ChangeSet, Promise<Tokens>>();
function naiveBaseline(change: ChangeSet, routing: Routing, offline: Report): Promise<Tokens> {
  const known = naiveRuns.get(change);
  if (known) return known;
  const run = withFake(0, async (fake) => {
    const settings = settingsFor(fake.url, 1, Number.MAX_SAFE_INTEGER);
    const client = createAnthropic(settings);
    const jobs = routing.assignments.flatMap((a) => a.files.map((file) => ({ assignment: a, file })));
    await pool(jobs, 8, async ({ assignment, file }) => {
      const packed = packReview([{ ...assignment, files: [file] }], { maxInputTokens: Number.MAX_SAFE_INTEGER, maxChunkTokens: Number.MAX_SAFE_INTEGER, systemTokens });
      const chunk = packed.chunks[0];
      if (!chunk) throw new Error(`${file.path} made no chunk for ${assignment.agent.name}`);
      const request = buildRequest(assignment.agent, chunk, {
        title: change.pr.title,
        body: change.pr.body,
        offline: offline.findings.filter((f) => f.agent === assignment.agent.name && f.file === file.path),
        checklist: offline.agents.find((a) => a.name === assignment.agent.name)?.checklist ?? [],
        nonce: 'naiveBench12', // as long as the run's (9 random bytes in base64url)
      });
      const outcome = await callForAnswer(client, settings, request);
      if (outcome.kind !== 'answer') throw new Error(`naive call for ${file.path} failed: ${outcome.reason}`);
    });
    return fakeTokens(fake.requests);
  });
  naiveRuns.set(change, run);
  return run;
}

/** The scenario's review, as the action runs it, and the naive baseline for the same routing. */
async function measure(scenario: Scenario): Promise<Measured> {
  const { change, concurrency, maxInputTokens } = scenario;
  const { agents } = await assembleCatalog([], true);
  const { routing } = planReview(change, agents);
  const offline = await review(change);

  const { report, run, runApiCache, answered, shape } = await withFake(MODEL_LATENCY_MS, async (fake) => {
    const out = await review(change, settingsFor(fake.url, concurrency, maxInputTokens));
    const answers = fake.requests.map((r) => fakeAnswer(r.body));
    return {
      report: out,
      run: fakeTokens(fake.requests),
      runApiCache: apiCacheTokens(fake.requests),
      shape: perCall(fake.requests),
      answered: answers.reduce((n, a) => n + a.findings.length + a.questions.length, 0),
    };
  });

  const naive = await naiveBaseline(change, routing, offline);

  const packed = packReview(routing.assignments, { maxInputTokens, maxChunkTokens: MAX_CHUNK_TOKENS, systemTokens });
  const callsPerAgent: Record<string, number> = {};
  for (const c of packed.chunks) callsPerAgent[c.agent] = (callsPerAgent[c.agent] ?? 0) + 1;
  const model = report.coverage.llm?.model ?? '';
  return {
    scenario: { name: scenario.name, concurrency, maxInputTokens, pr: prStats(change) },
    routed: Object.fromEntries(routing.assignments.map((a) => [a.agent.name, a.files.length])),
    callsPerAgent,
    run,
    runApiCache,
    naive,
    perCall: shape,
    estimate: { run: packed.chunks.reduce((n, c) => n + c.estimatedTokens, 0), naive: naiveBaselineTokens(routing.assignments, systemTokens) },
    costUsd: {
      fakeCache: report.usage.estimatedCostUsd,
      apiCache: estimateCostUsd(model, asUsage(runApiCache)),
      // The naive reviewer caches nothing: every prompt token at the input price.
      naive: estimateCostUsd(model, { inputTokens: sent(naive), outputTokens: naive.output, cacheReadTokens: 0, cacheWriteTokens: 0 }),
    },
    report: {
      usage: { calls: report.usage.llmCalls, input: report.usage.inputTokens, cacheWrite: report.usage.cacheWriteTokens, cacheRead: report.usage.cacheReadTokens, output: report.usage.outputTokens },
      llmFindings: report.findings.filter((f) => f.source === 'llm').length,
      answered,
      // Offline findings the model repeated with something new: merged into them, not added.
      deepened: report.findings.filter((f) => f.source === 'check' && offline.findings.some((o) => o.id === f.id && o.message !== f.message)).length,
      judged: report.agents.flatMap((a) => a.checklist).filter((c) => c.checkedBy.includes('llm-review')).length,
      notices: report.notices,
      notSent: report.coverage.llm?.notSent.length ?? 0,
    },
  };
}

/** The run did its job: every chunk answered, every routed file sent, the answers merged, usage reported as billed. */
function expectSound(m: Measured): void {
  const calls = Object.values(m.callsPerAgent).reduce((a, b) => a + b, 0);
  expect(m.report.notices.filter((n) => /LLM review/.test(n)), 'LLM notices').toEqual([]);
  expect(m.report.notSent, 'routed files not sent').toBe(0);
  expect(m.run.calls, 'calls made vs chunks packed').toBe(calls);
  expect(m.report.usage, 'usage in the report vs what the fake billed').toEqual(m.run);
  expect(m.report.llmFindings, 'LLM findings in the report').toBeGreaterThan(0);
  expect(m.report.deepened, 'offline findings the model deepened').toBeGreaterThan(0);
  expect(m.report.judged, 'checklist items the model judged').toBeGreaterThan(0);
  expect(m.naive.calls, 'naive calls').toBe(Object.values(m.routed).reduce((a, b) => a + b, 0));
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toFixed(4)}`;
const cacheShare = (t: Tokens): number => (sent(t) === 0 ? 0 : t.cacheRead / sent(t));

function lines(m: Measured): string[] {
  const { pr } = m.scenario;
  const ratio = sent(m.run) / sent(m.naive);
  const per = (r: Record<string, number>): string => Object.entries(r).map(([a, n]) => `${a} ${n}`).join(', ');
  const split = (t: Tokens): string => `${fmt(sent(t))} (input ${fmt(t.input)} + cache write ${fmt(t.cacheWrite)} + cache read ${fmt(t.cacheRead)})`;
  return [
    `${m.scenario.name}: ${pr.files} files, +${fmt(pr.additions)} −${fmt(pr.deletions)}; routed ${per(m.routed)}; llm-concurrency ${m.scenario.concurrency}, max-input-tokens ${fmt(m.scenario.maxInputTokens)}`,
    `  calls                     ${m.run.calls} (${per(m.callsPerAgent)})`,
    `  input tokens sent         ${split(m.run)}`,
    `  output tokens             ${fmt(m.run.output)}`,
    `  one call, on average      ${fmt(m.perCall.prefix)} cached prefix (tool + system prompt) + ${fmt(m.perCall.framing)} framing + ${fmt(m.perCall.files)} hunks`,
    `  naive baseline            ${fmt(sent(m.naive))} in ${m.naive.calls} calls (one per routed file per agent, full prompt each), output ${fmt(m.naive.output)}`,
    `  sent / naive              ${pct(ratio)}   target ≤ ${pct(TARGET_RATIO)}  ${ratio <= TARGET_RATIO ? '✓' : '✗'}`,
    `  same, pack.ts estimate    ${pct(m.estimate.run / m.estimate.naive)}   (${fmt(m.estimate.run)} / naiveBaselineTokens ${fmt(m.estimate.naive)}; both reserve FRAMING_TOKENS per call)`,
    `  cache-read share          ${pct(cacheShare(m.run))} as the fake bills it; ${pct(cacheShare(m.runApiCache))} with the API's rule for concurrent calls (write ${fmt(m.runApiCache.cacheWrite)}, read ${fmt(m.runApiCache.cacheRead)})`,
    `  estimated cost            ${usd(m.costUsd.fakeCache)} as billed by the fake; ${usd(m.costUsd.apiCache)} with the API's cache rule; naive ${usd(m.costUsd.naive)} (no cache)`,
    `  merge                     ${m.report.answered} findings and questions answered → ${m.report.llmFindings} in the report, ${m.report.deepened} offline findings deepened, ${m.report.judged} checklist items judged by the model`,
  ];
}

function record(m: Measured): object {
  return {
    ...m.scenario,
    routed: m.routed,
    callsPerAgent: m.callsPerAgent,
    perCall: { prefix: Math.round(m.perCall.prefix), framing: Math.round(m.perCall.framing), files: Math.round(m.perCall.files) },
    tokens: { ...m.run, sent: sent(m.run) },
    tokensWithApiCacheRule: { ...m.runApiCache, sent: sent(m.runApiCache) },
    naive: { ...m.naive, sent: sent(m.naive) },
    ratio: { value: sent(m.run) / sent(m.naive), target: `≤ ${TARGET_RATIO}`, met: sent(m.run) / sent(m.naive) <= TARGET_RATIO },
    estimatedRatio: { run: m.estimate.run, naive: m.estimate.naive, value: m.estimate.run / m.estimate.naive },
    cacheReadShare: { fake: cacheShare(m.run), apiCacheRule: cacheShare(m.runApiCache) },
    estimatedCostUsd: m.costUsd,
    merge: { answered: m.report.answered, llmFindings: m.report.llmFindings, offlineDeepened: m.report.deepened, checklistJudged: m.report.judged },
  };
}

/** Writes the figures under `llm`, keeping whatever else the file holds. */
function save(results: Measured[]): void {
  let current: Record<string, unknown> = {};
  if (existsSync(RESULTS)) {
    try {
      current = JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
    } catch {
      current = {};
    }
  }
  const llm = { date: new Date().toISOString(), model: DEFAULT_MODEL, maxChunkTokens: MAX_CHUNK_TOKENS, scenarios: results.map(record) };
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ ...current, llm }, null, 2)}\n`);
}

describe('LLM reviewer cost', () => {
  const results: Measured[] = [];

  afterAll(() => {
    if (results.length === 0) return;
    console.log(['', 'Architect Review LLM benchmark (tokens as the fake Anthropic counts them: ≈ 4 characters a token)', ...results.flatMap((m) => ['', ...lines(m)]), ''].join('\n'));
    save(results);
    console.log(`  results written to ${RESULTS} (key "llm")\n`);
  });

  const pr = fiftyFilePullRequest();
  const big = inServices(pr, SERVICES);
  const scenarios: Scenario[] = [
    { name: '50-file PR', change: pr, concurrency: 4, maxInputTokens: DEFAULT_MAX_INPUT_TOKENS },
    // Every routed file must fit, so the calls are the review's, not the budget's.
    { name: `multi-chunk PR (the 50 files in ${SERVICES.length} services)`, change: big, concurrency: 4, maxInputTokens: 1_000_000 },
    { name: 'the same, llm-concurrency 1', change: big, concurrency: 1, maxInputTokens: 1_000_000 },
  ];
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const m = await measure(scenario);
      expectSound(m);
      results.push(m);
    });
  }
});
