/**
 * What the ML serving rules share about Python request handlers: which `def` a line runs in, whether
 * that `def` is called once per request (a route, a KServe/Ray `predict`/`__call__`, a Lambda handler),
 * and the lines to read it in (the whole file when the source gave it, else each hunk).
 */
import { enclosingOpeners, indentOf, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';

/** Python calls that load a model into memory. */
export const PY_LOADS: RegExp[] = [
  /\b(?:joblib|pickle|cloudpickle|dill|torch|torch\.jit)\.load\s*\(/,
  /\.from_pretrained\s*\(/,
  /\bmlflow\.(?:\w+\.)?load_model\s*\(/,
  /\b(?:tf\.keras|keras)\.models\.load_model\s*\(/,
  /\btf\.saved_model\.load\s*\(/,
  /\b(?:onnxruntime|ort)\.InferenceSession\s*\(/,
  /(?<![\w.])(?:transformers\.)?pipeline\s*\(\s*['"]/,
];

export const PY_DEF = /^\s*(?:async\s+)?def\s+(\w+)\s*\(/;
export const PY_ASYNC_DEF = /^\s*async\s+def\s/;
const PY_ROUTE = /^\s*@[\w.]*\.(get|post|put|patch|delete|route|api_route|websocket|api)\s*\(\s*(?:['"]([^'"]*)['"])?/i;
/** Flask `route`, FastAPI `api_route`: the verb is in `methods=[...]`, not the decorator's name. */
const PY_METHODS = /\bmethods\s*=\s*[[(]\s*['"](\w+)['"]/;
const PY_CACHED = /^\s*@(?:functools\.)?(?:lru_cache|cache|cached_property|cached)\b/;
/** Names that frameworks call per request: AWS Lambda, KServe/Seldon/MLServer `predict`, Ray Serve `__call__`. */
const PY_HANDLER_NAMES = new Set(['lambda_handler', 'handler', 'predict', '__call__', 'infer']);
/** A block entered only while nothing is cached yet: `if _model is None:`, `if name not in _models:`, `if (!session) {`. */
const MEMO_BLOCK = /^\s*(?:el)?if\b.*(?:\bis None\b|\bnot in\b)|^\s*(?:el)?if\s+not\s+[\w.]+\s*:|\bif\s*\(\s*!\s*[\w.$]+\s*\)|\bif\s*\(\s*[\w.$]+\s*===?\s*(?:null|undefined)\s*\)/;
/** Assigned only when empty (`session ??= create()`), or a function that keeps its result in a `global`. */
const MEMO_LINE = /\?\?=|\|\|=|^\s*global\s/;
/** Files of a dedicated batch or training job, not of an online service. */
export const BATCH_PATH = /(?:^|\/)(?:batch|batches|jobs?|pipelines?|dags|airflow|training|train|notebooks?|scripts)\//i;

export interface Handler {
  name: string;
  /** `POST /predict`, when a route decorator or call names it. */
  route?: string;
  /** The bare path of that route: `/predict`. */
  path?: string;
}

export { views, wholeFile } from './views.js';

/** The decorators of the `def` at `defIndex`, each joined into one line even when black wrapped it. */
export function decoratorsAbove(lines: readonly HeadLine[], defIndex: number): string[] {
  return decoratorBlock(lines, defIndex).decorators;
}

function decoratorBlock(lines: readonly HeadLine[], defIndex: number): { decorators: string[]; top: number } {
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

export function routeOf(decorator: string): { route: string; path: string } | undefined {
  const m = PY_ROUTE.exec(decorator);
  if (!m) return undefined;
  const verb = (m[1] ?? '').toLowerCase();
  const method = ['route', 'api_route', 'api'].includes(verb) ? PY_METHODS.exec(decorator)?.[1] : verb;
  if (m[2] === undefined) return { route: '', path: '' };
  return { route: method ? `${method.toUpperCase()} ${m[2]}` : m[2], path: m[2] };
}

export function isRouteDecorator(text: string): boolean {
  return PY_ROUTE.test(text);
}

/** Whether a Python `def` at `defIndex` is called once per request, and under what name. */
export function pythonHandler(lines: readonly HeadLine[], defIndex: number): Handler | undefined {
  const name = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[1];
  if (!name) return undefined;
  for (const decorator of decoratorsAbove(lines, defIndex)) {
    const r = routeOf(decorator);
    if (r !== undefined) return r.route ? { name, route: r.route, path: r.path } : { name };
  }
  const inClass = enclosingOpeners(lines, defIndex).some((i) => /^\s*class\s/.test(lines[i]?.text ?? ''));
  if (PY_HANDLER_NAMES.has(name) && (inClass || name === 'lambda_handler' || name === 'handler')) return { name };
  return undefined;
}

/** The index of the `def` the line at `index` runs in, if the lines show it. */
export function enclosingDef(lines: readonly HeadLine[], index: number): number | undefined {
  return enclosingOpeners(lines, index).find((i) => PY_DEF.test(lines[i]?.text ?? ''));
}

/**
 * Whether these lines cannot tell what the line at `index` runs in: it is indented but no `def` is
 * shown, the `def`'s decorators may start above the first line, or its class is not shown.
 */
export function contextCut(lines: readonly HeadLine[], index: number): boolean {
  const line = lines[index];
  if (!line || indentOf(line.text) === 0) return false;
  const openers = enclosingOpeners(lines, index);
  const defIndex = openers.find((i) => PY_DEF.test(lines[i]?.text ?? ''));
  if (defIndex === undefined) return true;
  if (decoratorBlock(lines, defIndex).top < 0) return true;
  const outermost = openers[openers.length - 1];
  return outermost !== undefined && indentOf(lines[outermost]?.text ?? '') > 0;
}

/**
 * Whether the line at `index` only runs while nothing is cached: inside a guard block that opens
 * below `top` (the function's own line), or in a `??=` assignment or a function that keeps its
 * result in a `global`. An input check (`if req is None: raise`) that closes before it is no guard.
 */
export function memoised(lines: readonly HeadLine[], index: number, top: number): boolean {
  if (MEMO_LINE.test(lines[index]?.text ?? '')) return true;
  if (enclosingOpeners(lines, index).some((i) => i > top && MEMO_BLOCK.test(lines[i]?.text ?? ''))) return true;
  return lines.slice(top + 1, index).some((l) => MEMO_LINE.test(l.text));
}

/** Whether the `def` at `defIndex` caches its result (`@lru_cache`, `@cache`, `@cached_property`). */
export function cachedDef(lines: readonly HeadLine[], defIndex: number): boolean {
  return decoratorsAbove(lines, defIndex).some((d) => PY_CACHED.test(d));
}

export interface RequestPath {
  handler: Handler;
  /** The helper the line runs in, when a handler reaches it through a call. */
  via?: string;
}

/**
 * The request handler the line at `index` runs in on every request: its own function, or a
 * handler that calls that function. Undefined at module level, in cached or memoised code, and in
 * functions no handler in these lines calls.
 */
export function pythonRequestPath(lines: readonly HeadLine[], index: number): RequestPath | undefined {
  const defIndex = enclosingDef(lines, index);
  if (defIndex === undefined) return undefined; // module level: runs once at import
  if (cachedDef(lines, defIndex) || memoised(lines, index, defIndex)) return undefined;
  const handler = pythonHandler(lines, defIndex);
  if (handler) return { handler };
  const helper = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[1] ?? '';
  const caller = handlerCalling(lines, helper, defIndex);
  return caller ? { handler: caller, via: helper } : undefined;
}

/** A handler in these lines that calls `name(…)`, other than the `def` at `self`. */
export function handlerCalling(lines: readonly HeadLine[], name: string, self: number): Handler | undefined {
  const call = new RegExp(`(?<![\\w.])${name}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (i === self || !call.test(lines[i]?.text ?? '') || PY_DEF.test(lines[i]?.text ?? '')) continue;
    const callerDef = enclosingDef(lines, i);
    const caller = callerDef === undefined ? undefined : pythonHandler(lines, callerDef);
    if (caller) return caller;
  }
  return undefined;
}

/** The indices of the body of the `def` at `defIndex` (its wrapped signature included), up to the dedent. */
export function bodyOf(lines: readonly HeadLine[], defIndex: number): number[] {
  const indent = indentOf(lines[defIndex]?.text ?? '');
  const out: number[] = [];
  for (let i = defIndex + 1; i < lines.length; i++) {
    const text = lines[i]?.text ?? '';
    if (/^\s*(?:#.*)?$/.test(text) || /^\s*[)\]]/.test(text) || indentOf(text) > indent) out.push(i);
    else break;
  }
  while (out.length > 0 && /^\s*(?:#.*)?$/.test(lines[out[out.length - 1] ?? 0]?.text ?? '')) out.pop();
  return out;
}

/** The lines of a `def`'s body that run in that `def` itself, not in a function nested in it. */
export function ownBody(lines: readonly HeadLine[], defIndex: number): number[] {
  return bodyOf(lines, defIndex).filter((i) => enclosingDef(lines, i) === defIndex);
}

export function describe(handler: Handler): string {
  return handler.route ? `${code(handler.name)} (${code(handler.route)})` : code(handler.name);
}

/** A line that is code, not a comment or a docstring-only line. */
export function codeLine(text: string): boolean {
  return !/^\s*(?:#|$)/.test(text);
}

/** Whether the lines import or build a web framework: the file serves requests. */
export function webFramework(lines: readonly HeadLine[]): boolean {
  return lines.some(
    (l) =>
      /^\s*(?:from|import)\s+(?:fastapi|flask|starlette|django|aiohttp|sanic|litestar|quart|tornado|bentoml|kserve|ray\s*\.\s*serve|ray\s+import\s+serve)\b/.test(l.text) ||
      /^\s*from\s+ray\s+import\s+serve\b/.test(l.text) ||
      isRouteDecorator(l.text),
  );
}

export interface Param {
  name: string;
  /** The annotation and default as written: `UploadFile = File(...)`. */
  spec: string;
}

/** The parameters of the `def` at `defIndex`, read across a wrapped signature. */
export function paramsOf(lines: readonly HeadLine[], defIndex: number): Param[] {
  let text = '';
  let depth = 0;
  let open = false;
  for (let i = defIndex; i < lines.length && i < defIndex + 30; i++) {
    for (const ch of lines[i]?.text ?? '') {
      if ('([{'.includes(ch)) {
        depth++;
        if (!open) {
          open = true;
          continue;
        }
      } else if (')]}'.includes(ch)) {
        depth--;
        if (open && depth === 0) return splitTopLevel(text).map(toParam).filter((p): p is Param => p !== undefined);
      }
      if (open) text += ch;
    }
    text += ' ';
  }
  return [];
}

function toParam(raw: string): Param | undefined {
  const m = /^\s*\*{0,2}(\w+)\s*(.*)$/s.exec(raw);
  return m?.[1] ? { name: m[1], spec: (m[2] ?? '').replace(/^:/, '').trim() } : undefined;
}

/** The top-level comma-separated parts of an argument or parameter list's inner text. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The arguments of a call's text `name(a, b=c)`, as written. */
export function argsOf(call: string): string[] {
  const open = call.indexOf('(');
  let depth = 0;
  let inner = '';
  for (const ch of call.slice(open)) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (depth === 0) break;
    inner += ch;
  }
  return splitTopLevel(inner.slice(1));
}

/**
 * Whether these lines cannot settle if the line at `index` runs per request: its `def`, decorators or
 * class start above them, or it sits in a plain helper whose callers may be elsewhere in the file.
 */
export function requestPathUnknown(lines: readonly HeadLine[], index: number): boolean {
  if (contextCut(lines, index)) return true;
  const defIndex = enclosingDef(lines, index);
  if (defIndex === undefined || cachedDef(lines, defIndex) || memoised(lines, index, defIndex)) return false;
  return pythonRequestPath(lines, index) === undefined;
}
