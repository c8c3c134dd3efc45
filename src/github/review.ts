import { randomUUID } from 'node:crypto';
import type { ChangeSet, ChangedFile } from '../changeset/types.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../report/types.js';
import { code, safeMarkdown } from '../render/escape.js';
import type { GitHubClient } from './client.js';
import { NO_RETRY, isForbidden, statusOf, writeOnce } from './client.js';

/** Where an inline comment sits: head-side lines of one hunk of the pull request's diff. */
export interface ReviewAnchor {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

export interface ReviewTarget {
  owner: string;
  repo: string;
  pullNumber: number;
}

export interface InlineInput {
  headSha: string;
  findings: Finding[];
  changeSet: ChangeSet;
  /** At most this many inline comments; the rest are counted in the review body. 0 posts none. */
  cap: number;
  /** The sticky summary comment, linked from the review body. */
  summaryUrl?: string;
}

export type InlineResult =
  | {
      kind: 'posted';
      reviewId: number;
      url: string;
      /** Ids of the findings posted as inline comments. */
      posted: string[];
      /** Findings not on a head-side line of the diff (or that GitHub would not place: see `rejected`). */
      unanchored: Finding[];
      /** Anchored findings left out by the cap. */
      overCap: Finding[];
      /** GitHub's 422 message when it refused the inline comments and the review went out without them. */
      rejected?: string;
    }
  | { kind: 'nothing'; unanchored: Finding[] }
  | { kind: 'forbidden'; message: string };

export interface PostedFinding {
  commentId: number;
  path: string;
  /** Null on GitHub (so absent here) once a later push moved the line off the diff. */
  line?: number;
}

export type ReplyResult = { kind: 'posted'; id: number; url: string } | { kind: 'forbidden'; message: string };

const SEVERITY_LABEL: Record<Severity, string> = { high: '🔴 High', medium: '🟠 Medium', low: '🔵 Low' };
const FINDING_MARKER = /^<!-- architect-review:finding (\S+) -->/;

/** The hidden line that names the finding an inline comment is about (ids are URI-encoded so `-->` cannot end it). */
export function findingMarker(id: string): string {
  return `<!-- architect-review:finding ${encodeURIComponent(id)} -->`;
}

/** The hidden line that names the head commit a review was posted for. */
export function reviewMarker(headSha: string): string {
  return `<!-- architect-review:review ${headSha} -->`;
}

/** A hidden line unique to one write, so the look-up after a 5xx finds this write and not an earlier, identical one. */
const attemptMarker = (): string => `<!-- architect-review:post ${randomUUID()} -->`;

function hunkIndex(file: ChangedFile, line: number): number {
  return file.hunks.findIndex((h) => h.lines.some((l) => l.kind !== 'del' && l.newLine === line));
}

/**
 * Where GitHub can show `finding` inline: its line (and its range, when `endLine` is in the same hunk)
 * among the added or context lines of `file`'s diff. A range across hunks falls back to its first line.
 */
export function reviewAnchor(finding: Finding, file: ChangedFile | undefined): ReviewAnchor | undefined {
  if (!file || file.path !== finding.file || finding.line === undefined) return undefined;
  const hunk = hunkIndex(file, finding.line);
  if (hunk < 0) return undefined;
  const single: ReviewAnchor = { path: file.path, line: finding.line, side: 'RIGHT' };
  const end = finding.endLine;
  if (end === undefined || end <= finding.line || hunkIndex(file, end) !== hunk) return single;
  return { path: file.path, line: end, side: 'RIGHT', start_line: finding.line, start_side: 'RIGHT' };
}

/** A fenced suggestion whose fence is longer than any backtick run in the text, so the text cannot close it. */
function suggestionBlock(text: string): string {
  const body = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return body === '' ? `${fence}suggestion\n${fence}` : `${fence}suggestion\n${body}\n${fence}`;
}

/** The suggestion replaces exactly the lines the comment covers, or it would corrupt the file. */
function coversRange(finding: Finding, anchor: ReviewAnchor | undefined): boolean {
  if (!anchor) return true;
  return (anchor.start_line ?? anchor.line) === finding.line && anchor.line === (finding.endLine ?? finding.line);
}

/**
 * The inline comment for a finding: severity, title, message and remedy as safe Markdown, a GitHub
 * suggestion when the finding has one (and `anchor`, if given, covers its whole range), and a hidden marker.
 */
export function inlineCommentBody(finding: Finding, anchor?: ReviewAnchor): string {
  const kind = finding.kind === 'question' ? ' · question' : '';
  const parts = [
    findingMarker(finding.id),
    `**${SEVERITY_LABEL[finding.severity]}${kind} — ${safeMarkdown(finding.title)}**`,
    '',
    safeMarkdown(finding.message),
    '',
    `**Remedy:** ${safeMarkdown(finding.remedy)}`,
  ];
  if (finding.suggestion !== undefined && coversRange(finding, anchor)) parts.push('', suggestionBlock(finding.suggestion));
  parts.push('', `<sub>${safeMarkdown(finding.agent)} · ${code(finding.rule)}${finding.source === 'llm' ? ' · LLM' : ''}</sub>`);
  return parts.join('\n');
}

interface Planned {
  finding: Finding;
  anchor: ReviewAnchor;
}

/** Anchored findings by severity (stable), split at the cap; the rest are unanchored. */
function plan(input: InlineInput): { inline: Planned[]; overCap: Finding[]; unanchored: Finding[] } {
  const files = new Map(input.changeSet.files.map((f) => [f.path, f]));
  const anchored: Planned[] = [];
  const unanchored: Finding[] = [];
  for (const finding of input.findings) {
    const anchor = reviewAnchor(finding, files.get(finding.file));
    if (anchor) anchored.push({ finding, anchor });
    else unanchored.push(finding);
  }
  anchored.sort((a, b) => SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity]);
  const cap = Math.max(0, Math.floor(input.cap));
  return { inline: anchored.slice(0, cap), overCap: anchored.slice(cap).map((p) => p.finding), unanchored };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function reviewBody(input: InlineInput, counts: { inline: number; overCap: number; unanchored: number; cap: number }, rejected?: string): string {
  const summary = input.summaryUrl && /^https?:\/\/\S+$/.test(input.summaryUrl) ? `the [summary comment](${input.summaryUrl})` : 'the summary comment';
  const lines = [reviewMarker(input.headSha)];
  if (rejected === undefined) {
    lines.push(`**Architect Review** left ${plural(counts.inline, 'inline comment')} on ${code(input.headSha.slice(0, 7))}.`);
  } else {
    lines.push(`**Architect Review** could not place its inline comments on this diff (GitHub: ${safeMarkdown(rejected)}).`);
  }
  const left: string[] = [];
  if (counts.overCap > 0) left.push(`${plural(counts.overCap, 'more finding')} on changed lines (at most ${counts.cap} inline comments per review)`);
  if (counts.unanchored > 0) left.push(`${plural(counts.unanchored, 'finding')} outside the changed lines`);
  if (left.length > 0) lines.push('', `Not shown inline: ${left.join('; ')}.`);
  lines.push('', `Every finding is in ${summary}.`);
  return lines.join('\n');
}

const normalise = (text: string | null | undefined): string => (text ?? '').replace(/\r\n?/g, '\n').trim();

/** Our review with exactly this body, if one exists (it carries the head-sha marker). */
async function findReview(client: GitHubClient, target: ReviewTarget, body: string): Promise<{ id: number; html_url: string } | undefined> {
  const reviews = await client.paginate(client.rest.pulls.listReviews, { owner: target.owner, repo: target.repo, pull_number: target.pullNumber, per_page: 100 });
  return reviews.filter((r) => normalise(r.body) === normalise(body)).at(-1);
}

/** One COMMENT review, sent once: after a 5xx it is re-sent only if the pull request does not have it. */
async function submit(client: GitHubClient, target: ReviewTarget, body: string, planned: Planned[], commitId?: string): Promise<{ id: number; html_url: string }> {
  const comments = planned.map(({ finding, anchor }) => ({ ...anchor, body: inlineCommentBody(finding, anchor) }));
  return writeOnce(
    async () => (await client.rest.pulls.createReview({
      owner: target.owner, repo: target.repo, pull_number: target.pullNumber, event: 'COMMENT', body, comments,
      ...(commitId === undefined ? {} : { commit_id: commitId }),
      request: NO_RETRY,
    })).data,
    () => findReview(client, target, body),
  );
}

type Posted = Extract<InlineResult, { kind: 'posted' }>;

/** Sends the review; if GitHub refuses an anchor (422), sends it once more without inline comments. */
async function postOrFallBack(client: GitHubClient, target: ReviewTarget, input: InlineInput, planned: ReturnType<typeof plan>): Promise<Posted> {
  const { inline, overCap, unanchored } = planned;
  const counts = { inline: inline.length, overCap: overCap.length, unanchored: unanchored.length, cap: inline.length };
  try {
    const review = await submit(client, target, `${reviewBody(input, counts)}\n${attemptMarker()}`, inline, input.headSha);
    return { kind: 'posted', reviewId: review.id, url: review.html_url, posted: inline.map((p) => p.finding.id), unanchored, overCap };
  } catch (error) {
    if (statusOf(error) !== 422) throw error;
    const rejected = refusal(error);
    const without = { ...counts, inline: 0, unanchored: unanchored.length + inline.length };
    // Without comments the review needs no commit: GitHub attaches it to the current head.
    const review = await submit(client, target, `${reviewBody(input, without, rejected)}\n${attemptMarker()}`, []);
    return { kind: 'posted', reviewId: review.id, url: review.html_url, posted: [], unanchored: [...unanchored, ...inline.map((p) => p.finding)], overCap, rejected };
  }
}

/**
 * Posts the findings that sit on the diff as inline comments of one review (`COMMENT`, never an
 * approval or a change request), highest severity first, up to `cap`. Should GitHub still refuse an
 * anchor (422; it does not say which comment), the review goes out once more without inline comments.
 * A read-only token gives `forbidden`; other failures throw.
 */
export async function postInlineReview(client: GitHubClient, target: ReviewTarget, input: InlineInput): Promise<InlineResult> {
  const planned = plan(input);
  if (planned.inline.length === 0) return { kind: 'nothing', unanchored: planned.unanchored };
  try {
    return await postOrFallBack(client, target, input, planned);
  } catch (error) {
    if (isForbidden(error)) return { kind: 'forbidden', message: (error as Error).message };
    throw new Error(`Could not post the inline review on #${target.pullNumber}: ${(error as Error).message}`, { cause: error });
  }
}

/** GitHub's reasons from a 422 (`errors` entries), or its message. */
function refusal(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown; errors?: unknown } } }).response?.data;
  const reasons = Array.isArray(data?.errors) ? data.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
  return reasons.length > 0 ? reasons.join('; ') : String(data?.message ?? (error as Error).message);
}

/**
 * The findings earlier runs posted inline on this pull request, by finding id, read from the markers of
 * their review comments (a bot's only, newest wins); for incremental re-review.
 */
export async function postedFindings(client: GitHubClient, target: ReviewTarget): Promise<Map<string, PostedFinding>> {
  const comments = await client.paginate(client.rest.pulls.listReviewComments, { owner: target.owner, repo: target.repo, pull_number: target.pullNumber, per_page: 100 });
  // A bot's comments only: a finding marker a person pasted must not stop a finding from being posted.
  const ours = comments.filter((c) => c.in_reply_to_id === undefined && c.user?.type === 'Bot' && FINDING_MARKER.test(c.body));
  const posted = new Map<string, PostedFinding>();
  for (const c of ours.sort((a, b) => a.id - b.id)) {
    const id = decodeURIComponent(FINDING_MARKER.exec(c.body)?.[1] ?? '');
    posted.set(id, { commentId: c.id, path: c.path, ...(typeof c.line === 'number' ? { line: c.line } : {}) });
  }
  return posted;
}

/** Replies in the thread of review comment `commentId` (sent once, like the review); 403 gives `forbidden`. */
export async function replyToReviewComment(client: GitHubClient, target: ReviewTarget, commentId: number, text: string): Promise<ReplyResult> {
  const where = { owner: target.owner, repo: target.repo, pull_number: target.pullNumber };
  const body = `${text}\n${attemptMarker()}`;
  try {
    const reply = await writeOnce(
      async () => (await client.rest.pulls.createReplyForReviewComment({ ...where, comment_id: commentId, body, request: NO_RETRY })).data,
      async () => {
        const comments = await client.paginate(client.rest.pulls.listReviewComments, { ...where, per_page: 100 });
        return comments.filter((c) => c.in_reply_to_id === commentId && normalise(c.body) === normalise(body)).at(-1);
      },
    );
    return { kind: 'posted', id: reply.id, url: reply.html_url };
  } catch (error) {
    if (isForbidden(error)) return { kind: 'forbidden', message: (error as Error).message };
    throw new Error(`Could not reply to review comment ${commentId} on #${target.pullNumber}: ${(error as Error).message}`, { cause: error });
  }
}
