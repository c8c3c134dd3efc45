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

/** The one Octokit of a run: retries 5xx, waits out primary and secondary rate limits (twice at most). */
export function createClient(options: ClientOptions): GitHubClient {
  return new ReviewOctokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    log: { debug: () => {}, info: () => {}, warn: options.warn, error: options.warn },
    throttle: {
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

/** The HTTP status of an Octokit error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') return error.status;
  return undefined;
}
