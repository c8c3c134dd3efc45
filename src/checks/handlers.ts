/**
 * Request handlers: which function a line runs in, and whether that function runs once per request
 * (a route, a view, a Lambda or model-server entry point, a helper a handler calls), in Python, JS/TS
 * and Go. The one detector every rule uses. The rule families differ on purpose in what they count,
 * and say so in a policy: the system rules count Django views and Lambda handlers; the ML serving
 * rules count model-server methods (KServe/Ray `predict`, `__call__`) and more JS route receivers.
 */
import { code } from '../render/escape.js';
import { enclosingOpeners, indentOf, type HeadLine } from './lines.js';

export interface Handler {
  name: string;
  /** `POST /users`, when a route decorator or call names it. */
  route?: string;
  /** The bare path of that route (`/users`), where the policy keeps it. */
  path?: string;
  /** Whether the handler itself is `async` (a Python `async def`, an `async` JS function). */
  async: boolean;
}

export interface RequestPath {
  handler: Handler;
  /** The helper the line runs in, when a handler reaches it through a call. */
  via?: string;
  /** Whether the innermost function around the line is `async def`. */
  innerAsync: boolean;
  /** Index of the innermost function around the line (Python) or of the handler's line (JS/Go). */
  defIndex: number;
}

export interface HandlerPolicy {
  /** FastAPI's `@app.api(...)`-style decorators count as routes. */
  apiVerb: boolean;
  /** How a route decorator is named: `GET /x` (GET when `route` has no `methods=`), or the verb only when the decorator says it. */
  routeName: 'method-and-path' | 'as-written';
  /** Django view decorators, functions of views.py taking `request`, DRF viewset methods. */
  djangoViews: boolean;
  /** `predict`, `__call__`, `infer`, `handler` methods of a class (KServe, Ray Serve, MLServer) and any `handler`. */
  modelServers: boolean;
  /** Blocks entered only while nothing is cached yet. */
  memoBlock: RegExp;
  /** A helper's callers include `self.helper(...)`. */
  selfCalls: boolean;
  /** Lines that are themselves a `def` are not calls of the helper. */
  skipDefLines: boolean;
  /** Which JS/TS handler shapes count. */
  script: 'system' | 'serving';
}

/** A Python `def` line: 1 `async `, 2 the name, 3 the parameters on that line. */
export const PY_DEF = /^\s*(async\s+)?def\s+(\w+)\s*\(([^)]*)/;
const PY_ROUTE = /^\s*@[\w.]*\.(get|post|put|patch|delete|route|api_route|websocket|api)\s*\(\s*(?:['"]([^'"]*)['"])?/i;
/** Flask `route`, FastAPI `api_route`: the verb is in `methods=[...]`, not the decorator's name. */
const PY_METHODS = /\bmethods\s*=\s*[[(]\s*['"](\w+)['"]/;
const PY_CACHED = /^\s*@(?:functools\.)?(?:lru_cache|cache|cached_property|cached)\b/;
const PY_VIEW_DECORATOR = /^\s*@(?:api_view|require_(?:GET|POST|http_methods|safe)|login_required|csrf_exempt)\b/;
const DRF_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'list', 'retrieve', 'create', 'update', 'partial_update', 'destroy']);
const MODEL_SERVER_NAMES = new Set(['lambda_handler', 'handler', 'predict', '__call__', 'infer']);
/** A block entered only while nothing is cached yet: `if _model is None:`, `if name not in _models:`, `if (!session) {`. */
const MEMO_BLOCK =
  /^\s*(?:el)?if\b.*(?:\bis None\b|\bnot in\b)|^\s*(?:el)?if\s+not\s+[\w.]+\s*:|\bif\s*\(\s*!\s*[\w.$]+\s*\)|\bif\s*\(\s*[\w.$]+\s*===?\s*(?:null|undefined)\s*\)/;
/** The same, with Go's `once.Do(` and `if client == nil {`. */
const MEMO_BLOCK_GO = new RegExp(`${MEMO_BLOCK.source}|\\bonce\\.Do\\(|\\bif\\s+\\w+\\s*==\\s*nil\\s*\\{`);
/** Assigned only when empty (`session ??= create()`), or a function that keeps its result in a `global`. */
const MEMO_LINE = /\?\?=|\|\|=|^\s*global\s/;

export const SYSTEM_POLICY: HandlerPolicy = {
  apiVerb: false, routeName: 'method-and-path', djangoViews: true, modelServers: false, memoBlock: MEMO_BLOCK_GO, selfCalls: true, skipDefLines: false, script: 'system',
};
export const SERVING_POLICY: HandlerPolicy = {
  apiVerb: true, routeName: 'as-written', djangoViews: false, modelServers: true, memoBlock: MEMO_BLOCK, selfCalls: false, skipDefLines: true, script: 'serving',
};

// ---- the lines around a line ---------------------------------------------------------------------

const OPENERS = new WeakMap<readonly HeadLine[], Map<number, number[]>>();

/** enclosingOpeners, worked out once per line of a view (the detector asks for the same lines again and again). Read-only. */
export function openersOf(lines: readonly HeadLine[], index: number): readonly number[] {
  let byIndex = OPENERS.get(lines);
  if (!byIndex) {
    byIndex = new Map();
    OPENERS.set(lines, byIndex);
  }
  let openers = byIndex.get(index);
  if (!openers) {
    openers = enclosingOpeners(lines, index);
    byIndex.set(index, openers);
  }
  return openers;
}

/** The index of the `def` the line at `index` runs in, if the lines show it. */
export function enclosingDef(lines: readonly HeadLine[], index: number): number | undefined {
  return openersOf(lines, index).find((i) => PY_DEF.test(lines[i]?.text ?? ''));
}

/** The decorators of the `def` at `defIndex`, each joined into one line even when black wrapped it, and the line above them. */
export function decoratorBlock(lines: readonly HeadLine[], defIndex: number): { decorators: string[]; top: number } {
  const indent = indentOf(lines[defIndex]?.text ?? '');
  const decorators: string[] = [];
  let continuation: string[] = [];
  let i = defIndex - 1;
  for (; i >= 0; i--) {
    const text = lines[i]?.text ?? '';
    const own = indentOf(text);
    if (own === indent && /^\s*@/.test(text)) {
      decorators.push([text, ...continuation].map((t) => t.trim()).join(' '));
      continuation = [];
    } else if (own > indent || (own === indent && /^\s*[)\]]/.test(text))) {
      continuation.unshift(text); // an argument line or the closing bracket of a wrapped decorator
    } else break;
  }
  return { decorators, top: i };
}

/** The decorators of the `def` at `defIndex`, each joined into one line. */
export function decoratorsAbove(lines: readonly HeadLine[], defIndex: number): string[] {
  return decoratorBlock(lines, defIndex).decorators;
}

/** Whether the `def` at `defIndex` caches its result (`@lru_cache`, `@cache`, `@cached_property`). */
export function cachedDef(lines: readonly HeadLine[], defIndex: number): boolean {
  return decoratorsAbove(lines, defIndex).some((d) => PY_CACHED.test(d));
}

/**
 * Whether the line at `index` only runs while nothing is cached: inside a guard block that opens
 * below `top` (the function's own line), or in a `??=` assignment or a function that keeps its
 * result in a `global`. An input check (`if req is None: raise`) that closes before it is no guard.
 */
export function memoised(lines: readonly HeadLine[], index: number, top: number, policy: HandlerPolicy): boolean {
  if (MEMO_LINE.test(lines[index]?.text ?? '')) return true;
  if (openersOf(lines, index).some((i) => i > top && policy.memoBlock.test(lines[i]?.text ?? ''))) return true;
  return lines.slice(top + 1, index).some((l) => MEMO_LINE.test(l.text));
}

// ---- Python ---------------------------------------------------------------------------------------

export interface RouteDecorator {
  /** The decorator's verb, lower case: `get`, `route`, `api_route`, `api`. */
  verb: string;
  /** The path it names, when the first argument is a string. */
  path?: string;
  /** The first of `methods=[...]`. */
  method?: string;
}

/** A route decorator (`@app.get("/x")`, `@bp.route("/x", methods=["POST"])`), read from one line or a joined decorator. */
export function routeDecorator(text: string, policy: HandlerPolicy): RouteDecorator | undefined {
  const m = PY_ROUTE.exec(text);
  const verb = (m?.[1] ?? '').toLowerCase();
  if (!m || (verb === 'api' && !policy.apiVerb)) return undefined;
  const method = PY_METHODS.exec(text)?.[1];
  return { verb, ...(m[2] === undefined ? {} : { path: m[2] }), ...(method === undefined ? {} : { method }) };
}

/** The route a decorator line names, as the policy names it (`''` when it names no path), or undefined when it is no route decorator. */
export function namedRoute(text: string, policy: HandlerPolicy): { route: string; path?: string } | undefined {
  const r = routeDecorator(text, policy);
  return r && routeName(r, policy);
}

function routeName(r: RouteDecorator, policy: HandlerPolicy): { route: string; path?: string } {
  const named = r.verb === 'route' || r.verb === 'api_route' || r.verb === 'api';
  if (policy.routeName === 'method-and-path') {
    // `""` under a prefixed router: the path is not known here.
    return { route: r.path === undefined || r.path === '' ? '' : `${(named ? (r.method ?? 'GET') : r.verb).toUpperCase()} ${r.path}` };
  }
  if (r.path === undefined) return { route: '', path: '' };
  const method = named ? r.method : r.verb;
  return { route: method ? `${method.toUpperCase()} ${r.path}` : r.path, path: r.path };
}

/** Whether the Python `def` at `defIndex` runs once per request, and under what name. `filePath` tells Django views. */
export function pythonHandler(lines: readonly HeadLine[], defIndex: number, filePath: string, policy: HandlerPolicy): Handler | undefined {
  const m = PY_DEF.exec(lines[defIndex]?.text ?? '');
  if (!m) return undefined;
  const name = m[2] ?? '';
  const isAsync = m[1] !== undefined;
  const decorators = decoratorsAbove(lines, defIndex);
  for (const decorator of decorators) {
    const named = namedRoute(decorator, policy);
    if (!named) continue;
    const { route, path } = named;
    return { name, ...(route ? { route } : {}), ...(route && path !== undefined ? { path } : {}), async: isAsync };
  }
  const inClass = (): boolean => openersOf(lines, defIndex).some((i) => /^\s*class\s/.test(lines[i]?.text ?? ''));
  if (policy.modelServers) {
    return MODEL_SERVER_NAMES.has(name) && (name === 'lambda_handler' || name === 'handler' || inClass()) ? { name, async: isAsync } : undefined;
  }
  const params = (m[3] ?? '').split(',').map((p) => p.trim().split(/[:=\s]/)[0] ?? '');
  if (policy.djangoViews) {
    if (decorators.some((d) => PY_VIEW_DECORATOR.test(d))) return { name, async: isAsync };
    const djangoViews = /(?:^|\/)views(?:\.py$|\/)/.test(filePath);
    if (djangoViews && !inClass() && params[0] === 'request') return { name, async: isAsync };
    if (djangoViews && inClass() && params[0] === 'self' && params[1] === 'request' && DRF_METHODS.has(name)) return { name, async: isAsync };
  }
  if (name === 'lambda_handler' || (name === 'handler' && params[0] === 'event')) return { name, async: isAsync };
  return undefined;
}

/** A handler in these lines that calls `name(…)`, other than the `def` at `self`. */
export function handlerCalling(lines: readonly HeadLine[], name: string, self: number, filePath: string, policy: HandlerPolicy): Handler | undefined {
  const call = new RegExp(`(?<![\\w.])${policy.selfCalls ? '(?:self\\.)?' : ''}${name}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]?.text ?? '';
    // The name first: the call pattern, led by a lookbehind, is tried at every position of the line.
    if (i === self || !text.includes(name) || !call.test(text) || (policy.skipDefLines && PY_DEF.test(text))) continue;
    const callerDef = enclosingDef(lines, i);
    const caller = callerDef === undefined ? undefined : pythonHandler(lines, callerDef, filePath, policy);
    if (caller) return caller;
  }
  return undefined;
}

/**
 * The Python request handler the line at `index` runs in on every request: its own function, or a
 * handler in these lines that calls that function. Undefined at module level, in cached or memoised
 * code, and in functions no handler in these lines calls.
 */
export function pythonRequestPath(lines: readonly HeadLine[], index: number, filePath: string, policy: HandlerPolicy): RequestPath | undefined {
  const defIndex = enclosingDef(lines, index);
  if (defIndex === undefined) return undefined; // module level: runs once at import
  if (cachedDef(lines, defIndex) || memoised(lines, index, defIndex, policy)) return undefined;
  const def = PY_DEF.exec(lines[defIndex]?.text ?? '');
  const innerAsync = def?.[1] !== undefined;
  const handler = pythonHandler(lines, defIndex, filePath, policy);
  if (handler) return { handler, innerAsync, defIndex };
  const helper = def?.[2] ?? '';
  const caller = handlerCalling(lines, helper, defIndex, filePath, policy);
  return caller ? { handler: caller, via: helper, innerAsync, defIndex } : undefined;
}

// ---- JS/TS and Go ---------------------------------------------------------------------------------

const JS_ROUTE_CALL = /\b(?:app|router|server|fastify|routes|\w+Router)\.(get|post|put|patch|delete|all)\s*\(\s*(?:['"`]([^'"`]*)['"`])?/;
/** The serving rules' route calls: any `…App`/`…Router`/`…Server`/`…Api` receiver, and `.route(`. */
const JS_SERVING_ROUTE_CALL = /\b(?:\w*(?:[aA]pp|[rR]outer|[sS]erver|[aA]pi|[rR]outes)|fastify)\.(get|post|put|patch|delete|all|route)\s*\(\s*(?:['"`]([^'"`]*)['"`])?/;
const JS_EXPORTED = /export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|handler)\b|export\s+default\s+(?:async\s+)?function/;
/** `(req, res) =>`, `function (req, res, next)`, `async (request, reply) =>`. */
const JS_REQ_RES = /\(\s*(?:req|request)\b[^)]*,\s*(?:res|response|reply)\b[^)]*\)\s*(?::[^=]+)?(?:=>|\{)/;
const NEST_ROUTE = /^\s*@(Get|Post|Put|Patch|Delete|All)\s*\(\s*(?:['"`]([^'"`]*)['"`])?/;
const GO_HANDLER = /\bfunc\b.*\(\s*\w+\s+http\.ResponseWriter|\bfunc\b.*\*gin\.Context|\bfunc\b.*\becho\.Context|\bfunc\b.*\*fiber\.Ctx/;

/** The serving rules' JS handlers, one pattern so the leftmost shape on a line wins: a route call (its function may be on a later line) or an exported route function. */
const JS_SERVING_HANDLER = new RegExp(`${JS_SERVING_ROUTE_CALL.source}|${JS_EXPORTED.source}`);

function servingScriptHandlerAt(text: string): Handler | undefined {
  const m = JS_SERVING_HANDLER.exec(text);
  if (!m) return undefined;
  if (m[1]) return { name: 'route handler', ...(m[2] === undefined ? {} : { route: `${m[1].toUpperCase()} ${m[2]}` }), async: false };
  return { name: m[3] ?? 'default export handler', async: false };
}

/** Whether the JS/TS line at `i` opens a request handler: a route call with its function, an exported route function, `(req, res)`, a NestJS route method. */
export function scriptHandlerAt(lines: readonly HeadLine[], i: number, policy: HandlerPolicy): Handler | undefined {
  const text = lines[i]?.text ?? '';
  if (policy.script === 'serving') return servingScriptHandlerAt(text);
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

function goHandlerAt(text: string): Handler | undefined {
  return GO_HANDLER.test(text) ? { name: /\bfunc\s+(?:\([^)]*\)\s*)?(\w+)/.exec(text)?.[1] ?? 'handler', async: false } : undefined;
}

/** The JS/TS or Go request handler enclosing the line at `index` (the innermost), unless the line is memoised there. */
export function scriptRequestPath(lines: readonly HeadLine[], index: number, go: boolean, policy: HandlerPolicy): RequestPath | undefined {
  for (const i of openersOf(lines, index)) {
    const handler = go ? goHandlerAt(lines[i]?.text ?? '') : scriptHandlerAt(lines, i, policy);
    if (!handler) continue;
    if (memoised(lines, index, i, policy)) return undefined;
    return { handler, innerAsync: handler.async, defIndex: i };
  }
  return undefined;
}

/** `` `get_user` (`GET /users/{id}`) `` for a message. */
export function describeHandler(handler: Handler): string {
  return handler.route ? `${code(handler.name)} (${code(handler.route)})` : code(handler.name);
}
