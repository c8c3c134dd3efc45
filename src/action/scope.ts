import type { GitHubClient } from '../github/client.js';
import { changedSince } from '../github/compare.js';
import { readStickyComment, type StickyComment, type StickyTarget } from '../github/publish.js';
import { decodeState, type ReviewState } from '../github/state.js';
import type { ReviewScope } from '../incremental.js';
import { SUMMARY_MARKER } from '../render/markdown.js';

export interface Where {
  owner: string;
  repo: string;
  number: number;
}

export interface PreviousReview {
  previous?: ReviewState;
  /** The summary comment to edit (null: there is none yet); absent when it was not read. */
  sticky?: StickyTarget | null;
  scope: ReviewScope;
}

/**
 * What the last run on this pull request recorded in its sticky comment (and which comment that is), and how much of the change
 * this run must look at again: everything (first run, a force-push, a new base) or what changed since.
 * A read that fails costs the incremental part, never the review.
 */
export async function previousReview(
  client: GitHubClient,
  where: Where,
  pr: { headSha: string; baseSha: string },
  warn: (message: string) => void,
): Promise<PreviousReview> {
  let sticky: StickyComment;
  try {
    sticky = await readStickyComment(client, { owner: where.owner, repo: where.repo, issueNumber: where.number }, SUMMARY_MARKER);
  } catch (error) {
    warn(`Could not read the earlier review comment (${(error as Error).message}); reviewing the whole change.`);
    return { scope: { mode: 'full' } };
  }
  const found = { sticky: sticky.edit };
  const previous = sticky.own ? decodeState(sticky.own.body) : undefined;
  if (!previous) return { ...found, scope: { mode: 'full' } };
  if (previous.baseSha !== pr.baseSha) {
    return { previous, ...found, scope: { mode: 'full', reason: `the base moved since the last review (${previous.baseSha.slice(0, 7)} → ${pr.baseSha.slice(0, 7)})` } };
  }
  const since = await changedSince(client, { owner: where.owner, repo: where.repo }, previous.headSha, pr.headSha);
  return { previous, ...found, scope: since.kind === 'ok' ? { mode: 'incremental', changedFiles: new Set(since.files) } : { mode: 'full', reason: since.reason } };
}
