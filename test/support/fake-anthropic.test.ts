import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeTokens, startFakeAnthropic, type FakeAnthropic, type FakeMessagesBody } from './fake-anthropic.js';

const SYSTEM = 'S'.repeat(400);
const TOOL = { name: 'submit_review', description: 'answer here', input_schema: { type: 'object' } };

function body(overrides: Partial<FakeMessagesBody> = {}): FakeMessagesBody {
  return {
    model: 'claude-test',
    max_tokens: 500,
    system: [{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'U'.repeat(40) }] }],
    ...overrides,
  };
}

/** The parts of the API's JSON answers these tests read. */
interface ApiJson {
  type?: string;
  id?: string;
  role?: string;
  model?: string;
  stop_reason?: string;
  content: { type: string; text?: string; name?: string; input?: unknown }[];
  usage: Record<string, number>;
  error: { type: string; message: string };
  request_id?: string;
}

async function post(fake: FakeAnthropic, payload: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test-key', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as ApiJson };
}

describe('fake Anthropic Messages API', () => {
  let fake: FakeAnthropic;
  beforeEach(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('answers a scripted answer as a tool_use message, like the real API', async () => {
    fake.script({ answer: { findings: [] } });
    const res = await post(fake, body({ tools: [TOOL], tool_choice: { type: 'tool', name: 'submit_review' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.json).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-test', stop_reason: 'tool_use' });
    expect(res.json.id).toMatch(/^msg_/);
    expect(res.json.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'submit_review', input: { findings: [] } }]);
    expect(Object.keys(res.json.usage)).toEqual(
      expect.arrayContaining(['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']),
    );
    expect(res.json.usage.output_tokens).toBe(fakeTokens(JSON.stringify({ findings: [] }).length));
  });

  it('records every request with its headers, key and parsed body', async () => {
    fake.script({ text: 'hi' });
    await post(fake, body(), { 'x-api-key': 'sk-recorded' });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.apiKey).toBe('sk-recorded');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body.system).toEqual(body().system);
    expect(request?.reply?.status).toBe(200);
  });

  it('writes the cache prefix on the first request and reads it on later ones', async () => {
    fake.respond(() => ({ text: 'ok' }));
    const first = await post(fake, body());
    const second = await post(fake, body({ messages: [{ role: 'user', content: 'V'.repeat(80) }] }));
    const otherSystem = await post(fake, body({ system: [{ type: 'text', text: 'T'.repeat(400), cache_control: { type: 'ephemeral' } }] }));
    expect(first.json.usage).toMatchObject({ cache_creation_input_tokens: 100, cache_read_input_tokens: 0, input_tokens: 10 });
    expect(second.json.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 100, input_tokens: 20 });
    expect(otherSystem.json.usage).toMatchObject({ cache_creation_input_tokens: 100, cache_read_input_tokens: 0 });
  });

  it('counts everything as plain input when nothing is marked for caching', async () => {
    fake.script({ text: 'ok' });
    const res = await post(fake, body({ system: SYSTEM }));
    expect(res.json.usage).toMatchObject({ input_tokens: 110, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it('answers errors in the API shape, with retry-after on 429 and 529', async () => {
    fake.script({ status: 429, retryAfter: 3 }, { status: 529 }, { status: 500, message: 'boom' }, { status: 401 });
    const limited = await post(fake, body());
    const overloaded = await post(fake, body());
    const broken = await post(fake, body());
    const unauthorised = await post(fake, body());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(limited.json.request_id).toBe(limited.headers.get('request-id'));
    expect(overloaded.status).toBe(529);
    expect(overloaded.headers.get('retry-after')).toBe('0.01');
    expect(overloaded.json.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(broken.json.error).toEqual({ type: 'api_error', message: 'boom' });
    expect(broken.headers.get('retry-after')).toBeNull();
    expect(unauthorised.json.error.type).toBe('authentication_error');
  });

  it('serves text-only, truncated and wrongly shaped answers', async () => {
    fake.script({ text: 'no tool' }, { truncated: true, input: { checklist: [] } }, { badInput: { findings: 'nope' } });
    const text = await post(fake, body({ tools: [TOOL] }));
    const cut = await post(fake, body({ tools: [TOOL] }));
    const bad = await post(fake, body({ tools: [TOOL] }));
    expect(text.json.content).toEqual([{ type: 'text', text: 'no tool', citations: null }]);
    expect(text.json.stop_reason).toBe('end_turn');
    expect(cut.json.stop_reason).toBe('max_tokens');
    expect(cut.json.usage.output_tokens).toBe(500);
    expect(cut.json.content[0]).toMatchObject({ type: 'tool_use', name: 'submit_review', input: { checklist: [] } });
    expect(bad.json.content[0]).toMatchObject({ type: 'tool_use', input: { findings: 'nope' } });
  });

  it('uses the script first, then the respond handler, which sees the request', async () => {
    fake.script({ text: 'scripted' });
    fake.respond((request) => ({ text: `model ${request.body.model}` }));
    const first = await post(fake, body());
    const second = await post(fake, body({ model: 'claude-other' }));
    expect(first.json.content[0]?.text).toBe('scripted');
    expect(second.json.content[0]?.text).toBe('model claude-other');
    expect(fake.pending()).toBe(0);
  });

  it('delays a slow step', async () => {
    fake.script({ delayMs: 150, then: { text: 'late' } });
    const start = performance.now();
    const res = await post(fake, body());
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(res.json.content[0]?.text).toBe('late');
  });

  it('refuses what the real API refuses', async () => {
    const noKey = await post(fake, body(), { 'x-api-key': '' });
    const noVersion = await post(fake, body(), { 'anthropic-version': '' });
    const noModel = await post(fake, { ...body(), model: undefined });
    const unknownTool = await post(fake, body({ tools: [TOOL], tool_choice: { type: 'tool', name: 'other' } }));
    const nothingScripted = await post(fake, body());
    const bearer = await post(fake, body(), { 'x-api-key': '', authorization: 'Bearer sk-bearer' });
    expect(bearer.status).toBe(400); // authenticated; nothing scripted
    expect(fake.requests.at(-1)?.apiKey).toBe('sk-bearer');
    expect([noKey.status, noVersion.status, noModel.status, unknownTool.status]).toEqual([401, 400, 400, 400]);
    expect(noModel.json.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('model') });
    expect(nothingScripted.json.error.message).toContain('no step scripted');
    const notFound = await fetch(`${fake.url}/v1/other`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('closes promptly with a slow answer still pending', async () => {
    fake.script({ delayMs: 10_000, then: { text: 'never' } });
    const pending = post(fake, body()).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    await fake.close();
    expect(performance.now() - start).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    fake = await startFakeAnthropic(); // afterEach closes this one
  });
});
