/**
 * The LLM reviewer's transport: one review request → one validated answer, over the real
 * `@anthropic-ai/sdk`. Never throws: every failure is a `failed` outcome with a reason a person can
 * act on, and the API key never appears in one.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, type Middleware } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming, ToolChoice } from '@anthropic-ai/sdk/resources/messages/messages';
import { parseAnswer } from './schema.js';
import type { CallOutcome, CallUsage, LlmAnswer, LlmRequest, LlmSettings } from './types.js';

/**
 * The SDK client for `settings`. Retries are the SDK's own: it retries connection errors, timeouts,
 * 408, 409, 429 and every 5xx (529 included) up to `maxRetries` times, waiting what `retry-after-ms`
 * or `retry-after` asks when that is a positive wait under ~24 days, else 0.5 s doubling to 8 s with
 * up to 25% jitter (BaseAnthropic.shouldRetry / retryRequest in the SDK's client.ts). `timeout`
 * bounds each attempt, and because it is set the SDK skips its non-streaming max_tokens guard.
 * Without `baseURL` the SDK's default applies (ANTHROPIC_BASE_URL, else api.anthropic.com). The key
 * is passed in code, so the SDK reads no credential from the environment; SDK 1.x sends it as
 * `Authorization: Bearer`, not `x-api-key`.
 */
export function createAnthropic(settings: LlmSettings): Anthropic {
  return new Anthropic({
    apiKey: settings.apiKey,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
    maxRetries: settings.maxRetries,
    timeout: settings.timeoutMs,
  });
}

/**
 * Models that answer a forced `tool_choice` with a 400: on the 5.x generation thinking is on by
 * default ("Thinking may not be enabled when tool_choice forces tool use"), and Sonnet 5.5, Opus 5.5
 * and Fable/Mythos 5.1+ refuse forced tool use outright. They get `auto`, with the tool's description
 * and the prompt asking for the call (a reply without it is asked for once more). Any other model
 * that refuses is caught by `refusesForcedTool` and asked again with `auto`.
 */
const NO_FORCED_TOOL = /^claude-(sonnet|opus|fable|mythos)-5(-\d)?(-\d{8})?$/;

/** The `tool_choice` to send: the answer tool forced where the model allows it. */
export function toolChoiceFor(model: string, toolName: string): ToolChoice {
  return NO_FORCED_TOOL.test(model) ? { type: 'auto' } : { type: 'tool', name: toolName };
}

function refusesForcedTool(error: unknown, choice: ToolChoice): boolean {
  return choice.type === 'tool' && error instanceof APIError && error.status === 400 && /tool_choice/i.test(error.apiMessage ?? error.message);
}

/** Per-call counts, kept by a per-request middleware that sees every HTTP attempt of the SDK's retry loop. */
interface Tally {
  usage: CallUsage;
  /** Attempts answered 2xx, i.e. by the model (the billed ones). */
  calls: number;
  /** Every HTTP attempt, including those refused (429, 5xx, ...) or lost (timeout, connection). */
  attempts: number;
}

/** Counts attempts; it never throws, so the SDK's retry and error handling are as without it. */
function counter(tally: Tally): Middleware {
  return async (request, next) => {
    tally.attempts += 1;
    const response = await next(request);
    if (response.ok) tally.calls += 1;
    return response;
  };
}

function addUsage(tally: Tally, usage: Message['usage']): void {
  tally.usage.inputTokens += usage.input_tokens ?? 0;
  tally.usage.outputTokens += usage.output_tokens ?? 0;
  tally.usage.cacheReadTokens += usage.cache_read_input_tokens ?? 0;
  tally.usage.cacheWriteTokens += usage.cache_creation_input_tokens ?? 0;
}

function paramsFor(settings: LlmSettings, request: LlmRequest, toolChoice: ToolChoice): MessageCreateParamsNonStreaming {
  return {
    model: settings.model,
    max_tokens: settings.maxOutputTokens,
    system: request.system,
    messages: request.messages,
    tools: [{ ...request.tool, input_schema: { ...request.tool.input_schema, type: 'object' } }],
    tool_choice: toolChoice,
  };
}

type Sent = { ok: true; message: Message } | { ok: false; error: unknown };

async function send(client: Anthropic, params: MessageCreateParamsNonStreaming, tally: Tally): Promise<Sent> {
  try {
    return { ok: true, message: await client.messages.create(params, { middleware: [counter(tally)] }) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The answer in `message`, or why there is none usable. */
function readAnswer(message: Message, toolName: string): { ok: true; answer: LlmAnswer } | { ok: false; problem: string } {
  if (message.stop_reason === 'max_tokens') {
    return { ok: false, problem: `the answer was cut off at the output limit (${message.usage.output_tokens} tokens); raise max-output-tokens or send smaller chunks` };
  }
  if (message.stop_reason === 'refusal') return { ok: false, problem: 'the model declined to answer (stop_reason "refusal")' };
  const call = message.content.find((block) => block.type === 'tool_use' && block.name === toolName);
  if (!call || call.type !== 'tool_use') {
    return { ok: false, problem: `the model answered without calling ${toolName} (stop_reason "${message.stop_reason ?? 'none'}")` };
  }
  const parsed = parseAnswer(call.input);
  return parsed.ok ? parsed : { ok: false, problem: `the ${toolName} input did not match the answer schema: ${parsed.problem}` };
}

function deepestCause(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth += 1) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

const STATUS_HINTS: Record<number, string> = {
  400: 'the request was refused as invalid',
  401: 'the API key was refused; check the anthropic-api-key secret',
  403: 'the API key may not use this model or workspace',
  404: 'unknown model or endpoint; check the model input',
  413: 'the request is too large',
  429: 'rate limited, and still limited after the retries',
  529: 'the API is overloaded, and still was after the retries',
};

/** A one-line reason for an API failure: status, the API's error type and message, and what to do. */
function describeError(error: unknown, settings: LlmSettings, tally: Tally): string {
  const tries = `${tally.attempts} attempt${tally.attempts === 1 ? '' : 's'}`;
  if (error instanceof APIConnectionTimeoutError) return `the Anthropic API request timed out after ${settings.timeoutMs} ms (${tries})`;
  if (error instanceof APIConnectionError) return `could not reach the Anthropic API (${tries}): ${deepestCause(error)}`;
  if (error instanceof APIError && typeof error.status === 'number') {
    const hint = STATUS_HINTS[error.status] ?? (error.status >= 500 ? 'the API failed, and still did after the retries' : 'the API refused the request');
    const detail = [error.type, error.apiMessage ?? error.message].filter(Boolean).join(': ');
    const requestId = error.requestID ? `, request-id ${error.requestID}` : '';
    return `Anthropic API ${error.status} (${hint}) after ${tries}: ${detail}${requestId}`;
  }
  return `the Anthropic API call failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
}

/** Removes the key from text, in case an error ever echoes it. */
function redact(text: string, apiKey: string): string {
  return apiKey.length >= 8 ? text.split(apiKey).join('[redacted]') : text;
}

const MAX_ANSWER_TRIES = 2;

/**
 * Sends `request` and returns the validated answer, or a `failed` outcome; never throws.
 * A truncated, tool-less or invalid answer is asked for once more; an API error (after the SDK's own
 * retries) fails at once. A model that refuses a forced tool choice is asked again with `auto`.
 * `usage` sums every attempt the model answered; `calls` counts those attempts (HTTP 2xx, the billed
 * ones), not refused or lost ones (429, 5xx, timeouts), which the reason counts as attempts instead.
 */
export async function callForAnswer(client: Anthropic, settings: LlmSettings, request: LlmRequest): Promise<CallOutcome> {
  const tally: Tally = { usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, calls: 0, attempts: 0 };
  const failed = (reason: string): CallOutcome => ({ kind: 'failed', reason: redact(reason, settings.apiKey), usage: tally.usage, calls: tally.calls });
  let toolChoice = toolChoiceFor(settings.model, request.tool.name);
  const problems: string[] = [];
  while (problems.length < MAX_ANSWER_TRIES) {
    const sent = await send(client, paramsFor(settings, request, toolChoice), tally);
    if (!sent.ok) {
      if (refusesForcedTool(sent.error, toolChoice)) {
        toolChoice = { type: 'auto' };
        continue;
      }
      return failed(describeError(sent.error, settings, tally));
    }
    addUsage(tally, sent.message.usage);
    const read = readAnswer(sent.message, request.tool.name);
    if (read.ok) return { kind: 'answer', answer: read.answer, usage: tally.usage, calls: tally.calls };
    problems.push(read.problem);
  }
  return failed(`no valid answer in ${MAX_ANSWER_TRIES} tries: ${problems.join('; then ')}`);
}
