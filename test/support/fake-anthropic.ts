/**
 * A fake of the Anthropic Messages API (`POST /v1/messages`, non-streaming) on a real `node:http`
 * server on 127.0.0.1, so tests drive the real `@anthropic-ai/sdk` over HTTP.
 * Shapes follow the real API: a `message` object with `tool_use`/`text` content, `stop_reason` and
 * `usage`; errors as `{ type: 'error', error: { type, message }, request_id }` with the matching
 * status; a `request-id` header on every response and `retry-after` on 429 and 529.
 * Each request takes the next scripted step, else asks the `respond` handler.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBlock { type: string; text?: string; cache_control?: { type: string } | null; [key: string]: unknown }
export interface FakeTool { name: string; description?: string; input_schema?: unknown; cache_control?: { type: string } | null }
/** The request body as the SDK sent it (required fields are checked; a 400 answers a request missing one). */
export interface FakeMessagesBody {
  model: string;
  max_tokens: number;
  system?: string | FakeBlock[];
  messages: { role: string; content: string | FakeBlock[] }[];
  tools?: FakeTool[];
  tool_choice?: { type: string; name?: string };
  [key: string]: unknown;
}
export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}
export interface FakeMessagesRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The key, from `x-api-key` or `authorization: Bearer …` (SDK 1.x sends an API key as a Bearer token). */
  apiKey?: string;
  body: FakeMessagesBody;
  /** `performance.now()` when the request arrived (to measure the client's waits). */
  receivedAt: number;
  /** What the fake answered; `usage` only on a 200. Absent while a slow step is pending or if the client left. */
  reply?: { status: number; usage?: FakeUsage };
}
export type FakeErrorStatus = 400 | 401 | 403 | 404 | 413 | 429 | 500 | 502 | 503 | 504 | 529;
/** One scripted answer. `retryAfter` is in seconds and may be fractional (the SDK parses it with parseFloat). */
export type FakeStep =
  | { answer: Record<string, unknown> }
  | { status: FakeErrorStatus; retryAfter?: number; message?: string }
  | { delayMs: number; then: FakeStep }
  | { text: string }
  | { truncated: true; input?: Record<string, unknown> }
  | { badInput: unknown };
export type FakeHandler = (request: FakeMessagesRequest) => FakeStep;
export interface FakeAnthropicOptions {
  /**
   * `retry-after` (seconds) sent on a 429 or 529 step that gives none. The real API sends whole
   * seconds; the default 0.01 keeps tests fast. (0 would not do: the SDK ignores a zero wait and
   * falls back to its own 0.5–8 s backoff.)
   */
  defaultRetryAfter?: number;
}
export interface FakeAnthropic {
  /** Base URL to hand the SDK (`baseURL`). */
  readonly url: string;
  readonly requests: FakeMessagesRequest[];
  /** Queues steps, consumed one per request, before the `respond` handler is asked. */
  script(...steps: FakeStep[]): void;
  /** The step for a request when nothing is scripted. */
  respond(handler: FakeHandler): void;
  /** Scripted steps not yet consumed. */
  pending(): number;
  clearRequests(): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<FakeErrorStatus, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};
const DEFAULT_MESSAGES: Partial<Record<FakeErrorStatus, string>> = {
  400: 'Invalid request.',
  401: 'invalid x-api-key',
  429: 'This request would exceed the rate limit for your organization. Please retry after the time in the retry-after header.',
  500: 'Internal server error',
  529: 'Overloaded',
};

class FakeError {
  constructor(readonly status: FakeErrorStatus, readonly message: string) {}
}

/** ≈ one token per four characters, as the real tokenizer roughly gives for English and code. */
export const fakeTokens = (chars: number): number => Math.ceil(chars / 4);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks what the real API would refuse with a 400; returns the problem or undefined. */
function invalidBody(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.stream === true) return 'fake-anthropic: streaming is not implemented';
  const choice = body.tool_choice;
  if (isRecord(choice) && choice.type === 'tool') {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    if (!tools.some((t) => isRecord(t) && t.name === choice.name)) return `tool_choice: tool '${String(choice.name)}' not found in tools`;
  }
  return undefined;
}

interface Segment { chars: number; key: string; cached: boolean }

function blockSegments(content: string | FakeBlock[] | undefined): Segment[] {
  if (content === undefined) return [];
  if (typeof content === 'string') return [{ chars: content.length, key: content, cached: false }];
  return content.map((b) => {
    const text = typeof b.text === 'string' ? b.text : JSON.stringify(b);
    return { chars: text.length, key: text, cached: isRecord(b.cache_control) };
  });
}

/** Everything sent, in the real API's cache order: tools, then system, then messages. */
function segmentsOf(body: FakeMessagesBody): Segment[] {
  const tools = (body.tools ?? []).map((t) => {
    const { cache_control, ...rest } = t;
    const text = JSON.stringify(rest);
    return { chars: text.length, key: text, cached: isRecord(cache_control) };
  });
  return [...tools, ...blockSegments(body.system), ...body.messages.flatMap((m) => blockSegments(m.content))];
}

/** The credential as the real API takes it: `x-api-key`, or an `authorization` Bearer token. */
function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key !== '') return key;
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

function toolNameFor(body: FakeMessagesBody): string {
  if (body.tool_choice?.type === 'tool' && body.tool_choice.name) return body.tool_choice.name;
  return body.tools?.[0]?.name ?? 'tool';
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const defaultRetryAfter = options.defaultRetryAfter ?? 0.01;
  const requests: FakeMessagesRequest[] = [];
  const queue: FakeStep[] = [];
  const cachedPrefixes = new Set<string>();
  const cacheAtArrival = new WeakMap<FakeMessagesRequest, boolean>();
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let handler: FakeHandler | undefined;
  let serial = 0;

  /** The request's cache prefix: the blocks up to the last one marked `cache_control`, keyed by model. */
  function prefixOf(body: FakeMessagesBody): { key?: string; prefix: Segment[]; rest: Segment[] } {
    const segments = segmentsOf(body);
    const end = segments.map((s) => s.cached).lastIndexOf(true) + 1;
    const prefix = segments.slice(0, end);
    return { prefix, rest: segments.slice(end), ...(end > 0 ? { key: JSON.stringify([body.model, prefix.map((s) => s.key)]) } : {}) };
  }

  /**
   * Input usage like the real API: the prefix up to the last `cache_control` block is written once,
   * then read. As on the API, a cache entry exists only once the response that wrote it has begun:
   * whether a request hits is decided when it arrives (`cacheAtArrival`), so calls sent in parallel
   * with the first all write.
   */
  function inputUsage(body: FakeMessagesBody, hitAtArrival: boolean): Omit<FakeUsage, 'output_tokens'> {
    const { key, prefix, rest } = prefixOf(body);
    const restTokens = fakeTokens(rest.reduce((n, s) => n + s.chars, 0));
    if (key === undefined) return { input_tokens: restTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const prefixTokens = fakeTokens(prefix.reduce((n, s) => n + s.chars, 0));
    const hit = hitAtArrival;
    cachedPrefixes.add(key);
    return {
      input_tokens: restTokens,
      cache_creation_input_tokens: hit ? 0 : prefixTokens,
      cache_read_input_tokens: hit ? prefixTokens : 0,
    };
  }

  function message(body: FakeMessagesBody, step: Exclude<FakeStep, { status: number } | { delayMs: number }>, hitAtArrival: boolean) {
    serial += 1;
    const toolUse = (input: unknown) => ({ type: 'tool_use', id: `toolu_fake_${serial}`, name: toolNameFor(body), input });
    let content: Record<string, unknown>[];
    let stopReason: string;
    let outputTokens: number;
    if ('text' in step) {
      content = [{ type: 'text', text: step.text, citations: null }];
      stopReason = 'end_turn';
      outputTokens = fakeTokens(step.text.length);
    } else if ('truncated' in step) {
      content = [toolUse(step.input ?? {})];
      stopReason = 'max_tokens';
      outputTokens = body.max_tokens;
    } else {
      const input = 'answer' in step ? step.answer : step.badInput;
      content = [toolUse(input)];
      stopReason = 'tool_use';
      outputTokens = fakeTokens(JSON.stringify(input ?? null).length);
    }
    const usage: FakeUsage = { ...inputUsage(body, hitAtArrival), output_tokens: outputTokens };
    const payload = {
      id: `msg_fake_${serial}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: { ...usage, cache_creation: null, server_tool_use: null, service_tier: 'standard' },
    };
    return { payload, usage };
  }

  function send(res: ServerResponse, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
    res.end(JSON.stringify(body));
  }

  function sendError(res: ServerResponse, error: FakeError, retryAfter?: number): void {
    const requestId = `req_fake_${++serial}`;
    const headers: Record<string, string> = {};
    const wait = retryAfter ?? (error.status === 429 || error.status === 529 ? defaultRetryAfter : undefined);
    if (wait !== undefined) headers['retry-after'] = String(wait);
    const body = { type: 'error', error: { type: ERROR_TYPES[error.status], message: error.message }, request_id: requestId };
    send(res, error.status, body, requestId, headers);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => { timers.delete(entry); resolve(); }, ms), done: resolve };
      timers.add(entry);
    });
  }

  async function serve(step: FakeStep, record: FakeMessagesRequest, res: ServerResponse): Promise<void> {
    if ('delayMs' in step) {
      await sleep(step.delayMs);
      if (res.destroyed || res.socket?.destroyed) return; // the client gave up (timed out)
      return serve(step.then, record, res);
    }
    if ('status' in step) {
      record.reply = { status: step.status };
      sendError(res, new FakeError(step.status, step.message ?? DEFAULT_MESSAGES[step.status] ?? 'Error'), step.retryAfter);
      return;
    }
    const { payload, usage } = message(record.body, step, cacheAtArrival.get(record) ?? false);
    record.reply = { status: 200, usage };
    send(res, 200, payload, `req_fake_${++serial}`);
  }

  function nextStep(record: FakeMessagesRequest): FakeStep {
    const scripted = queue.shift();
    if (scripted) return scripted;
    if (handler) return handler(record);
    return { status: 400, message: 'fake-anthropic: no step scripted and no respond() handler for this request' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST' || path !== '/v1/messages') throw new FakeError(404, `Not found: ${req.method} ${path}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new FakeError(400, 'The request body is not valid JSON.');
    }
    if (!isRecord(parsed)) throw new FakeError(400, 'The request body must be a JSON object.');
    const apiKey = keyOf(req.headers);
    const record: FakeMessagesRequest = { method: req.method, path, headers: req.headers, apiKey, body: parsed as FakeMessagesBody, receivedAt: performance.now() };
    requests.push(record);
    const { key } = prefixOf(record.body);
    cacheAtArrival.set(record, key !== undefined && cachedPrefixes.has(key));
    const refuse = (error: FakeError): void => {
      record.reply = { status: error.status };
      sendError(res, error);
    };
    if (!apiKey) return refuse(new FakeError(401, 'x-api-key or authorization header is required'));
    if (!req.headers['anthropic-version']) return refuse(new FakeError(400, 'anthropic-version: header is required'));
    const problem = invalidBody(parsed);
    if (problem) return refuse(new FakeError(400, problem));
    await serve(nextStep(record), record, res);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        sendError(res, err instanceof FakeError ? err : new FakeError(500, `fake-anthropic: ${String(err)}`));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...steps) => void queue.push(...steps),
    respond: (h) => void (handler = h),
    pending: () => queue.length,
    clearRequests: () => void requests.splice(0, requests.length),
    close: async () => {
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.done();
      }
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
