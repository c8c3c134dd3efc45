/**
 * The transport over the REAL @anthropic-ai/sdk, talking HTTP to the fake Messages API.
 * 429/529 steps carry a short retry-after (the fake's default is 0.01 s) so the SDK's retries stay
 * fast; the 500 test leaves it out to exercise the SDK's own backoff (≈0.4–1.5 s).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callForAnswer, createAnthropic, toolChoiceFor } from '../../src/llm/client.js';
import { answerTool } from '../../src/llm/schema.js';
import type { CallOutcome, CallUsage, LlmRequest, LlmSettings } from '../../src/llm/types.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeStep } from '../support/fake-anthropic.js';

const ANSWER_TOOL = answerTool();

const KEY = `sk-ant-fake-${Math.random().toString(36).slice(2)}-never-real`;

const REQUEST: LlmRequest = {
  system: [{ type: 'text', text: 'You are the system architect. '.repeat(20), cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: '<hunks>\n3 + const x = 1;\n</hunks>' }] }],
  tool: ANSWER_TOOL,
};

const VALID = {
  checklist: [{ id: 'idempotency', verdict: 'fail', evidence: 'src/a.ts:3 retries a POST' }],
  findings: [{ file: 'src/a.ts', line: 3, severity: 'high', title: 'Retried POST', message: 'It is not idempotent.', remedy: 'Add a key.' }],
  questions: [],
};

function settingsFor(fake: FakeAnthropic, overrides: Partial<LlmSettings> = {}): LlmSettings {
  return {
    apiKey: KEY,
    model: 'claude-haiku-4-5',
    maxInputTokens: 100_000,
    concurrency: 1,
    baseURL: fake.url,
    timeoutMs: 5_000,
    maxRetries: 2,
    maxOutputTokens: 1_000,
    ...overrides,
  };
}

async function call(fake: FakeAnthropic, overrides: Partial<LlmSettings> = {}, request: LlmRequest = REQUEST): Promise<CallOutcome> {
  const settings = settingsFor(fake, overrides);
  return callForAnswer(createAnthropic(settings), settings, request);
}

/** What the fake reported, summed over its 200 answers. */
function sentUsage(fake: FakeAnthropic): CallUsage {
  const total: CallUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const { reply } of fake.requests) {
    if (!reply?.usage) continue;
    total.inputTokens += reply.usage.input_tokens;
    total.outputTokens += reply.usage.output_tokens;
    total.cacheReadTokens += reply.usage.cache_read_input_tokens;
    total.cacheWriteTokens += reply.usage.cache_creation_input_tokens;
  }
  return total;
}

function expectFailed(outcome: CallOutcome): string {
  expect(outcome.kind).toBe('failed');
  const reason = outcome.kind === 'failed' ? outcome.reason : '';
  expect(reason).not.toContain(KEY);
  return reason;
}

describe('callForAnswer over the real SDK', () => {
  let fake: FakeAnthropic;
  beforeEach(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await fake.close();
  });

  it('sends a cached system prompt, the forced answer tool and the key, and returns the validated answer', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-from-the-environment');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'sk-token-from-the-environment');
    fake.script({ answer: { ...VALID, extra: 'ignored' } });
    const outcome = await call(fake);
    expect(outcome).toEqual({ kind: 'answer', answer: VALID, usage: sentUsage(fake), calls: 1 });
    expect(outcome.usage.cacheWriteTokens).toBeGreaterThan(0);
    const [sent] = fake.requests;
    // SDK 1.x sends the API key as a Bearer token (apiKeyAuth), not as x-api-key; the API takes both.
    expect(sent?.apiKey).toBe(KEY);
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(sent?.headers)).not.toContain('from-the-environment');
    expect(sent?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 1_000, messages: REQUEST.messages });
    expect(sent?.body.system).toEqual([expect.objectContaining({ cache_control: { type: 'ephemeral' } })]);
    expect(sent?.body.tools?.map((t) => t.name)).toEqual(['submit_review']);
    expect(sent?.body.tool_choice).toEqual({ type: 'tool', name: 'submit_review' });
  });

  it('reads the cached prefix on a later call and reports it as cache reads', async () => {
    fake.respond(() => ({ answer: VALID }));
    const first = await call(fake);
    const second = await call(fake);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheWriteTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
  });

  it('waits out a 429 retry-after, then succeeds', async () => {
    fake.script({ status: 429, retryAfter: 1.2 }, { answer: VALID });
    const outcome = await call(fake);
    expect(outcome.kind).toBe('answer');
    expect(outcome.calls).toBe(1);
    const [limited, retried] = fake.requests;
    // The SDK's own first backoff is at most 0.5 s, so a gap past 1.15 s is the retry-after.
    expect((retried?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1_150);
  });

  it('retries a 529 overload, then succeeds', async () => {
    fake.script({ status: 529 }, { answer: VALID });
    const outcome = await call(fake);
    expect(outcome.kind).toBe('answer');
    expect(fake.requests.map((r) => r.reply?.status)).toEqual([529, 200]);
  });

  it('retries two 500s with its own backoff, then succeeds', async () => {
    fake.script({ status: 500 }, { status: 500 }, { answer: VALID });
    const outcome = await call(fake);
    expect(outcome).toMatchObject({ kind: 'answer', calls: 1 });
    expect(fake.requests).toHaveLength(3);
  });

  it.each([429, 529, 503] as const)('fails with the status once the retries for %i are spent', async (status) => {
    const steps: FakeStep[] = [1, 2, 3].map(() => ({ status, retryAfter: 0.01, message: `still ${status}` }));
    fake.script(...steps);
    const outcome = await call(fake, { maxRetries: 2 });
    const reason = expectFailed(outcome);
    expect(reason).toContain(`Anthropic API ${status}`);
    expect(reason).toContain(`still ${status}`);
    expect(reason).toContain('3 attempts');
    expect(fake.requests).toHaveLength(3);
    expect(outcome).toMatchObject({ calls: 0, usage: { inputTokens: 0, outputTokens: 0 } });
  });

  it('fails at once on a 401, without retrying, and keeps the key out of the reason', async () => {
    fake.script({ status: 401, message: `invalid x-api-key: ${KEY}` }, { answer: VALID });
    const reason = expectFailed(await call(fake));
    expect(reason).toContain('401');
    expect(reason).toContain('authentication_error');
    expect(reason).toContain('[redacted]');
    expect(reason).toMatch(/check the anthropic-api-key secret/);
    expect(fake.requests).toHaveLength(1);
  });

  it('fails at once on a 400 that is not about the tool choice', async () => {
    fake.script({ status: 400, message: 'messages: text content blocks must be non-empty' }, { answer: VALID });
    const reason = expectFailed(await call(fake));
    expect(reason).toContain('invalid_request_error: messages: text content blocks must be non-empty');
    expect(fake.requests).toHaveLength(1);
  });

  it('fails with "timed out" when every attempt is slower than the timeout', async () => {
    fake.script({ delayMs: 3_000, then: { answer: VALID } }, { delayMs: 3_000, then: { answer: VALID } });
    const outcome = await call(fake, { timeoutMs: 200, maxRetries: 1 });
    expect(expectFailed(outcome)).toMatch(/timed out after 200 ms \(2 attempts\)/);
    expect(fake.requests).toHaveLength(2);
    expect(outcome.calls).toBe(0);
  });

  it('fails naming the connection error when nothing listens', async () => {
    const gone = await startFakeAnthropic();
    const url = gone.url;
    await gone.close();
    const settings = { ...settingsFor(fake, { maxRetries: 0 }), baseURL: url };
    const reason = expectFailed(await callForAnswer(createAnthropic(settings), settings, REQUEST));
    expect(reason).toMatch(/could not reach the Anthropic API \(1 attempt\): .*ECONNREFUSED/);
  });

  it('asks once more after a text-only reply, then fails, counting both calls', async () => {
    fake.script({ text: 'Looks fine to me.' }, { text: 'Still fine.' }, { answer: VALID });
    const outcome = await call(fake);
    expect(expectFailed(outcome)).toMatch(/no valid answer in 2 tries: the model answered without calling submit_review/);
    expect(fake.requests).toHaveLength(2);
    expect(outcome.calls).toBe(2);
    expect(outcome.usage).toEqual(sentUsage(fake));
  });

  it('asks once more after a truncated answer and counts the usage of both', async () => {
    fake.script({ truncated: true, input: VALID }, { answer: VALID });
    const outcome = await call(fake);
    expect(outcome).toMatchObject({ kind: 'answer', answer: VALID, calls: 2 });
    expect(outcome.usage).toEqual(sentUsage(fake));
    expect(outcome.usage.outputTokens).toBeGreaterThan(1_000); // the truncated reply's max_tokens is in it
  });

  it('asks once more after an answer of the wrong shape', async () => {
    fake.script({ badInput: { findings: [{ file: 'a.ts', severity: 'critical' }] } }, { answer: VALID });
    expect(await call(fake)).toMatchObject({ kind: 'answer', answer: VALID, calls: 2 });
  });

  it('fails naming the schema problem when both answers are of the wrong shape', async () => {
    fake.script({ badInput: { findings: 'none' } }, { badInput: { checklist: [{ id: 'x', verdict: 'maybe', evidence: '' }] } });
    expect(expectFailed(await call(fake))).toMatch(/submit_review input did not match the answer schema: .*; then .*verdict/);
  });

  it('sends tool_choice auto to a model that refuses forced tool use', async () => {
    fake.script({ answer: VALID });
    const outcome = await call(fake, { model: 'claude-sonnet-5-5' });
    expect(outcome.kind).toBe('answer');
    expect(fake.requests[0]?.body.tool_choice).toEqual({ type: 'auto' });
  });

  it('falls back to tool_choice auto when a model refuses the forced tool', async () => {
    fake.script({ status: 400, message: 'Thinking may not be enabled when tool_choice forces tool use.' }, { answer: VALID });
    const outcome = await call(fake, { model: 'claude-future-9' });
    expect(outcome).toMatchObject({ kind: 'answer', calls: 1 });
    expect(fake.requests.map((r) => r.body.tool_choice)).toEqual([{ type: 'tool', name: 'submit_review' }, { type: 'auto' }]);
  });
});

describe('createAnthropic', () => {
  it('sets retries, timeout and base URL from the settings', async () => {
    const fake = await startFakeAnthropic();
    const client = createAnthropic(settingsFor(fake, { maxRetries: 3, timeoutMs: 1234 }));
    expect([client.maxRetries, client.timeout, client.baseURL]).toEqual([3, 1234, fake.url]);
    await fake.close();
  });

  it('uses the SDK default base URL when none is set', () => {
    vi.stubEnv('ANTHROPIC_BASE_URL', '');
    const client = createAnthropic({ apiKey: KEY, model: 'm', maxInputTokens: 1, concurrency: 1, timeoutMs: 1, maxRetries: 0, maxOutputTokens: 1 });
    expect(client.baseURL).toBe('https://api.anthropic.com');
    vi.unstubAllEnvs();
  });
});

describe('toolChoiceFor', () => {
  it('forces the tool where the model allows it and asks with auto where it does not', () => {
    expect(toolChoiceFor('claude-haiku-4-5', 'submit_review')).toEqual({ type: 'tool', name: 'submit_review' });
    expect(toolChoiceFor('claude-opus-4-8', 't')).toEqual({ type: 'tool', name: 't' });
    for (const model of ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-fable-5-2', 'claude-mythos-5-1', 'claude-sonnet-5']) {
      expect(toolChoiceFor(model, 't')).toEqual({ type: 'auto' });
    }
  });
});
