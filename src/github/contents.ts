import type { GitHubClient } from './client.js';
import { queryClientOf, statusOf } from './client.js';
import { mapConcurrently } from '../concurrency.js';

/** Reads in flight at once on the REST path: the throttling plugin's own cap for reads (its `global` group), so none waits in its queue. */
const CONCURRENCY = 10;
const MAX_BYTES = 1024 * 1024;
/** Files asked for in one GraphQL query; a review reads at most 40 (CONTENT_FILE_CAP), so one query as a rule. */
const QUERY_BATCH = 50;

interface BlobAnswer {
  byteSize?: number;
  isBinary?: boolean;
  isTruncated?: boolean;
  text?: string | null;
}

/**
 * One query for many blobs: `object(expression: "<ref>:<path>")` per file, each under an alias, the
 * expressions passed as variables (a path is data, never query text).
 */
function blobQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$e${i}: String!`).join(', ');
  const fields = Array.from({ length: count }, (_, i) => `f${i}: object(expression: $e${i}) { ... on Blob { byteSize isBinary isTruncated text } }`).join('\n    ');
  return `query($owner: String!, $name: String!, ${vars}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
}

/** A blob's text when the rules can use it: present, not binary, not cut short, at most MAX_BYTES. */
function usableText(blob: BlobAnswer | null | undefined): string | undefined {
  if (!blob || typeof blob.text !== 'string' || blob.isBinary || blob.isTruncated) return undefined;
  if ((blob.byteSize ?? Buffer.byteLength(blob.text)) > MAX_BYTES || blob.text.includes('\0')) return undefined;
  return blob.text;
}

/**
 * One batch of paths at `ref` through GraphQL. A path that does not exist (or is a folder) answers null
 * or no blob fields and is left out. Returns the paths whose text came back cut short. Throws when
 * GitHub refuses the query.
 */
async function queryBlobs(client: GitHubClient, target: { owner: string; repo: string }, ref: string, batch: readonly string[], into: Map<string, string>): Promise<string[]> {
  const variables: Record<string, string> = { owner: target.owner, name: target.repo };
  batch.forEach((path, i) => {
    variables[`e${i}`] = `${ref}:${path}`;
  });
  const answer = await queryClientOf(client).graphql<{ repository: Record<string, BlobAnswer | null> | null }>(blobQuery(batch.length), variables);
  const repository = answer.repository;
  if (!repository) throw new Error(`GitHub's GraphQL API did not find ${target.owner}/${target.repo}`);
  const cut: string[] = [];
  batch.forEach((path, i) => {
    const blob = repository[`f${i}`];
    const text = usableText(blob);
    if (text !== undefined) into.set(path, text);
    // GraphQL cuts a blob's text short (at 512,000 bytes); the contents API gives such a file whole.
    else if (blob?.isTruncated && !blob.isBinary && (blob.byteSize ?? Infinity) <= MAX_BYTES) cut.push(path);
  });
  return cut;
}

/** `paths` at `ref` through the contents API, one raw request each, a few at a time. */
async function readEach(
  client: GitHubClient,
  target: { owner: string; repo: string },
  ref: string,
  paths: readonly string[],
  warn: (message: string) => void,
  into: Map<string, string>,
): Promise<void> {
  await mapConcurrently(paths, CONCURRENCY, async (path) => {
    try {
      const { data } = await client.rest.repos.getContent({ ...target, path, ref, mediaType: { format: 'raw' } });
      const text = usableText({ text: String(data) });
      if (text !== undefined) into.set(path, text);
    } catch (error) {
      if (statusOf(error) !== 404) warn(`Could not read ${path} at ${ref.slice(0, 7)} (${(error as Error).message}); it was checked from the diff alone.`);
    }
  });
}

/**
 * The content of `paths` at `ref`. A file that is gone, binary or over 1 MiB is left out. The files
 * are asked for in one GraphQL query (a request costs the runner more than the bytes do); when GitHub
 * refuses it (an older server, a proxy that passes REST only), they are read through the contents API
 * one by one, and `info` says so. A file that still cannot be read is left out with a warning, since
 * content only sharpens the checks (they also work from the diff alone).
 */
export async function readFilesAtRef(
  client: GitHubClient,
  target: { owner: string; repo: string },
  ref: string,
  paths: readonly string[],
  warn: (message: string) => void,
  info: (message: string) => void = () => {},
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (let start = 0; start < paths.length; start += QUERY_BATCH) {
    try {
      const cut = await queryBlobs(client, target, ref, paths.slice(start, start + QUERY_BATCH), contents);
      if (cut.length > 0) await readEach(client, target, ref, cut, warn, contents);
    } catch (error) {
      const rest = paths.slice(start);
      info(`Reading ${rest.length} changed files in one GraphQL query failed (${(error as Error).message}); they were read through the contents API instead.`);
      await readEach(client, target, ref, rest, warn, contents);
      break;
    }
  }
  return contents;
}
