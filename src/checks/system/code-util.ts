/**
 * Helpers shared by the system rules over application code: which family a file belongs to, the views
 * a rule reads (each hunk's head side, or the whole head file when its content was fetched), the
 * base side of a hunk for removed code, and where a line runs: a request handler or not.
 */
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import { enclosingOpeners, headLines, indentOf, type HeadLine } from '../lines.js';

export type Family = 'python' | 'script' | 'go';

export function familyOf(file: ChangedFile): Family | undefined {
  if (file.language === 'python') return 'python';
  if (file.language === 'typescript' || file.language === 'javascript') return 'script';
  if (file.language === 'go') return 'go';
  return undefined;
}

const TEST_PATH =
  /(?:^|\/)(?:tests?|__tests__|__mocks__|spec|specs|e2e|fixtures|testdata)\/|(?:^|\/)test_[^/]*\.py$|_test\.(?:py|go)$|(?:^|\/)conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/;
/** One-off programs: a client built there lives as long as the run, not per request. */
const SCRIPT_PATH = /(?:^|\/)(?:scripts?|bin|tools|migrations|alembic|notebooks|seeds?)\//;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

export function isScriptPath(path: string): boolean {
  return SCRIPT_PATH.test(path);
}

/**
 * The head-side views a rule reads: the whole head file (as one view, each line flagged if the change
 * added it) when its content was fetched, else each hunk's head-side lines.
 */
export function headViews(file: ChangedFile): HeadLine[][] {
  if (file.content === undefined) return file.hunks.map(headLines);
  const added = new Set<number>();
  for (const hunk of file.hunks) for (const l of hunk.lines) if (l.kind === 'add' && l.newLine !== undefined) added.add(l.newLine);
  return [file.content.split('\n').map((text, i) => ({ text, line: i + 1, added: added.has(i + 1) }))];
}

/** A base-side line of a hunk (removed or context): what the file looked like before the change. */
export interface BaseLine {
  text: string;
  /** Line number on the base side. */
  oldLine: number;
  removed: boolean;
  /** The nearest head-side line: where a finding about this removed line can point. */
  near: number | undefined;
}

/**
 * The base-side lines of a hunk, each with the nearest head-side line to point a finding at: the first
 * head line after it (the replacement, or what now follows the deleted block), else the last before it.
 */
export function baseLines(hunk: Hunk): BaseLine[] {
  const out: BaseLine[] = [];
  let lastHead: number | undefined;
  const pending: BaseLine[] = [];
  for (const l of hunk.lines) {
    if (l.kind !== 'add' && l.oldLine !== undefined) {
      const entry: BaseLine = { text: l.text, oldLine: l.oldLine, removed: l.kind === 'del', near: l.newLine };
      out.push(entry);
      if (l.kind === 'del') pending.push(entry);
    }
    if (l.kind !== 'del' && l.newLine !== undefined) {
      lastHead = l.newLine;
      for (const p of pending.splice(0)) p.near = l.newLine;
    }
  }
  // Removed at the very end: point at the last head line; a deleted file has none, so its findings are file-level.
  for (const p of pending) p.near = lastHead ?? (hunk.newStart > 0 ? hunk.newStart : undefined);
  return out;
}

/** Base lines as HeadLine-shaped lines, so the indentation helpers of lines.ts can walk them. */
export function asLines(lines: readonly BaseLine[]): HeadLine[] {
  return lines.map((l) => ({ text: l.text, line: l.oldLine, added: l.removed }));
}

// ---- request handlers --------------------------------------------------------------------------

export interface Handler {
  name: string;
  /** `POST /users`, when a route decorator or call names it. */
  route?: string;
  /** Whether the handler itself is `async def` (Python). */
  async: boolean;
}

export const PY_DEF = /^\s*(async\s+)?def\s+(\w+)\s*\(([^)]*)/;
const PY_ROUTE = /^\s*@[\w.]*\.(get|post|put|patch|delete|route|api_route|websocket)\s*\(\s*(?:['"]([^'"]*)['"])?/i;
const PY_METHODS = /\bmethods\s*=\s*[[(]\s*['"](\w+)['"]/;
const PY_VIEW_DECORATOR = /^\s*@(?:api_view|require_(?:GET|POST|http_methods|safe)|login_required|csrf_exempt)\b/;
const PY_CACHED = /^\s*@(?:functools\.)?(?:lru_cache|cache|cached_property|cached)\b/;
const DRF_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'list', 'retrieve', 'create', 'update', 'partial_update', 'destroy']);
/** A block entered only while nothing is cached yet: `if _client is None:`, `if (!pool) {`, Go `once.Do(`. */
const MEMO_BLOCK =
  /^\s*(?:el)?if\b.*(?:\bis None\b|\bnot in\b)|^\s*(?:el)?if\s+not\s+[\w.]+\s*:|\bif\s*\(\s*!\s*[\w.$]+\s*\)|\bif\s*\(\s*[\w.$]+\s*===?\s*(?:null|undefined)\s*\)|\bonce\.Do\(|\bif\s+\w+\s*==\s*nil\s*\{/;
const MEMO_LINE = /\?\?=|\|\|=|^\s*global\s/;

/** The decorators of the `def` at `defIndex`, each joined into one line even when black wrapped it. */
export function decoratorsAbove(lines: readonly HeadLine[], defIndex: number): string[] {
  const indent = indentOf(lines[defIndex]?.text ?? '');
  const out: string[] = [];
  let continuation: string[] = [];
  for (let i = defIndex - 1; i >= 0; i--) {
    const text = lines[i]?.text ?? '';
    const own = indentOf(text);
    if (own === indent && /^\s*@/.test(text)) {
      out.push([text, ...continuation].map((t) => t.trim()).join(' '));
      continuation = [];
    } else if (own > indent || (own === indent && /^\s*[)\]]/.test(text))) {
      continuation.unshift(text);
    } else break;
  }
  return out;
}

function routeOf(decorator: string): string | undefined {
  const m = PY_ROUTE.exec(decorator);
  if (!m) return undefined;
  const verb = (m[1] ?? '').toLowerCase();
  const method = verb === 'route' || verb === 'api_route' ? (PY_METHODS.exec(decorator)?.[1] ?? 'GET') : verb;
  return m[2] === undefined || m[2] === '' ? '' : `${method.toUpperCase()} ${m[2]}`; // `""` under a prefixed router: the path is not known here
}

/** Whether the Python `def` at `defIndex` runs once per request, and under what name. */
export function pythonHandler(lines: readonly HeadLine[], defIndex: number, path: string): Handler | undefined {
  const m = PY_DEF.exec(lines[defIndex]?.text ?? '');
  if (!m) return undefined;
  const name = m[2] ?? '';
  const params = (m[3] ?? '').split(',').map((p) => p.trim().split(/[:=\s]/)[0] ?? '');
  const isAsync = m[1] !== undefined;
  const decorators = decoratorsAbove(lines, defIndex);
  for (const decorator of decorators) {
    const route = routeOf(decorator);
    if (route !== undefined) return route ? { name, route, async: isAsync } : { name, async: isAsync };
  }
  if (decorators.some((d) => PY_VIEW_DECORATOR.test(d))) return { name, async: isAsync };
  const inClass = enclosingOpeners(lines, defIndex).some((i) => /^\s*class\s/.test(lines[i]?.text ?? ''));
  const djangoViews = /(?:^|\/)views(?:\.py$|\/)/.test(path);
  if (djangoViews && !inClass && params[0] === 'request') return { name, async: isAsync };
  if (djangoViews && inClass && params[0] === 'self' && params[1] === 'request' && DRF_METHODS.has(name)) return { name, async: isAsync };
  if (name === 'lambda_handler' || (name === 'handler' && params[0] === 'event')) return { name, async: isAsync };
  return undefined;
}

/** Whether the line at `index` only runs while nothing is cached yet (a guard block below `top`, `??=`, a `global`). */
export function memoised(lines: readonly HeadLine[], index: number, top: number): boolean {
  if (MEMO_LINE.test(lines[index]?.text ?? '')) return true;
  if (enclosingOpeners(lines, index).some((i) => i > top && MEMO_BLOCK.test(lines[i]?.text ?? ''))) return true;
  return lines.slice(top + 1, index).some((l) => MEMO_LINE.test(l.text));
}

export interface RequestPath {
  handler: Handler;
  /** The helper the handler calls, when the line is in a helper and not in the handler itself. */
  via?: string;
  /** Whether the innermost function around the line is `async def`. */
  innerAsync: boolean;
  /** Index of the innermost `def` around the line. */
  defIndex: number;
}

/** The Python request handler a line runs in: its own function, or a handler in view that calls it. */
export function pythonRequestPath(lines: readonly HeadLine[], index: number, path: string): RequestPath | undefined {
  const defIndex = enclosingOpeners(lines, index).find((i) => PY_DEF.test(lines[i]?.text ?? ''));
  if (defIndex === undefined) return undefined;
  if (decoratorsAbove(lines, defIndex).some((d) => PY_CACHED.test(d))) return undefined;
  if (memoised(lines, index, defIndex)) return undefined;
  const def = PY_DEF.exec(lines[defIndex]?.text ?? '');
  const innerAsync = def?.[1] !== undefined;
  const handler = pythonHandler(lines, defIndex, path);
  if (handler) return { handler, innerAsync, defIndex };
  const helper = def?.[2] ?? '';
  const call = new RegExp(`(?<![\\w.])(?:self\\.)?${helper}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (i === defIndex || !call.test(lines[i]?.text ?? '')) continue;
    const callerDef = enclosingOpeners(lines, i).find((j) => PY_DEF.test(lines[j]?.text ?? ''));
    const caller = callerDef === undefined ? undefined : pythonHandler(lines, callerDef, path);
    if (caller) return { handler: caller, via: helper, innerAsync, defIndex };
  }
  return undefined;
}

const JS_ROUTE_CALL = /\b(?:app|router|server|fastify|routes|\w+Router)\.(get|post|put|patch|delete|all)\s*\(\s*(?:['"`]([^'"`]*)['"`])?/;
const JS_EXPORTED = /export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|handler)\b|export\s+default\s+(?:async\s+)?function/;
/** `(req, res) =>`, `function (req, res, next)`, `async (request, reply) =>`. */
const JS_REQ_RES = /\(\s*(?:req|request)\b[^)]*,\s*(?:res|response|reply)\b[^)]*\)\s*(?::[^=]+)?(?:=>|\{)/;
const NEST_ROUTE = /^\s*@(Get|Post|Put|Patch|Delete|All)\s*\(\s*(?:['"`]([^'"`]*)['"`])?/;
const GO_HANDLER = /\bfunc\b.*\(\s*\w+\s+http\.ResponseWriter|\bfunc\b.*\*gin\.Context|\bfunc\b.*\becho\.Context|\bfunc\b.*\*fiber\.Ctx/;

function scriptHandlerAt(lines: readonly HeadLine[], i: number): Handler | undefined {
  const text = lines[i]?.text ?? '';
  const route = JS_ROUTE_CALL.exec(text);
  if (route?.[1] && /=>|function/.test(text)) {
    return { name: 'route handler', ...(route[2] ? { route: `${route[1].toUpperCase()} ${route[2]}` } : {}), async: /\basync\b/.test(text) };
  }
  const exported = JS_EXPORTED.exec(text);
  if (exported) return { name: exported[1] ?? 'default export handler', async: /\basync\b/.test(text) };
  if (JS_REQ_RES.test(text)) return { name: /(?:function\s+|const\s+)(\w+)/.exec(text)?.[1] ?? 'request handler', async: /\basync\b/.test(text) };
  // A NestJS controller method: the line above it (same indentation) is `@Get(...)`.
  for (let j = i - 1; j >= 0 && indentOf(lines[j]?.text ?? '') === indentOf(text) && /^\s*@/.test(lines[j]?.text ?? ''); j--) {
    const nest = NEST_ROUTE.exec(lines[j]?.text ?? '');
    if (nest?.[1]) {
      const name = /^\s*(?:(?:public|private|async)\s+)*(\w+)\s*\(/.exec(text)?.[1] ?? 'controller method';
      return { name, ...(nest[2] !== undefined ? { route: `${nest[1].toUpperCase()} ${nest[2]}` } : {}), async: /\basync\b/.test(text) };
    }
  }
  return undefined;
}

/** The JS/TS or Go request handler enclosing the line at `index`, unless the line is memoised there. */
export function scriptOrGoRequestPath(lines: readonly HeadLine[], index: number, family: Family): RequestPath | undefined {
  for (const i of enclosingOpeners(lines, index)) {
    const handler =
      family === 'go'
        ? GO_HANDLER.test(lines[i]?.text ?? '')
          ? { name: /\bfunc\s+(?:\([^)]*\)\s*)?(\w+)/.exec(lines[i]?.text ?? '')?.[1] ?? 'handler', async: false }
          : undefined
        : scriptHandlerAt(lines, i);
    if (!handler) continue;
    if (memoised(lines, index, i)) return undefined;
    return { handler, innerAsync: handler.async, defIndex: i };
  }
  return undefined;
}

export function requestPath(lines: readonly HeadLine[], index: number, family: Family, path: string): RequestPath | undefined {
  return family === 'python' ? pythonRequestPath(lines, index, path) : scriptOrGoRequestPath(lines, index, family);
}

/** `` `get_user` (`GET /users/{id}`) `` for a message. */
export function describeHandler(handler: Handler, code: (text: string) => string): string {
  return handler.route ? `${code(handler.name)} (${code(handler.route)})` : code(handler.name);
}
