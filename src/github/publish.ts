import type { GitHubClient } from './client.js';
import { NO_RETRY, isForbidden, statusOf, writeOnce } from './client.js';

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

type IssueComment = Awaited<ReturnType<GitHubClient['rest']['issues']['createComment']>>['data'];

/** Every comment on the pull request that carries `marker`, oldest first. */
async function markedComments(client: GitHubClient, target: Target, marker: string): Promise<IssueComment[]> {
  const comments = await client.paginate(client.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  return comments.filter((c) => c.body?.includes(marker)).sort((a, b) => a.id - b.id);
}

/**
 * The comment to edit: a bot's first; else (a personal token posts as a person) the first that starts
 * with the marker, as the action's own do, so a comment that only mentions the marker is left alone.
 */
function sticky(comments: IssueComment[], marker: string): IssueComment | undefined {
  return comments.find((c) => c.user?.type === 'Bot') ?? comments.find((c) => c.body?.startsWith(marker));
}

/** The comment to edit, and whether a bot wrote it (refused an edit, it means a read-only token). */
export interface StickyTarget {
  id: number;
  bot: boolean;
}

function targetOf(comment: IssueComment | undefined): StickyTarget | null {
  return comment ? { id: comment.id, bot: comment.user?.type === 'Bot' } : null;
}

async function update(client: GitHubClient, target: Target, id: number, body: string): Promise<IssueComment> {
  return (await client.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: id, body })).data;
}

/** Creates the comment once: after a 5xx it looks for it (or a concurrent run's) before sending again. */
async function create(client: GitHubClient, target: Target, marker: string, body: string): Promise<IssueComment> {
  return writeOnce(
    async () =>
      (await client.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body, request: NO_RETRY })).data,
    async () => sticky(await markedComments(client, target, marker), marker),
  );
}

/**
 * Two runs on the same pull request at once may both create a comment. Each run, after creating,
 * keeps the oldest comment its author wrote with the marker, writes its body there and deletes its
 * own; since every run picks the same oldest comment, one comment is left.
 */
async function settle(client: GitHubClient, target: Target, marker: string, body: string, created: IssueComment): Promise<PublishResult> {
  const author = created.user?.login;
  const twins = (await markedComments(client, target, marker)).filter((c) => c.user?.login === author);
  const keeper = twins.find((c) => c.id < created.id);
  if (!keeper) {
    const mine = created.body === body ? created : await update(client, target, created.id, body);
    return { kind: created.body === body ? 'created' : 'updated', url: mine.html_url, id: mine.id };
  }
  let kept: IssueComment;
  try {
    kept = await update(client, target, keeper.id, body);
  } catch (error) {
    // The older comment went in the meantime: ours stays.
    if (statusOf(error) === 404) return { kind: 'created', url: created.html_url, id: created.id };
    throw error;
  }
  try {
    await client.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: created.id });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  return { kind: 'updated', url: kept.html_url, id: kept.id };
}

/**
 * Creates the sticky summary comment, or updates the one an earlier run left (found by `marker`).
 * Bot-authored comments are preferred so a human quoting the marker does not capture the review.
 * A create that fails with a 5xx is not re-sent when it landed, and concurrent runs end with one comment.
 * A 403 (read-only token) is returned, not thrown: the caller falls back to the job summary. A person's
 * comment the token may not edit is left as it is, and the action posts its own.
 * `known`, what a caller already found (`readStickyComment`'s `edit`), saves listing the comments
 * again: the comment to edit, or null when none carried the marker (a run that created one since is
 * settled with, as any concurrent run).
 */
export async function upsertStickyComment(
  client: GitHubClient,
  target: Target,
  marker: string,
  body: string,
  known?: StickyTarget | null,
): Promise<PublishResult> {
  try {
    let edit = known;
    if (edit) {
      try {
        const data = await update(client, target, edit.id, body);
        return { kind: 'updated', url: data.html_url, id: data.id };
      } catch (error) {
        // Deleted since it was read: look again, as without it. Someone else's, refused: post our own.
        if (statusOf(error) === 404) edit = undefined;
        else if (isForbidden(error) && !edit.bot) edit = null;
        else throw error;
      }
    }
    if (edit === undefined) {
      const existing = targetOf(sticky(await markedComments(client, target, marker), marker));
      if (existing) {
        try {
          const data = await update(client, target, existing.id, body);
          return { kind: 'updated', url: data.html_url, id: data.id };
        } catch (error) {
          if (!isForbidden(error) || existing.bot) throw error;
        }
      }
    }
    return await settle(client, target, marker, body, await create(client, target, marker, body));
  } catch (error) {
    if (isForbidden(error)) return { kind: 'forbidden', message: (error as Error).message };
    throw new Error(`Could not post the review comment on #${target.issueNumber}: ${(error as Error).message}`, { cause: error });
  }
}

/** What an earlier run left on the pull request, read once for both the state and the publishing. */
export interface StickyComment {
  /**
   * The bot's comment, if any. Its hidden state decides what is reviewed again and what is not posted
   * again, so a marker a person pasted is not trusted.
   */
  own?: { id: number; body: string };
  /** The comment upsertStickyComment would edit (see `sticky`), or null when there is none. */
  edit: StickyTarget | null;
}

/** The comments carrying `marker`, read once: the bot's (for its state) and the one to edit. */
export async function readStickyComment(client: GitHubClient, target: Target, marker: string): Promise<StickyComment> {
  const comments = await markedComments(client, target, marker);
  const bot = comments.find((c) => c.user?.type === 'Bot');
  return { ...(bot ? { own: { id: bot.id, body: bot.body ?? '' } } : {}), edit: targetOf(sticky(comments, marker)) };
}
