import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';

/** What GitHub answers a read-only token (fork pull requests) that tries to write. */
export const READ_ONLY_MESSAGE = 'Resource not accessible by integration';

export type PublishResult =
  | { kind: 'created' | 'updated'; url: string; id: number }
  | { kind: 'forbidden'; message: string };

interface Target {
  owner: string;
  repo: string;
  issueNumber: number;
}

/**
 * Creates the sticky summary comment, or updates the one an earlier run left (found by `marker`).
 * Bot-authored comments are preferred so a human quoting the marker does not capture the review.
 * A 403 (read-only token) is returned, not thrown: the caller falls back to the job summary.
 */
export async function upsertStickyComment(client: GitHubClient, target: Target, marker: string, body: string): Promise<PublishResult> {
  try {
    const comments = await client.paginate(client.rest.issues.listComments, {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      per_page: 100,
    });
    const ours = comments.filter((c) => c.body?.includes(marker));
    const existing = ours.find((c) => c.user?.type === 'Bot') ?? ours[0];
    if (existing) {
      const { data } = await client.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
      return { kind: 'updated', url: data.html_url, id: data.id };
    }
    const { data } = await client.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body });
    return { kind: 'created', url: data.html_url, id: data.id };
  } catch (error) {
    if (statusOf(error) === 403) return { kind: 'forbidden', message: (error as Error).message };
    throw new Error(`Could not post the review comment on #${target.issueNumber}: ${(error as Error).message}`, { cause: error });
  }
}
