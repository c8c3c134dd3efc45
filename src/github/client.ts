import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const ReviewOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof ReviewOctokit>;

export interface ClientOptions {
  token: string;
  baseUrl: string;
  userAgent: string;
  /** Called with a line to log when GitHub asks the client to slow down. */
  warn: (message: string) => void;
}

function build(options: ClientOptions, throttleId: string): GitHubClient {
  return new ReviewOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    log: { debug: () => {}, info: () => {}, warn: options.warn, error: options.warn },
    throttle: {
      id: throttleId,
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.warn(`GitHub rate limit hit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`);
        return retryCount < 2;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.warn(`GitHub secondary rate limit hit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`);
        return retryCount < 2;
      },
    },
  });
}

/**
 * The client for GraphQL queries of a run's client. The throttling plugin paces every GraphQL request
 * as a write, one a second in the same queue as the review's comments; a query that only reads would
 * then hold the first comment back a second. Queries go through a twin client with its own pacing
 * key instead (rate limits are still waited out); writes keep theirs.
 */
const QUERY_CLIENTS = new WeakMap<GitHubClient, { options: ClientOptions; twin?: GitHubClient }>();

/** The twin of `client` for GraphQL queries, built on first use (a run with no file to read whole sends no query); `client` itself for one made elsewhere. */
export function queryClientOf(client: GitHubClient): GitHubClient {
  const entry = QUERY_CLIENTS.get(client);
  if (!entry) return client;
  entry.twin ??= build(entry.options, 'architect-review-queries');
  return entry.twin;
}

/** The one Octokit of a run: retries 5xx, waits out primary and secondary rate limits (twice at most). */
export function createClient(options: ClientOptions): GitHubClient {
  const client = build(options, 'architect-review');
  QUERY_CLIENTS.set(client, { options });
  return client;
}

/** The HTTP status of an Octokit error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') return error.status;
  return undefined;
}

/**
 * Per-request options that turn plugin-retry off: a POST that failed with a 5xx may still have
 * landed, so it is not re-sent blindly (see `writeOnce`).
 */
export const NO_RETRY = { retries: 0 } as const;

/** A failure after which a write may still have taken effect: a 5xx from a gateway, or no answer at all. */
export function mayHaveLanded(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/**
 * Sends a write that must not be duplicated (send it with `request: NO_RETRY`) at most twice: after a
 * failure that may have landed, `landed` looks for its effect, and it is re-sent only when absent.
 */
export async function writeOnce<T>(send: () => Promise<T>, landed: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!mayHaveLanded(error)) throw error;
      const found = await landed();
      if (found !== undefined) return found;
      if (attempt >= 2) throw error;
    }
  }
}

/** A 403 that means "this token may not do that", not a rate limit the client gave up waiting out. */
export function isForbidden(error: unknown): boolean {
  return statusOf(error) === 403 && !/rate limit/i.test(error instanceof Error ? error.message : '');
}
