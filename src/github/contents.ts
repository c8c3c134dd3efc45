import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';
import { mapConcurrently } from '../concurrency.js';

/** Reads in flight at once: the throttling plugin's own cap for reads (its `global` group), so none waits in its queue. */
const CONCURRENCY = 10;
const MAX_BYTES = 1024 * 1024;

/**
 * The content of `paths` at `ref`, one contents-API request each, a few at a time. A file that is
 * gone, binary or over 1 MiB is left out; any other failure leaves that file out with a warning,
 * since content only sharpens the checks (they also work from the diff alone).
 */
export async function readFilesAtRef(
  client: GitHubClient,
  target: { owner: string; repo: string },
  ref: string,
  paths: readonly string[],
  warn: (message: string) => void,
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  await mapConcurrently(paths, CONCURRENCY, async (path) => {
    try {
      const { data } = await client.rest.repos.getContent({ ...target, path, ref, mediaType: { format: 'raw' } });
      const text = String(data);
      if (text.length <= MAX_BYTES && !text.includes('\0')) contents.set(path, text);
    } catch (error) {
      if (statusOf(error) !== 404) warn(`Could not read ${path} at ${ref.slice(0, 7)} (${(error as Error).message}); it was checked from the diff alone.`);
    }
  });
  return contents;
}
