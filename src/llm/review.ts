import { randomBytes } from 'node:crypto';
import type { Agent } from '../agents/types.js';
import type { ChangeSet } from '../changeset/types.js';
import type { Report } from '../report/types.js';
import type { Routing } from '../router/route.js';
import { mapConcurrently } from '../concurrency.js';
import { callForAnswer, createAnthropic } from './client.js';
import { mergeAnswers } from './merge.js';
import { packReview } from './pack.js';
import { estimateCostUsd, isPriced } from './pricing.js';
import { buildRequestFrom, checklistList, prBlock, systemTokens, type PromptParts } from './prompt.js';
import type { CallOutcome, CallUsage, LlmAnswer, LlmRequest, LlmSettings, ReviewChunk } from './types.js';

/** One chunk's share of the input budget: big enough for a few files, small enough that agents share fairly. */
export const MAX_CHUNK_TOKENS = 24_000;

/** Sends a request and returns what came of it; the real one is `callForAnswer` over the SDK. */
export type Caller = (request: LlmRequest) => Promise<CallOutcome>;

export interface LlmReviewInput {
  /** The offline review: the LLM deepens it and can never make it less strict. */
  report: Report;
  changeSet: ChangeSet;
  routing: Routing;
  settings: LlmSettings;
  /** Review only these paths (a re-review after a push); all routed files otherwise. */
  onlyFiles?: ReadonlySet<string>;
  /** Replaces the SDK call (tests of the orchestration alone). */
  call?: Caller;
  /** Told each notice too, for the log (the action's warnings). */
  warn?: (message: string) => void;
}

const ZERO: CallUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

function add(a: CallUsage, b: CallUsage): CallUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

function chunkLabel(chunk: ReviewChunk): string {
  return chunk.of > 1 ? `${chunk.agent} (part ${chunk.index + 1} of ${chunk.of})` : chunk.agent;
}

/**
 * The offline report deepened by the model: each routed agent reviews its hunks within the budget,
 * at most `concurrency` calls at once. Never throws and never loses the offline review: a call that
 * fails leaves its files to the offline checks, with a notice saying so.
 */
export async function llmReview(input: LlmReviewInput): Promise<Report> {
  const { report, changeSet, routing, settings } = input;
  const agents = new Map<string, Agent>(routing.assignments.map((a) => [a.agent.name, a.agent]));
  try {
    const packed = packReview(routing.assignments, {
      maxInputTokens: settings.maxInputTokens,
      maxChunkTokens: MAX_CHUNK_TOKENS,
      systemTokens,
      ...(input.onlyFiles ? { onlyFiles: input.onlyFiles } : {}),
    });
    const call: Caller = input.call ?? ((client) => (request) => callForAnswer(client, settings, request))(createAnthropic(settings));
    const nonce = randomBytes(9).toString('base64url');
    // The PR block is the same in every call and the checklist in every call of an agent: made once.
    const pr = prBlock(changeSet.pr.title, changeSet.pr.body);
    const parts = new Map<string, PromptParts>();
    for (const name of agents.keys()) {
      const checklist = report.agents.find((a) => a.name === name)?.checklist ?? [];
      parts.set(name, { pr, offline: report.findings.filter((f) => f.agent === name), checklist: checklistList(checklist), nonce });
    }
    const send = async (chunk: ReviewChunk): Promise<{ chunk: ReviewChunk; outcome: CallOutcome }> => {
      const agent = agents.get(chunk.agent);
      const shared = parts.get(chunk.agent);
      if (!agent || !shared) return { chunk, outcome: { kind: 'failed', reason: 'unknown agent', usage: ZERO, calls: 0 } };
      return { chunk, outcome: await call(buildRequestFrom(agent, chunk, shared)) };
    };
    // An agent's system prompt is cached only once a response to it has begun: its first chunk goes
    // out alone (agents side by side), and its other chunks after, so they read the prompt from cache.
    const first = packed.chunks.filter((c) => c.index === 0);
    const rest = packed.chunks.filter((c) => c.index > 0);
    const outcomes = [...(await mapConcurrently(first, settings.concurrency, send)), ...(await mapConcurrently(rest, settings.concurrency, send))];

    const answers: { agent: string; chunk: ReviewChunk; answer: LlmAnswer }[] = [];
    const notices: string[] = [];
    const notSent = [...packed.notSent];
    let usage = ZERO;
    let calls = 0;
    for (const { chunk, outcome } of outcomes) {
      usage = add(usage, outcome.usage);
      calls += outcome.calls;
      if (outcome.kind === 'answer') {
        answers.push({ agent: chunk.agent, chunk, answer: outcome.answer });
      } else {
        notices.push(`The LLM review by ${chunkLabel(chunk)} failed (${outcome.reason}); its files have the offline review only.`);
        for (const f of chunk.files) notSent.push({ agent: chunk.agent, file: f.path, reason: `the call failed: ${outcome.reason}` });
      }
    }
    if (packed.notSent.length > 0) {
      notices.push(
        `${packed.notSent.length} routed file(s) were not sent to the model (max-input-tokens ${settings.maxInputTokens}); the report's coverage lists them.`,
      );
    }
    if (!isPriced(settings.model)) notices.push(`No list price is known for ${settings.model}; the cost shown is estimated at Sonnet prices.`);

    for (const notice of notices) input.warn?.(notice);
    const merged = answers.length > 0 ? mergeAnswers(report, answers, changeSet) : report;
    const sent = [...agents.keys()]
      .map((agent) => ({
        agent,
        files: [...new Set(answers.filter((a) => a.agent === agent).flatMap((a) => a.chunk.files.map((f) => f.path)))],
      }))
      .filter((s) => s.files.length > 0);
    return {
      ...merged,
      coverage: { ...merged.coverage, llm: { model: settings.model, sent, notSent } },
      usage: {
        llmCalls: report.usage.llmCalls + calls,
        inputTokens: report.usage.inputTokens + usage.inputTokens,
        outputTokens: report.usage.outputTokens + usage.outputTokens,
        cacheReadTokens: report.usage.cacheReadTokens + usage.cacheReadTokens,
        cacheWriteTokens: report.usage.cacheWriteTokens + usage.cacheWriteTokens,
        estimatedCostUsd: report.usage.estimatedCostUsd + estimateCostUsd(settings.model, usage),
      },
      notices: [...merged.notices, ...notices],
    };
  } catch (error) {
    const notice = `The LLM review could not run (${(error as Error).message}); this is the offline review.`;
    input.warn?.(notice);
    return { ...report, notices: [...report.notices, notice] };
  }
}
