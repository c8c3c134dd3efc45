import type { ChangeSet } from '../changeset/types.js';
import { emitAnnotations, type AnnotationSink } from '../github/annotations.js';
import { checkConclusion, publishCheckRun } from '../github/checks.js';
import type { GitHubClient } from '../github/client.js';
import { upsertStickyComment, type StickyTarget } from '../github/publish.js';
import { postInlineReview, postedFindings, replyToReviewComment } from '../github/review.js';
import { encodeState, type ReviewState } from '../github/state.js';
import { recordPosted, recordReplied, resolvedNeedingReply } from '../incremental.js';
import { COMMENT_LIMIT, SUMMARY_MARKER, renderMarkdown } from '../render/markdown.js';
import type { Finding, Report } from '../report/types.js';
import type { Settings } from '../settings.js';
import type { Where } from './scope.js';

export interface Log {
  info: (message: string) => void;
  notice: (message: string) => void;
  warning: (message: string) => void;
}

export interface Published {
  /** Lines for the top of the job summary: what could not be posted, and where the review is instead. */
  notes: string[];
}

const READ_ONLY_NOTE = 'The token could not comment on the pull request (read-only, as on pull requests from forks), so the review is here only.';

/**
 * One publishing step whose failure (GitHub down, a persistent 5xx) must not cost the others: it is
 * logged as a warning and noted at the top of the job summary, and the run goes on.
 */
async function attempt<T>(notes: string[], log: Log, what: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    const note = `Could not ${what}: ${(error as Error).message}. The rest of the review was still published.`;
    notes.push(note);
    log.warning(note);
    return undefined;
  }
}

/** The text of the reply left on an inline thread whose finding this push no longer shows. */
export function resolvedReply(headSha: string): string {
  return `✅ No longer found as of ${headSha.slice(0, 7)}: resolved. (This thread stays for the record.)`;
}

/**
 * Posts the review on the pull request: inline comments for findings not posted before, a reply on the
 * threads of findings that went away, then the sticky summary comment carrying the state for the next
 * run. A read-only token (fork pull requests) is not an error: the caller still has the job summary.
 */
export async function publishOnPullRequest(
  client: GitHubClient,
  where: Where,
  input: {
    report: Report;
    toPost: Finding[];
    state: ReviewState;
    previous?: ReviewState;
    /** The summary comment found when the state was read (null: none yet), so the comments are not listed again. */
    sticky?: StickyTarget | null;
    changeSet: ChangeSet;
    headSha: string;
    settings: Settings;
  },
  log: Log,
): Promise<Published> {
  const notes: string[] = [];
  const target = { owner: where.owner, repo: where.repo, pullNumber: where.number };
  let state = input.state;
  let canWrite = true;
  let toPost = input.toPost;
  // The earlier runs' review threads, listed once: what was posted, and where to reply.
  let listed: ReturnType<typeof postedFindings> | undefined;
  const earlierThreads = (): ReturnType<typeof postedFindings> => (listed ??= postedFindings(client, target));

  if (input.settings.inlineComments && input.settings.maxInlineComments > 0 && toPost.length > 0) {
    // The review threads say what was posted, also when the summary comment's state is missing or
    // older than them (comment: false, a deleted comment, a run cancelled between the two writes).
    try {
      const threads = await earlierThreads();
      state = recordPosted(state, toPost.filter((f) => threads.has(f.id)).map((f) => f.id));
      toPost = toPost.filter((f) => !threads.has(f.id));
    } catch (error) {
      log.warning(`Could not list earlier review comments (${(error as Error).message}); findings may be posted inline again.`);
    }
  }

  if (input.settings.inlineComments && input.settings.maxInlineComments > 0 && toPost.length > 0) {
    const inline = await attempt(notes, log, 'post the inline review', () =>
      postInlineReview(client, target, { headSha: input.headSha, findings: toPost, changeSet: input.changeSet, cap: input.settings.maxInlineComments }),
    );
    if (inline === undefined) {
      // Not posted: the summary comment carries every finding, and the next run tries again.
    } else if (inline.kind === 'forbidden') {
      canWrite = false;
      notes.push(READ_ONLY_NOTE);
      log.notice(`${READ_ONLY_NOTE} (${inline.message})`);
    } else if (inline.kind === 'posted') {
      // Findings over the cap are in the summary: recorded as posted so the next push does not drip them in.
      state = recordPosted(state, [...inline.posted, ...inline.overCap.map((f) => f.id)]);
      log.info(`Inline review: ${inline.posted.length} comment(s) at ${inline.url}${inline.rejected ? ` (GitHub refused the anchors: ${inline.rejected})` : ''}.`);
    }
  }

  const reply = resolvedNeedingReply(input.previous, input.report.resolved ?? []);
  if (canWrite && reply.length > 0) {
    try {
      const threads = await earlierThreads();
      const replied: string[] = [];
      for (const id of reply) {
        const thread = threads.get(id);
        if (!thread) continue;
        const result = await replyToReviewComment(client, target, thread.commentId, resolvedReply(input.headSha));
        if (result.kind === 'posted') replied.push(id);
      }
      state = recordReplied(state, replied);
    } catch (error) {
      log.warning(`Could not reply on resolved review threads: ${(error as Error).message}`);
    }
  }

  if (input.settings.comment) {
    const body = renderMarkdown(input.report, {
      maxLength: COMMENT_LIMIT,
      marker: true,
      fullReportHint: 'the job summary of this run',
      state: encodeState(state),
    });
    const posted = await attempt(notes, log, 'post the summary comment', () =>
      upsertStickyComment(client, { owner: where.owner, repo: where.repo, issueNumber: where.number }, SUMMARY_MARKER, body, input.sticky),
    );
    if (posted === undefined) {
      // Said in the notes; the job summary has the review.
    } else if (posted.kind === 'forbidden') {
      if (!notes.includes(READ_ONLY_NOTE)) {
        notes.push(READ_ONLY_NOTE);
        log.notice(`${READ_ONLY_NOTE} (${posted.message})`);
      }
    } else {
      log.info(`Review ${posted.kind}: ${posted.url}`);
    }
  }
  return { notes };
}

/**
 * The check run "Architect Review" with an annotation per finding, when the token has `checks: write`;
 * otherwise (or with `check-run: false`) workflow annotations, within GitHub's per-step limits.
 */
export async function publishChecks(
  client: GitHubClient,
  where: { owner: string; repo: string },
  input: { report: Report; headSha: string; settings: Settings },
  sink: AnnotationSink,
  log: Log,
): Promise<Published> {
  const { report, settings } = input;
  const notes: string[] = [];
  if (settings.checkRun) {
    const run = await attempt(notes, log, 'create the check run', () =>
      publishCheckRun(client, where, {
        headSha: input.headSha,
        conclusion: checkConclusion(settings.failOn, report.status),
        title: `${report.status} · ${report.findings.length} finding(s)`,
        summary: renderMarkdown(report, { maxLength: 65_535, marker: false, fullReportHint: 'the job summary of this run' }),
        findings: report.findings,
      }),
    );
    if (run?.kind === 'created') {
      log.info(`Check run: ${run.url} (${run.annotations} annotation(s)).`);
      return { notes };
    }
    if (run?.kind === 'forbidden') log.info(`No check run (the token lacks checks: write: ${run.message}); the findings are workflow annotations instead.`);
  }
  const { omitted } = emitAnnotations(report.findings, sink);
  if (omitted > 0) notes.push(`${omitted} finding(s) are not shown as annotations (GitHub shows at most 10 per level in a step); all are below.`);
  return { notes };
}
