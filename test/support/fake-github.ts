/**
 * In-memory fake of the slice of the GitHub REST API that Architect Review uses.
 * Runs a real `node:http` server on 127.0.0.1 so tests exercise the real Octokit stack.
 * Request and error shapes follow GitHub's REST docs and the error bodies GitHub is seen to send.
 */
import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `status`: added | removed | modified | renamed | copied | changed | unchanged. */
export interface FakeFile { filename: string; status: string; additions: number; deletions: number; changes: number; patch?: string; previous_filename?: string }
export interface FakePullRequestInput {
  number: number; title: string; body?: string;
  head: { sha: string; ref?: string; repoFullName?: string };
  base: { sha: string; ref?: string };
  user?: string; labels?: string[]; files: FakeFile[];
}
export interface FakeUser { login: string; type: string }
export interface FakeComment { id: number; body: string; user: FakeUser; created_at: string; updated_at: string }
/** A pull request review comment (inline, on the diff), or a reply to one. */
export interface FakeReviewComment {
  id: number; reviewId: number; path: string; body: string; commit_id: string; user: FakeUser; created_at: string;
  /** The line as posted; `line` in the API answer is null once a later push moved it off the diff. */
  line: number | null; side: 'LEFT' | 'RIGHT'; start_line: number | null; start_side: 'LEFT' | 'RIGHT' | null;
  position: number | null; in_reply_to_id?: number;
}
export interface FakeReview {
  id: number; body: string;
  /** The `event` the request sent (APPROVE, REQUEST_CHANGES, COMMENT), undefined for a pending review. */
  event: string | undefined;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING';
  commit_id: string; user: FakeUser; submitted_at: string; comments: FakeReviewComment[];
}
export interface FakeAnnotation {
  path: string; start_line: number; end_line: number; annotation_level: string; message: string;
  title?: string; raw_details?: string; start_column?: number; end_column?: number;
}
export interface FakeCheckRun {
  id: number; name: string; head_sha: string; status: string; conclusion: string | null;
  details_url: string | null; external_id: string | null; started_at: string; completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: FakeAnnotation[] };
}
export type CompareStatus = 'ahead' | 'behind' | 'diverged' | 'identical';
export interface FakeRequest {
  method: string;
  /** URL pathname, without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
  /** Token taken from the authorization header, if any. */
  token?: string;
}
export interface FakeResponseSpec { status: number; body?: unknown; headers?: Record<string, string> }
export interface FakeMatch { method: string; path: RegExp }
export interface FakeGitHubOptions { readOnly?: boolean; commentAuthor?: FakeUser }
export interface FakeGitHub {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
  /** Adds the pull request; called again with the same number it replaces it (a push: new head sha, new files). */
  addPullRequest(owner: string, repo: string, pr: FakePullRequestInput): void;
  setContents(owner: string, repo: string, ref: string, path: string, text: string): void;
  /** What `GET /repos/{o}/{r}/compare/{base}...{head}` answers; unknown pairs answer 404. */
  setCompare(owner: string, repo: string, base: string, head: string, comparison: { status: CompareStatus; files: FakeFile[] }): void;
  addComment(owner: string, repo: string, issueNumber: number, body: string, user?: FakeUser | string): FakeComment;
  comments(owner: string, repo: string, issueNumber: number): FakeComment[];
  /** Submitted and pending reviews of the pull request, oldest first, each with its inline comments. */
  reviews(owner: string, repo: string, pullNumber: number): FakeReview[];
  /** Every review comment of the pull request (replies included), oldest first. */
  reviewComments(owner: string, repo: string, pullNumber: number): FakeReviewComment[];
  /** Check runs created in the repository, oldest first, each with all its annotations. */
  checkRuns(owner: string, repo: string): FakeCheckRun[];
  clearRequests(): void;
  /** The next `times` matching requests are answered with `response` and not handled. */
  failNext(match: FakeMatch, response: FakeResponseSpec, times?: number): void;
  /** The next `times` matching requests are handled (a write lands) and then answered with `response`, like a gateway timeout. */
  failNextAfterLanding(match: FakeMatch, response: FakeResponseSpec, times?: number): void;
  /** The next `times` matching requests answer 403 with GitHub's secondary rate limit message and a `retry-after` header. */
  secondaryRateLimitNext(match: FakeMatch, retryAfterSeconds: number, times?: number): void;
  /** Matching requests (method `*` for any) answer 403 "Resource not accessible by integration" (or `message`) until `allow()`. */
  deny(method: string, path: RegExp, message?: string): void;
  allow(): void;
  setReadOnly(readOnly: boolean): void;
}

/** Whether a recorded request wrote: any method but GET, except a GraphQL query (the blob reads; the fake answers no mutation). */
export const isWrite = (r: FakeRequest): boolean => r.method !== 'GET' && r.path !== '/graphql';

export const READ_ONLY_MESSAGE = 'Resource not accessible by integration';
export const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE.';
/** GitHub's 422 `errors` entries for a review comment anchor it cannot place (it does not say which comment). */
export const REVIEW_ERRORS = {
  path: 'Path could not be resolved',
  line: 'Line could not be resolved',
  startLine: 'Pull request review thread start line must be part of the same hunk as the line.',
} as const;
const DOCS = 'https://docs.github.com/rest';
const REVIEW_DOCS = `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`;
const MAX_COMMENT = 65536;
const MAX_PR_FILES = 3000;
const MAX_COMPARE_FILES = 300;
const GRAPHQL_BLOB_TEXT_LIMIT = 512_000;
const MAX_ANNOTATIONS = 50;
const BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot' };
const REVIEW_STATES = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' } as const;
const ANNOTATION_LEVELS = ['notice', 'warning', 'failure'];
const CHECK_STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'];
const CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];

interface StoredComment extends FakeComment { key: string; issueNumber: number }
interface StoredReview extends FakeReview { key: string; pullNumber: number }
interface StoredReviewComment extends FakeReviewComment { key: string; pullNumber: number; diffHunk: string }
interface StoredCheckRun extends FakeCheckRun { repo: string }
interface Fault extends FakeMatch { response: FakeResponseSpec; remaining: number; afterLanding: boolean }
interface HunkLine { old?: number; new?: number }
interface ParsedHunk { text: string; lines: HunkLine[] }
type Json = Record<string, unknown>;
type Side = 'LEFT' | 'RIGHT';

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const blobSha = (text: string): string => sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const trimSlashes = (p: string): string => p.replace(/^\/+|\/+$/g, '');
const toUser = (u: FakeUser | string | undefined, fallback: FakeUser): FakeUser =>
  u === undefined ? { ...fallback } : typeof u === 'string' ? { login: u, type: u.endsWith('[bot]') ? 'Bot' : 'User' } : { ...u };
const userJson = (u: FakeUser): Json => ({ login: u.login, id: 1, type: u.type });
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

class HttpError {
  constructor(readonly status: number, readonly body: unknown) {}
}
const notFound = (message = 'Not Found', docs = DOCS): HttpError => new HttpError(404, { message, documentation_url: docs, status: '404' });
const invalid = (detail: string): HttpError => new HttpError(422, { message: `Invalid request.\n\n${detail}`, documentation_url: DOCS, status: '422' });
const unprocessable = (errors: string[]): HttpError =>
  new HttpError(422, { message: 'Unprocessable Entity', errors, documentation_url: REVIEW_DOCS, status: '422' });

/** The hunks of a GitHub `patch` (hunks only), with each line's base and head numbers. */
function parseHunks(patch: string | undefined): ParsedHunk[] {
  const hunks: ParsedHunk[] = [];
  let current: ParsedHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const text of (patch ?? '').split('\n')) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      current = { text, lines: [] };
      hunks.push(current);
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (!current || text === '' || text.startsWith('\\')) continue;
    current.text += `\n${text}`;
    if (text.startsWith('+')) current.lines.push({ new: newLine++ });
    else if (text.startsWith('-')) current.lines.push({ old: oldLine++ });
    else current.lines.push({ old: oldLine++, new: newLine++ });
  }
  return hunks;
}

/** Index of the hunk holding `line` on `side` (RIGHT: added or context; LEFT: deleted or context), or -1. */
const hunkOf = (hunks: ParsedHunk[], line: number, side: Side): number =>
  hunks.findIndex((h) => h.lines.some((l) => (side === 'RIGHT' ? l.new : l.old) === line));

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const commentAuthor: FakeUser = options.commentAuthor ?? { ...BOT };
  let readOnly = options.readOnly ?? false;
  const pulls = new Map<string, FakePullRequestInput>();
  /** Per pull request: every head sha it has had, with the files at that push. */
  const pushes = new Map<string, Map<string, FakeFile[]>>();
  const contents = new Map<string, { defaultRef: string; refs: Map<string, Map<string, string>> }>();
  const compares = new Map<string, { status: CompareStatus; files: FakeFile[] }>();
  const comments = new Map<number, StoredComment>();
  const reviews = new Map<number, StoredReview>();
  const reviewComments = new Map<number, StoredReviewComment>();
  const checkRuns = new Map<number, StoredCheckRun>();
  const knownIssues = new Set<string>();
  const knownShas = new Set<string>();
  const faults: Fault[] = [];
  const denials: { method: string; path: RegExp; message: string }[] = [];
  const requests: FakeRequest[] = [];
  let nextCommentId = 1000;
  let nextReviewId = 5000;
  let nextReviewCommentId = 20000;
  let nextCheckRunId = 7000;
  let url = '';

  const issueKey = (owner: string, repo: string, n: number): string => `${owner}/${repo}#${n}`.toLowerCase();
  const repoKey = (owner: string, repo: string): string => `${owner}/${repo}`.toLowerCase();
  const byId = <T extends { id: number }>(a: T, b: T): number => a.id - b.id;

  function storeComment(owner: string, repo: string, n: number, body: string, user: FakeUser): StoredComment {
    const ts = now();
    const key = issueKey(owner, repo, n);
    knownIssues.add(key);
    const c: StoredComment = { id: nextCommentId++, body, user, created_at: ts, updated_at: ts, key, issueNumber: n };
    comments.set(c.id, c);
    return c;
  }
  const publicComment = (c: StoredComment): FakeComment =>
    ({ id: c.id, body: c.body, user: { ...c.user }, created_at: c.created_at, updated_at: c.updated_at });
  function commentJson(owner: string, repo: string, c: StoredComment): Json {
    const api = `${url}/repos/${owner}/${repo}`;
    return {
      id: c.id, node_id: `IC_${c.id}`, url: `${api}/issues/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${c.issueNumber}`, body: c.body,
      user: userJson(c.user), created_at: c.created_at, updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    };
  }

  /** Slice `items` the way GitHub paginates and set a `link` header. */
  function paginate<T>(items: T[], req: URL, res: ServerResponse): T[] {
    const perRaw = Number.parseInt(req.searchParams.get('per_page') ?? '', 10);
    const pageRaw = Number.parseInt(req.searchParams.get('page') ?? '', 10);
    const perPage = Number.isFinite(perRaw) && perRaw > 0 ? Math.min(perRaw, 100) : 30;
    const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string): string => {
      const u = new URL(req.pathname + req.search, url);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    if (links.length > 0) res.setHeader('link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  function getPull(owner: string, repo: string, n: string): FakePullRequestInput {
    const pr = pulls.get(issueKey(owner, repo, Number(n)));
    if (!pr) throw notFound();
    return pr;
  }

  function pullJson(owner: string, repo: string, pr: FakePullRequestInput): Json {
    const full = `${owner}/${repo}`;
    const headFull = pr.head.repoFullName ?? full;
    const repoJson = (name: string): Json =>
      ({ full_name: name, name: name.split('/')[1] ?? name, owner: { login: name.split('/')[0] ?? name }, fork: name.toLowerCase() !== full.toLowerCase() });
    return {
      url: `${url}/repos/${full}/pulls/${pr.number}`, html_url: `https://github.com/${full}/pull/${pr.number}`,
      number: pr.number, state: 'open', draft: false, merged: false, title: pr.title, body: pr.body ?? null,
      user: { login: pr.user ?? 'octocat', id: 1, type: 'User' },
      labels: (pr.labels ?? []).map((name, i) => ({ id: i + 1, name })),
      head: { sha: pr.head.sha, ref: pr.head.ref ?? 'feature', label: `${headFull.split('/')[0]}:${pr.head.ref ?? 'feature'}`, repo: repoJson(headFull) },
      base: { sha: pr.base.sha, ref: pr.base.ref ?? 'main', label: `${owner}:${pr.base.ref ?? 'main'}`, repo: repoJson(full) },
      changed_files: pr.files.length,
      additions: pr.files.reduce((s, f) => s + f.additions, 0),
      deletions: pr.files.reduce((s, f) => s + f.deletions, 0),
      commits: 1,
    };
  }

  function fileJson(owner: string, repo: string, sha: string, f: FakeFile): Json {
    const enc = f.filename.split('/').map(encodeURIComponent).join('/');
    const out: Json = {
      sha: sha1(`${f.filename}\n${f.patch ?? ''}`), filename: f.filename, status: f.status,
      additions: f.additions, deletions: f.deletions, changes: f.changes,
      blob_url: `https://github.com/${owner}/${repo}/blob/${sha}/${enc}`,
      raw_url: `https://github.com/${owner}/${repo}/raw/${sha}/${enc}`,
      contents_url: `${url}/repos/${owner}/${repo}/contents/${enc}?ref=${sha}`,
    };
    if (f.patch !== undefined) out.patch = f.patch;
    if (f.previous_filename !== undefined) out.previous_filename = f.previous_filename;
    return out;
  }

  function commentBody(body: unknown, resource = 'IssueComment'): string {
    if (!isRecord(body) || typeof body.body !== 'string') {
      throw new HttpError(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' });
    }
    if (body.body.length > MAX_COMMENT) {
      throw new HttpError(422, {
        message: 'Validation Failed',
        errors: [{ resource, code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_COMMENT} characters)` }],
        documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`, status: '422',
      });
    }
    return body.body;
  }

  function getComment(owner: string, repo: string, id: string): StoredComment {
    const c = comments.get(Number(id));
    if (!c || !c.key.startsWith(`${repoKey(owner, repo)}#`)) throw notFound();
    return c;
  }

  function getContents(owner: string, repo: string, rawPath: string, ref: string | null, accept: string, res: ServerResponse): unknown {
    const stored = contents.get(repoKey(owner, repo));
    if (!stored) throw notFound();
    const useRef = ref ?? stored.defaultRef;
    const files = stored.refs.get(useRef);
    if (!files) throw notFound(`No commit found for the ref ${useRef}`);
    const path = trimSlashes(rawPath);
    const api = `${url}/repos/${owner}/${repo}/contents`;
    const text = files.get(path);
    if (text !== undefined) {
      if (/application\/vnd\.github(?:\.v3)?\.raw/.test(accept)) {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        return text;
      }
      return {
        type: 'file', encoding: 'base64', content: Buffer.from(text, 'utf8').toString('base64'),
        name: path.split('/').pop() ?? path, path, sha: blobSha(text), size: Buffer.byteLength(text),
        url: `${api}/${path}?ref=${useRef}`, download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${useRef}/${path}`,
      };
    }
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, Json>();
    for (const [p, t] of files) {
      if (!p.startsWith(prefix)) continue;
      const [name, ...rest] = p.slice(prefix.length).split('/');
      if (name === undefined || children.has(name)) continue;
      const childPath = prefix + name;
      const isDir = rest.length > 0;
      children.set(name, {
        type: isDir ? 'dir' : 'file', name, path: childPath, sha: isDir ? sha1(`tree ${childPath}`) : blobSha(t),
        size: isDir ? 0 : Buffer.byteLength(t), url: `${api}/${childPath}?ref=${useRef}`,
        download_url: isDir ? null : `https://raw.githubusercontent.com/${owner}/${repo}/${useRef}/${childPath}`,
      });
    }
    if (children.size === 0) throw notFound();
    return [...children.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  // ---- pull request reviews and review comments ----

  /** Files of the pull request at `sha`, one of its heads past or present. */
  function filesAt(key: string, sha: string): FakeFile[] | undefined {
    return pushes.get(key)?.get(sha);
  }

  interface Anchor { path: string; line: number | null; side: Side; start_line: number | null; start_side: Side | null; position: number | null; diffHunk: string }

  /** Where a review comment sits on the diff, or GitHub's error entry for it. */
  function resolveAnchor(files: FakeFile[], c: Json): Anchor | string {
    const file = files.find((f) => f.filename === c.path);
    if (!file) return REVIEW_ERRORS.path;
    const hunks = parseHunks(file.patch);
    const position = int(c.position);
    if (position !== undefined) {
      const lines = (file.patch ?? '').split('\n').length - 1;
      if (position < 1 || position > lines) return REVIEW_ERRORS.line;
      return { path: file.filename, line: null, side: 'RIGHT', start_line: null, start_side: null, position, diffHunk: hunks[0]?.text ?? '' };
    }
    const line = int(c.line);
    const side: Side = c.side === 'LEFT' ? 'LEFT' : 'RIGHT';
    const at = line === undefined ? -1 : hunkOf(hunks, line, side);
    if (line === undefined || at < 0) return REVIEW_ERRORS.line;
    const startLine = int(c.start_line);
    const startSide: Side = c.start_side === 'LEFT' ? 'LEFT' : c.start_side === 'RIGHT' ? 'RIGHT' : side;
    if (startLine !== undefined && ((startLine >= line && startSide === side) || hunkOf(hunks, startLine, startSide) !== at)) return REVIEW_ERRORS.startLine;
    return {
      path: file.filename, line, side, start_line: startLine ?? null, start_side: startLine === undefined ? null : startSide,
      position: null, diffHunk: hunks[at]?.text ?? '',
    };
  }

  function createReview(owner: string, repo: string, n: string, body: unknown): StoredReview {
    const pr = getPull(owner, repo, n);
    const key = issueKey(owner, repo, pr.number);
    const req = isRecord(body) ? body : {};
    const commitId = str(req.commit_id) ?? pr.head.sha;
    const files = filesAt(key, commitId);
    if (!files) throw unprocessable(['Commit could not be resolved']);
    const event = str(req.event);
    if (event !== undefined && !(event in REVIEW_STATES)) {
      throw new HttpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequestReview', code: 'invalid', field: 'event' }], documentation_url: REVIEW_DOCS, status: '422' });
    }
    const text = str(req.body) ?? '';
    const wanted = Array.isArray(req.comments) ? req.comments.filter(isRecord) : [];
    if (event === 'REQUEST_CHANGES' && text.trim() === '') throw unprocessable(['Review body is required when requesting changes']);
    if (event === 'COMMENT' && text.trim() === '' && wanted.length === 0) throw unprocessable(['Review body is required']);
    if (text.length > MAX_COMMENT) commentBody({ body: text }, 'PullRequestReview');
    const anchors = wanted.map((c) => resolveAnchor(files, c));
    const errors = [...new Set(anchors.filter((a): a is string => typeof a === 'string'))];
    if (errors.length > 0) throw unprocessable(errors);
    const ts = now();
    const state = event === undefined ? 'PENDING' : REVIEW_STATES[event as keyof typeof REVIEW_STATES];
    const review: StoredReview = { id: nextReviewId++, body: text, event, state, commit_id: commitId, user: { ...commentAuthor }, submitted_at: ts, comments: [], key, pullNumber: pr.number };
    wanted.forEach((c, i) => {
      const anchor = anchors[i] as Anchor;
      const stored: StoredReviewComment = {
        id: nextReviewCommentId++, reviewId: review.id, body: commentBody(c, 'PullRequestReviewComment'), commit_id: commitId,
        user: { ...commentAuthor }, created_at: ts, key, pullNumber: pr.number, ...anchor,
      };
      reviewComments.set(stored.id, stored);
    });
    reviews.set(review.id, review);
    return review;
  }

  function replyTo(owner: string, repo: string, n: string, commentId: string, body: unknown): StoredReviewComment {
    const pr = getPull(owner, repo, n);
    const parent = reviewComments.get(Number(commentId));
    if (!parent || parent.key !== issueKey(owner, repo, pr.number)) throw notFound();
    const root = parent.in_reply_to_id === undefined ? parent : (reviewComments.get(parent.in_reply_to_id) ?? parent);
    const ts = now();
    // GitHub files each standalone reply under a review of its own, with an empty body.
    const review: StoredReview = { id: nextReviewId++, body: '', event: 'COMMENT', state: 'COMMENTED', commit_id: pr.head.sha, user: { ...commentAuthor }, submitted_at: ts, comments: [], key: root.key, pullNumber: pr.number };
    reviews.set(review.id, review);
    const reply: StoredReviewComment = { ...root, id: nextReviewCommentId++, reviewId: review.id, body: commentBody(body, 'PullRequestReviewComment'), user: { ...commentAuthor }, created_at: ts, in_reply_to_id: root.id };
    reviewComments.set(reply.id, reply);
    return reply;
  }

  /** A comment's current line: null once the pull request's head moved and the anchor no longer resolves there. */
  function currentLine(c: StoredReviewComment): number | null {
    const pr = pulls.get(c.key);
    if (!pr || c.line === null || pr.head.sha === c.commit_id) return c.line;
    const anchor = resolveAnchor(pr.files, { path: c.path, line: c.line, side: c.side });
    return typeof anchor === 'string' ? null : c.line;
  }

  const reviewCommentsOf = (key: string, reviewId?: number): StoredReviewComment[] =>
    [...reviewComments.values()].filter((c) => c.key === key && (reviewId === undefined || c.reviewId === reviewId)).sort(byId);

  function reviewCommentJson(owner: string, repo: string, c: StoredReviewComment): Json {
    const line = currentLine(c);
    const out: Json = {
      id: c.id, node_id: `PRRC_${c.id}`, url: `${url}/repos/${owner}/${repo}/pulls/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${c.pullNumber}#discussion_r${c.id}`,
      pull_request_url: `${url}/repos/${owner}/${repo}/pulls/${c.pullNumber}`, pull_request_review_id: c.reviewId,
      diff_hunk: c.diffHunk, path: c.path, commit_id: c.commit_id, original_commit_id: c.commit_id,
      position: line === null ? null : c.position, original_position: c.position,
      line, original_line: c.line, side: c.side, start_line: line === null ? null : c.start_line, original_start_line: c.start_line,
      start_side: c.start_side, subject_type: 'line', body: c.body, user: userJson(c.user),
      created_at: c.created_at, updated_at: c.created_at, author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    };
    if (c.in_reply_to_id !== undefined) out.in_reply_to_id = c.in_reply_to_id;
    return out;
  }

  function reviewJson(owner: string, repo: string, r: StoredReview): Json {
    return {
      id: r.id, node_id: `PRR_${r.id}`, user: userJson(r.user), body: r.body, state: r.state, commit_id: r.commit_id,
      html_url: `https://github.com/${owner}/${repo}/pull/${r.pullNumber}#pullrequestreview-${r.id}`,
      pull_request_url: `${url}/repos/${owner}/${repo}/pulls/${r.pullNumber}`,
      ...(r.state === 'PENDING' ? {} : { submitted_at: r.submitted_at }),
      author_association: r.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    };
  }

  const publicReviewComment = (c: StoredReviewComment): FakeReviewComment => {
    const { key: _key, pullNumber: _n, diffHunk: _h, ...rest } = c;
    return { ...rest, user: { ...c.user } };
  };

  // ---- check runs ----

  function validAnnotations(raw: unknown): FakeAnnotation[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw invalid('For \'properties/annotations\', the value is not an array.');
    if (raw.length > MAX_ANNOTATIONS) throw invalid(`No more than ${MAX_ANNOTATIONS} items are allowed; ${raw.length} were supplied.`);
    return raw.map((a: unknown) => {
      if (!isRecord(a)) throw invalid('For \'items\', the value is not an object.');
      for (const field of ['path', 'start_line', 'end_line', 'annotation_level', 'message']) {
        if (a[field] === undefined) throw invalid(`"${field}" wasn't supplied.`);
      }
      if (!ANNOTATION_LEVELS.includes(String(a.annotation_level))) {
        throw invalid(`For 'properties/annotation_level', "${String(a.annotation_level)}" is not one of ["notice", "warning", "failure"].`);
      }
      return { ...a } as unknown as FakeAnnotation;
    });
  }

  /** Applies `name`, `status`, `conclusion`, `output` (annotations appended) of a create or update request. */
  function applyCheckRun(run: StoredCheckRun, body: Json, creating: boolean): void {
    if (body.name !== undefined) run.name = String(body.name);
    for (const field of ['details_url', 'external_id'] as const) if (typeof body[field] === 'string') run[field] = body[field];
    const conclusion = str(body.conclusion);
    const status = str(body.status);
    if (status !== undefined && !CHECK_STATUSES.includes(status)) throw invalid(`For 'properties/status', "${status}" is not one of ${JSON.stringify(CHECK_STATUSES)}.`);
    if (conclusion !== undefined && !CONCLUSIONS.includes(conclusion)) throw invalid(`For 'properties/conclusion', "${conclusion}" is not one of ${JSON.stringify(CONCLUSIONS)}.`);
    if (status === 'completed' && conclusion === undefined && run.conclusion === null) throw invalid('"conclusion" wasn\'t supplied.');
    if (body.output !== undefined) {
      if (!isRecord(body.output)) throw invalid('For \'properties/output\', the value is not an object.');
      const out = body.output;
      if (creating && typeof out.title !== 'string') throw invalid('"title" wasn\'t supplied.');
      if (typeof out.summary !== 'string') throw invalid('"summary" wasn\'t supplied.');
      for (const field of ['summary', 'text'] as const) {
        const value = out[field];
        if (typeof value === 'string' && value.length > MAX_COMMENT - 1) throw invalid(`"${field}" is too long (maximum is ${MAX_COMMENT - 1} characters).`);
      }
      const annotations = validAnnotations(out.annotations);
      if (typeof out.title === 'string') run.output.title = out.title;
      run.output.summary = out.summary;
      if (typeof out.text === 'string') run.output.text = out.text;
      run.output.annotations.push(...annotations);
    }
    if (status !== undefined) run.status = status;
    if (conclusion !== undefined) {
      run.conclusion = conclusion;
      run.status = 'completed';
    }
    if (run.status === 'completed' && run.completed_at === null) run.completed_at = now();
  }

  function createCheckRun(owner: string, repo: string, body: unknown): StoredCheckRun {
    if (!isRecord(body) || typeof body.name !== 'string') throw invalid('"name" wasn\'t supplied.');
    if (typeof body.head_sha !== 'string') throw invalid('"head_sha" wasn\'t supplied.');
    if (!knownShas.has(body.head_sha)) throw new HttpError(422, { message: `No commit found for SHA: ${body.head_sha}`, documentation_url: `${DOCS}/checks/runs#create-a-check-run`, status: '422' });
    const run: StoredCheckRun = {
      id: nextCheckRunId++, name: body.name, head_sha: body.head_sha, status: 'queued', conclusion: null, details_url: null, external_id: null,
      started_at: now(), completed_at: null, output: { title: null, summary: null, text: null, annotations: [] }, repo: repoKey(owner, repo),
    };
    applyCheckRun(run, body, true);
    checkRuns.set(run.id, run);
    return run;
  }

  function getCheckRun(owner: string, repo: string, id: string): StoredCheckRun {
    const run = checkRuns.get(Number(id));
    if (!run || run.repo !== repoKey(owner, repo)) throw notFound();
    return run;
  }

  function checkRunJson(owner: string, repo: string, run: StoredCheckRun): Json {
    const api = `${url}/repos/${owner}/${repo}/check-runs/${run.id}`;
    return {
      id: run.id, node_id: `CR_${run.id}`, name: run.name, head_sha: run.head_sha, external_id: run.external_id ?? '',
      url: api, html_url: `https://github.com/${owner}/${repo}/runs/${run.id}`, details_url: run.details_url,
      status: run.status, conclusion: run.conclusion, started_at: run.started_at, completed_at: run.completed_at,
      output: { title: run.output.title, summary: run.output.summary, text: run.output.text, annotations_count: run.output.annotations.length, annotations_url: `${api}/annotations` },
      check_suite: { id: 1 }, app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }, pull_requests: [],
    };
  }

  /** `GET commits/{ref}/check-runs`: the latest run per name by default (`filter=all` for every run). */
  function listCheckRuns(owner: string, repo: string, ref: string, u: URL, res: ServerResponse): Json {
    const heads = [...pulls.entries()].filter(([k, pr]) => k.startsWith(`${repoKey(owner, repo)}#`) && pr.head.ref === ref).map(([, pr]) => pr.head.sha);
    const shas = new Set([ref, ...heads]);
    let runs = [...checkRuns.values()].filter((r) => r.repo === repoKey(owner, repo) && shas.has(r.head_sha)).sort((a, b) => b.id - a.id);
    const name = u.searchParams.get('check_name');
    const status = u.searchParams.get('status');
    if (name !== null) runs = runs.filter((r) => r.name === name);
    if (status !== null) runs = runs.filter((r) => r.status === status);
    if (u.searchParams.get('filter') !== 'all') runs = runs.filter((r, i) => runs.findIndex((x) => x.name === r.name) === i);
    return { total_count: runs.length, check_runs: paginate(runs, u, res).map((r) => checkRunJson(owner, repo, r)) };
  }

  // ---- compare ----

  function compareJson(owner: string, repo: string, basehead: string, u: URL): Json {
    const [base = '', head = ''] = basehead.split('...');
    const stored = compares.get(`${repoKey(owner, repo)} ${base}...${head}`);
    if (!stored) throw notFound(`No common ancestor between ${base} and ${head}.`, `${DOCS}/commits/commits#compare-two-commits`);
    const ahead = stored.status === 'ahead' || stored.status === 'diverged' ? 1 : 0;
    const behind = stored.status === 'behind' || stored.status === 'diverged' ? 1 : 0;
    const page = Number.parseInt(u.searchParams.get('page') ?? '1', 10);
    const full = `${owner}/${repo}`;
    return {
      url: `${url}/repos/${full}/compare/${base}...${head}`, html_url: `https://github.com/${full}/compare/${base}...${head}`,
      permalink_url: `https://github.com/${full}/compare/${owner}:${base}...${owner}:${head}`,
      diff_url: `https://github.com/${full}/compare/${base}...${head}.diff`, patch_url: `https://github.com/${full}/compare/${base}...${head}.patch`,
      base_commit: { sha: base }, merge_base_commit: { sha: stored.status === 'ahead' || stored.status === 'identical' ? base : sha1(`merge-base ${base} ${head}`) },
      status: stored.status, ahead_by: ahead, behind_by: behind, total_commits: ahead,
      commits: ahead ? [{ sha: head, commit: { message: 'fake commit' } }] : [],
      // With pagination GitHub lists the files on the first page only, 300 at most.
      files: page > 1 ? [] : stored.files.slice(0, MAX_COMPARE_FILES).map((f) => fileJson(owner, repo, head, f)),
    };
  }

  // ---- GraphQL (the blob reads only) ----

  /**
   * `POST /graphql` for the one query shape the action sends: `repository(owner:, name:)` with aliased
   * `object(expression: $var) { ... on Blob { … } }` fields, expressions `<ref>:<path>` as variables.
   * As GitHub does: a missing object is null, a folder matches no Blob fields (`{}`), an unknown
   * repository is null with a NOT_FOUND error; any other query gets a GraphQL error.
   */
  function graphql(body: unknown): Json {
    const query = isRecord(body) ? str(body.query) : undefined;
    const variables = isRecord(body) && isRecord(body.variables) ? body.variables : {};
    const repoArgs = query && /repository\(owner:\s*\$(\w+),\s*name:\s*\$(\w+)\)/.exec(query);
    if (!query || !repoArgs) return { errors: [{ message: 'fake-github: only the blob query is supported' }] };
    const owner = str(variables[repoArgs[1] ?? '']) ?? '';
    const name = str(variables[repoArgs[2] ?? '']) ?? '';
    const stored = contents.get(repoKey(owner, name));
    if (!stored) {
      return { data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${owner}/${name}'.` }] };
    }
    const repository: Json = {};
    for (const m of query.matchAll(/(\w+):\s*object\(expression:\s*\$(\w+)\)/g)) {
      const expression = str(variables[m[2] ?? '']) ?? '';
      const cut = expression.indexOf(':');
      const files = stored.refs.get(expression.slice(0, cut));
      const path = trimSlashes(expression.slice(cut + 1));
      const text = files?.get(path);
      const isFolder = files !== undefined && [...files.keys()].some((p) => p.startsWith(`${path}/`));
      // GraphQL gives at most 512,000 bytes of a blob's text and says when it cut it.
      const bytes = text === undefined ? 0 : Buffer.byteLength(text);
      const binary = text?.includes('\0') ?? false;
      repository[m[1] ?? ''] =
        text !== undefined
          ? { byteSize: bytes, isBinary: binary, isTruncated: bytes > GRAPHQL_BLOB_TEXT_LIMIT, text: binary ? null : Buffer.from(text).subarray(0, GRAPHQL_BLOB_TEXT_LIMIT).toString('utf8') }
          : isFolder ? {} : null;
    }
    return { data: { repository } };
  }

  // ---- routing ----

  function route(method: string, u: URL, body: unknown, headers: IncomingHttpHeaders, res: ServerResponse): [number, unknown] {
    if (method === 'POST' && u.pathname === '/graphql') return [200, graphql(body)];
    const m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (!m) throw notFound();
    const [, o = '', r = '', rest = ''] = m;
    const owner = decodeURIComponent(o);
    const repo = decodeURIComponent(r);
    const contentsPath = /^contents(?:\/(.*))?$/.exec(rest);
    if (method === 'GET' && contentsPath) {
      return [200, getContents(owner, repo, decodeURIComponent(contentsPath[1] ?? ''), u.searchParams.get('ref'), String(headers.accept ?? ''), res)];
    }
    const compare = /^compare\/(.+)$/.exec(rest);
    if (method === 'GET' && compare) return [200, compareJson(owner, repo, decodeURIComponent(compare[1] ?? ''), u)];
    const commitRuns = /^commits\/([^/]+)\/check-runs$/.exec(rest);
    if (method === 'GET' && commitRuns) return [200, listCheckRuns(owner, repo, decodeURIComponent(commitRuns[1] ?? ''), u, res)];
    const ids: string[] = [];
    const shape = rest.replace(/(^|\/)(\d+)(?=\/|$)/g, (_all, slash: string, id: string) => {
      ids.push(id);
      return `${slash}:n`;
    });
    const [a = '', b = ''] = ids;
    switch (`${method} ${shape}`) {
      case 'GET pulls/:n': return [200, pullJson(owner, repo, getPull(owner, repo, a))];
      case 'GET pulls/:n/files': {
        const pr = getPull(owner, repo, a);
        return [200, paginate(pr.files.slice(0, MAX_PR_FILES), u, res).map((f) => fileJson(owner, repo, pr.head.sha, f))];
      }
      case 'GET pulls/:n/reviews': {
        const key = issueKey(owner, repo, getPull(owner, repo, a).number);
        const list = [...reviews.values()].filter((x) => x.key === key).sort(byId);
        return [200, paginate(list, u, res).map((x) => reviewJson(owner, repo, x))];
      }
      case 'POST pulls/:n/reviews': return [200, reviewJson(owner, repo, createReview(owner, repo, a, body))];
      case 'GET pulls/:n/reviews/:n': {
        const review = reviews.get(Number(b));
        if (!review || review.key !== issueKey(owner, repo, Number(a))) throw notFound();
        return [200, reviewJson(owner, repo, review)];
      }
      case 'GET pulls/:n/comments': {
        const key = issueKey(owner, repo, getPull(owner, repo, a).number);
        const pending = new Set([...reviews.values()].filter((x) => x.state === 'PENDING').map((x) => x.id));
        const list = reviewCommentsOf(key).filter((c) => !pending.has(c.reviewId));
        return [200, paginate(list, u, res).map((c) => reviewCommentJson(owner, repo, c))];
      }
      case 'GET pulls/comments/:n': {
        const c = reviewComments.get(Number(a));
        if (!c || !c.key.startsWith(`${repoKey(owner, repo)}#`)) throw notFound();
        return [200, reviewCommentJson(owner, repo, c)];
      }
      case 'POST pulls/:n/comments/:n/replies': return [201, reviewCommentJson(owner, repo, replyTo(owner, repo, a, b, body))];
      case 'GET issues/:n/comments': {
        const key = issueKey(owner, repo, Number(a));
        const list = [...comments.values()].filter((x) => x.key === key).sort(byId);
        return [200, paginate(list, u, res).map((x) => commentJson(owner, repo, x))];
      }
      case 'POST issues/:n/comments': {
        const n = Number(a);
        if (!knownIssues.has(issueKey(owner, repo, n))) throw notFound();
        return [201, commentJson(owner, repo, storeComment(owner, repo, n, commentBody(body), { ...commentAuthor }))];
      }
      case 'GET issues/comments/:n': return [200, commentJson(owner, repo, getComment(owner, repo, a))];
      case 'PATCH issues/comments/:n': {
        const existing = getComment(owner, repo, a);
        existing.body = commentBody(body);
        existing.updated_at = now();
        return [200, commentJson(owner, repo, existing)];
      }
      case 'DELETE issues/comments/:n': {
        comments.delete(getComment(owner, repo, a).id);
        return [204, undefined];
      }
      case 'POST check-runs': return [201, checkRunJson(owner, repo, createCheckRun(owner, repo, body))];
      case 'GET check-runs/:n': return [200, checkRunJson(owner, repo, getCheckRun(owner, repo, a))];
      case 'PATCH check-runs/:n': {
        const run = getCheckRun(owner, repo, a);
        applyCheckRun(run, isRecord(body) ? body : {}, false);
        return [200, checkRunJson(owner, repo, run)];
      }
      case 'GET check-runs/:n/annotations': {
        const run = getCheckRun(owner, repo, a);
        return [200, paginate(run.output.annotations, u, res).map((x) => ({ ...x, blob_href: `https://github.com/${owner}/${repo}/blob/${run.head_sha}/${x.path}` }))];
      }
      default: throw notFound();
    }
  }

  const matches = (f: FakeMatch, method: string, path: string): boolean => {
    f.path.lastIndex = 0;
    return (f.method === '*' || f.method.toUpperCase() === method) && f.path.test(path);
  };

  function answerFault(fault: Fault, res: ServerResponse): HttpError {
    fault.remaining -= 1;
    for (const [k, v] of Object.entries(fault.response.headers ?? {})) res.setHeader(k, v);
    return new HttpError(fault.response.status, fault.response.body ?? { message: STATUS_CODES[fault.response.status] ?? 'Error' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw === '' ? undefined : raw;
    let badJson = false;
    if (raw !== '') {
      try { body = JSON.parse(raw); } catch { badJson = /json/i.test(String(req.headers['content-type'] ?? '')); }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const u = new URL(req.url ?? '/', url);
    const auth = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    const record: FakeRequest = { method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body };
    if (auth?.[1] !== undefined) record.token = auth[1];
    requests.push(record);

    res.setHeader('x-ratelimit-limit', '5000');
    res.setHeader('x-ratelimit-remaining', '4999');
    res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 3600));
    res.setHeader('x-ratelimit-resource', 'core');
    let status = 200;
    let payload: unknown;
    const fault = faults.find((f) => f.remaining > 0 && matches(f, method, u.pathname));
    const denial = denials.find((d) => matches(d, method, u.pathname));
    try {
      if (!auth) throw new HttpError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      if (fault && !fault.afterLanding) throw answerFault(fault, res);
      // A GraphQL query reads (the fake answers no mutation), so a read-only token may send it.
      if (denial || (readOnly && ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method) && u.pathname !== '/graphql')) {
        throw new HttpError(403, { message: denial?.message ?? READ_ONLY_MESSAGE, documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`, status: '403' });
      }
      if (badJson) throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      [status, payload] = route(method, u, body, req.headers, res);
      if (fault) throw answerFault(fault, res);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      res.removeHeader('link');
      status = err.status;
      payload = err.body;
    }
    if (typeof payload === 'string' && res.hasHeader('content-type')) {
      res.writeHead(status).end(payload);
    } else {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(payload === undefined ? '' : JSON.stringify(payload));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `fake-github internal error: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addFault = (match: FakeMatch, response: FakeResponseSpec, times: number, afterLanding: boolean): void => {
    faults.push({ method: match.method, path: match.path, response, remaining: times, afterLanding });
  };

  return {
    url,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
    addPullRequest(owner, repo, pr) {
      const key = issueKey(owner, repo, pr.number);
      const files = pr.files.map((f) => ({ ...f }));
      pulls.set(key, { ...pr, files });
      const history = pushes.get(key) ?? new Map<string, FakeFile[]>();
      history.set(pr.head.sha, files);
      pushes.set(key, history);
      knownIssues.add(key);
      knownShas.add(pr.head.sha).add(pr.base.sha);
    },
    setContents(owner, repo, ref, path, text) {
      const key = repoKey(owner, repo);
      const stored = contents.get(key) ?? { defaultRef: ref, refs: new Map<string, Map<string, string>>() };
      stored.defaultRef = ref;
      const files = stored.refs.get(ref) ?? new Map<string, string>();
      files.set(trimSlashes(path), text);
      stored.refs.set(ref, files);
      contents.set(key, stored);
      knownShas.add(ref);
    },
    setCompare(owner, repo, base, head, comparison) {
      compares.set(`${repoKey(owner, repo)} ${base}...${head}`, { status: comparison.status, files: comparison.files.map((f) => ({ ...f })) });
      knownShas.add(base).add(head);
    },
    addComment: (owner, repo, n, body, user) =>
      publicComment(storeComment(owner, repo, n, body, toUser(user, { login: 'octocat', type: 'User' }))),
    comments(owner, repo, n) {
      const key = issueKey(owner, repo, n);
      return [...comments.values()].filter((c) => c.key === key).sort(byId).map(publicComment);
    },
    reviews(owner, repo, n) {
      const key = issueKey(owner, repo, n);
      return [...reviews.values()].filter((r) => r.key === key).sort(byId).map((r) => ({
        id: r.id, body: r.body, event: r.event, state: r.state, commit_id: r.commit_id, user: { ...r.user }, submitted_at: r.submitted_at,
        comments: reviewCommentsOf(key, r.id).map(publicReviewComment),
      }));
    },
    reviewComments: (owner, repo, n) => reviewCommentsOf(issueKey(owner, repo, n)).map(publicReviewComment),
    checkRuns(owner, repo) {
      return [...checkRuns.values()].filter((r) => r.repo === repoKey(owner, repo)).sort(byId).map(({ repo: _repo, ...run }) => ({
        ...run, output: { ...run.output, annotations: run.output.annotations.map((x) => ({ ...x })) },
      }));
    },
    clearRequests: () => { requests.length = 0; },
    failNext: (match, response, times = 1) => addFault(match, response, times, false),
    failNextAfterLanding: (match, response, times = 1) => addFault(match, response, times, true),
    secondaryRateLimitNext(match, retryAfterSeconds, times = 1) {
      addFault(match, {
        status: 403,
        body: { message: SECONDARY_RATE_LIMIT_MESSAGE, documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: '403' },
        headers: { 'retry-after': String(retryAfterSeconds) },
      }, times, false);
    },
    deny(method, path, message = READ_ONLY_MESSAGE) {
      denials.push({ method, path, message });
    },
    allow: () => { denials.length = 0; },
    setReadOnly: (value) => { readOnly = value; },
  };
}
