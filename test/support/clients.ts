import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHubClient } from '../../src/github/client.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const Fast = Octokit.plugin(retry, throttling);

/**
 * The production plugins (retry, throttling), with retries 1 ms apart and no write pacing, so tests
 * stay fast and concurrent runs really overlap. Tests of the production pacing use `createClient`.
 */
export function fastClient(url: string): GitHubClient {
  return new Fast({
    auth: 't', baseUrl: url, log: silent, retry: { retryAfterBaseValue: 1 },
    throttle: { enabled: false, onRateLimit: () => false, onSecondaryRateLimit: () => false },
  });
}

/** A patch with two hunks, each line's old/new number noted: for anchor tests. */
export const TWO_HUNK_PATCH = [
  '@@ -1,2 +1,4 @@',
  ' import os', // old 1, new 1
  '-x = 1', // old 2
  '+x = 2', // new 2
  '+y = 3', // new 3
  '+y = 4', // new 4
  '@@ -20,3 +22,2 @@ def f():',
  ' a = 1', // old 20, new 22
  '-b = 2', // old 21
  ' c = 3', // old 22, new 23
].join('\n');
