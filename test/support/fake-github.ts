/**
 * In-memory fake of the slice of the GitHub REST API that Architect Review uses.
 * Runs a real `node:http` server on 127.0.0.1 so tests exercise the real Octokit stack.
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
export interface FakeGitHubOptions { readOnly?: boolean; commentAuthor?: FakeUser }
export interface FakeGitHub {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
  addPullRequest(owner: string, repo: string, pr: FakePullRequestInput): void;
  setContents(owner: string, repo: string, ref: string, path: string, text: string): void;
  addComment(owner: string, repo: string, issueNumber: number, body: string, user?: FakeUser | string): FakeComment;
  comments(owner: string, repo: string, issueNumber: number): FakeComment[];
  clearRequests(): void;
  failNext(match: { method: string; path: RegExp }, response: FakeResponseSpec, times?: number): void;
  setReadOnly(readOnly: boolean): void;
}

export const READ_ONLY_MESSAGE = 'Resource not accessible by integration';
const DOCS = 'https://docs.github.com/rest';
const MAX_COMMENT = 65536;
const MAX_PR_FILES = 3000;

interface StoredComment extends FakeComment { key: string; issueNumber: number }
type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const blobSha = (text: string): string => sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const trimSlashes = (p: string): string => p.replace(/^\/+|\/+$/g, '');
const toUser = (u: FakeUser | string | undefined, fallback: FakeUser): FakeUser =>
  u === undefined ? { ...fallback } : typeof u === 'string' ? { login: u, type: u.endsWith('[bot]') ? 'Bot' : 'User' } : { ...u };

class HttpError {
  constructor(readonly status: number, readonly body: unknown) {}
}
const notFound = (message = 'Not Found'): HttpError => new HttpError(404, { message, documentation_url: DOCS, status: '404' });

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const commentAuthor: FakeUser = options.commentAuthor ?? { login: 'github-actions[bot]', type: 'Bot' };
  let readOnly = options.readOnly ?? false;
  const pulls = new Map<string, FakePullRequestInput>();
  const contents = new Map<string, { defaultRef: string; refs: Map<string, Map<string, string>> }>();
  const comments = new Map<number, StoredComment>();
  const knownIssues = new Set<string>();
  const faults: { method: string; path: RegExp; response: FakeResponseSpec; remaining: number }[] = [];
  const requests: FakeRequest[] = [];
  let nextCommentId = 1000;
  let url = '';

  const issueKey = (owner: string, repo: string, n: number): string => `${owner}/${repo}#${n}`.toLowerCase();
  const repoKey = (owner: string, repo: string): string => `${owner}/${repo}`.toLowerCase();

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
      user: { login: c.user.login, id: 1, type: c.user.type }, created_at: c.created_at, updated_at: c.updated_at,
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

  function fileJson(owner: string, repo: string, pr: FakePullRequestInput, f: FakeFile): Json {
    const enc = f.filename.split('/').map(encodeURIComponent).join('/');
    const out: Json = {
      sha: sha1(`${f.filename}\n${f.patch ?? ''}`), filename: f.filename, status: f.status,
      additions: f.additions, deletions: f.deletions, changes: f.changes,
      blob_url: `https://github.com/${owner}/${repo}/blob/${pr.head.sha}/${enc}`,
      raw_url: `https://github.com/${owner}/${repo}/raw/${pr.head.sha}/${enc}`,
      contents_url: `${url}/repos/${owner}/${repo}/contents/${enc}?ref=${pr.head.sha}`,
    };
    if (f.patch !== undefined) out.patch = f.patch;
    if (f.previous_filename !== undefined) out.previous_filename = f.previous_filename;
    return out;
  }

  function commentBody(body: unknown): string {
    if (!isRecord(body) || typeof body.body !== 'string') {
      throw new HttpError(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' });
    }
    if (body.body.length > MAX_COMMENT) {
      throw new HttpError(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_COMMENT} characters)` }],
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

  function route(method: string, u: URL, body: unknown, headers: IncomingHttpHeaders, res: ServerResponse): [number, unknown] {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (!m) throw notFound();
    const [, o = '', r = '', rest = ''] = m;
    const owner = decodeURIComponent(o);
    const repo = decodeURIComponent(r);
    const contentsPath = /^contents(?:\/(.*))?$/.exec(rest);
    if (method === 'GET' && contentsPath) {
      return [200, getContents(owner, repo, decodeURIComponent(contentsPath[1] ?? ''), u.searchParams.get('ref'), String(headers.accept ?? ''), res)];
    }
    const idRe = /^(pulls|issues|issues\/comments)\/(\d+)/;
    const a = idRe.exec(rest)?.[2] ?? '';
    switch (`${method} ${rest.replace(idRe, '$1/:n')}`) {
      case 'GET pulls/:n': return [200, pullJson(owner, repo, getPull(owner, repo, a))];
      case 'GET pulls/:n/files': {
        const pr = getPull(owner, repo, a);
        return [200, paginate(pr.files.slice(0, MAX_PR_FILES), u, res).map((f) => fileJson(owner, repo, pr, f))];
      }
      case 'GET issues/:n/comments': {
        const key = issueKey(owner, repo, Number(a));
        const list = [...comments.values()].filter((x) => x.key === key).sort((x, y) => x.id - y.id);
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
      default: throw notFound();
    }
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
    const fault = faults.find((f) => {
      f.path.lastIndex = 0;
      return f.remaining > 0 && f.method.toUpperCase() === method && f.path.test(u.pathname);
    });
    try {
      if (!auth) throw new HttpError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      if (fault) {
        fault.remaining -= 1;
        for (const [k, v] of Object.entries(fault.response.headers ?? {})) res.setHeader(k, v);
        throw new HttpError(fault.response.status, fault.response.body ?? { message: STATUS_CODES[fault.response.status] ?? 'Error' });
      }
      if (readOnly && ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method)) {
        throw new HttpError(403, { message: READ_ONLY_MESSAGE, documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`, status: '403' });
      }
      if (badJson) throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      [status, payload] = route(method, u, body, req.headers, res);
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

  return {
    url,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
    addPullRequest(owner, repo, pr) {
      pulls.set(issueKey(owner, repo, pr.number), { ...pr, files: [...pr.files] });
      knownIssues.add(issueKey(owner, repo, pr.number));
    },
    setContents(owner, repo, ref, path, text) {
      const key = repoKey(owner, repo);
      const stored = contents.get(key) ?? { defaultRef: ref, refs: new Map<string, Map<string, string>>() };
      stored.defaultRef = ref;
      const files = stored.refs.get(ref) ?? new Map<string, string>();
      files.set(trimSlashes(path), text);
      stored.refs.set(ref, files);
      contents.set(key, stored);
    },
    addComment: (owner, repo, n, body, user) =>
      publicComment(storeComment(owner, repo, n, body, toUser(user, { login: 'octocat', type: 'User' }))),
    comments(owner, repo, n) {
      const key = issueKey(owner, repo, n);
      return [...comments.values()].filter((c) => c.key === key).sort((x, y) => x.id - y.id).map(publicComment);
    },
    clearRequests: () => { requests.length = 0; },
    failNext(match, response, times = 1) {
      faults.push({ method: match.method, path: match.path, response, remaining: times });
    },
    setReadOnly: (value) => { readOnly = value; },
  };
}
