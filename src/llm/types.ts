/**
 * The LLM reviewer's shared shapes: what is packed for the model, what is sent, what comes back.
 * The modules: pack.ts (budget → chunks), prompt.ts (chunk → request), client.ts (request → answer,
 * over the real SDK, with retries), schema.ts (the answer's zod schema and tool), merge.ts (answers →
 * findings and verdicts folded into the offline report), review.ts (the whole, with concurrency).
 */
import type { z } from 'zod';
import type { Usage } from '../report/types.js';
import type { LlmAnswerSchema } from './schema.js';

export const DEFAULT_MODEL = 'claude-sonnet-5-5';
export const DEFAULT_MAX_INPUT_TOKENS = 150_000;
/** The smallest input budget a run accepts: less cannot hold one agent's prompt and a file. */
export const MIN_INPUT_TOKENS = 1_000;
/** What a model id looks like (`claude-sonnet-5-5`, a Bedrock or Vertex id): checked before any call. */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
export const DEFAULT_CONCURRENCY = 4;

export interface LlmSettings {
  apiKey: string;
  model: string;
  /** The most input tokens the whole run may send, over all calls (estimated before sending). */
  maxInputTokens: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** The API's base URL (tests point it at a fake server); the SDK's default otherwise. */
  baseURL?: string;
  /** Per-request timeout, in milliseconds. */
  timeoutMs: number;
  /** The SDK's own retries on 408/409/429/5xx/529 (it honours retry-after): set here, not left to chance. */
  maxRetries: number;
  /** The most output tokens one call may produce. */
  maxOutputTokens: number;
}

/** One file's share of a chunk: its routed hunks, sanitised and secret-redacted, as numbered text. */
export interface ChunkFile {
  path: string;
  /** The hunks as the model sees them: each line prefixed by its head line number (or `-` for removed lines). */
  text: string;
  estimatedTokens: number;
}

/** One call's worth of one agent's files. */
export interface ReviewChunk {
  agent: string;
  /** 0-based chunk index within the agent, and how many chunks the agent has. */
  index: number;
  of: number;
  files: ChunkFile[];
  estimatedTokens: number;
}

export interface PackResult {
  chunks: ReviewChunk[];
  /** Routed files that were not sent, and why ("over the max-input-tokens budget", "file larger than a chunk"). */
  notSent: { agent: string; file: string; reason: string }[];
}

/** A request to the Messages API, ready for `client.messages.create` (minus model and max_tokens). */
export interface LlmRequest {
  /** System blocks: the agent definition, marked `cache_control: ephemeral` so later calls read it from cache. */
  system: { type: 'text'; text: string; cache_control?: { type: 'ephemeral' } }[];
  /** One user message: delimited data blocks (PR title/body, hunks, offline findings, checklist). */
  messages: { role: 'user'; content: { type: 'text'; text: string; cache_control?: { type: 'ephemeral' } }[] }[];
  /** The tool the answer must be given through (forced: `tool_choice: { type: 'tool', name }`). */
  tool: { name: string; description: string; input_schema: Record<string, unknown> };
}

/**
 * The model's answer, as validated by schema.ts: verdicts, findings, and questions for what the diff
 * cannot settle (they make the status needs_info). Every string in it is untrusted.
 */
export type LlmAnswer = z.output<typeof LlmAnswerSchema>;

/** The tokens of one call (or several), as the API bills them. */
export type CallUsage = Omit<Usage, 'llmCalls' | 'estimatedCostUsd'>;

/** What one call came to, after the SDK's retries and at most one retry for an invalid answer. */
export type CallOutcome =
  | { kind: 'answer'; answer: LlmAnswer; usage: CallUsage; calls: number }
  | { kind: 'failed'; reason: string; usage: CallUsage; calls: number };

/** Per-request timeout unless `ARCHITECT_REVIEW_LLM_TIMEOUT_MS` says otherwise (tests shorten it). */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** The SDK's retries on 408/409/429/5xx/529, each honouring `retry-after`. */
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_MAX_OUTPUT_TOKENS = 8_192;

/**
 * The LLM reviewer's settings from the action's inputs or the CLI's flags, and the environment:
 * `ANTHROPIC_BASE_URL` (a proxy, or a test's fake server) and `ARCHITECT_REVIEW_LLM_TIMEOUT_MS`.
 */
export function llmSettings(
  chosen: { apiKey: string; model?: string; maxInputTokens?: number; concurrency?: number },
  env: NodeJS.ProcessEnv,
): LlmSettings {
  const timeout = Number.parseInt(env.ARCHITECT_REVIEW_LLM_TIMEOUT_MS ?? '', 10);
  return {
    apiKey: chosen.apiKey,
    model: chosen.model || DEFAULT_MODEL,
    maxInputTokens: chosen.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS,
    concurrency: chosen.concurrency ?? DEFAULT_CONCURRENCY,
    ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
    maxRetries: DEFAULT_MAX_RETRIES,
    maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
  };
}
