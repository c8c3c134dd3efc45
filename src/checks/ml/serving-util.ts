/**
 * What the ML serving rules share about Python request handlers: which `def` a line runs in, whether
 * that `def` is called once per request (a route, a KServe/Ray `predict`/`__call__`, a Lambda handler:
 * the detector of ../handlers.ts with the serving rules' policy), and the lines to read it in (the whole
 * file when the source gave it, else each hunk).
 */
import {
  SERVING_POLICY,
  cachedDef,
  decoratorBlock,
  enclosingDef,
  handlerCalling as detectHandlerCalling,
  memoised as detectMemoised,
  namedRoute,
  openersOf,
  PY_DEF,
  pythonHandler as detectPythonHandler,
  pythonRequestPath as detectPythonRequestPath,
  routeDecorator,
  type Handler,
  type RequestPath,
} from '../handlers.js';
import { indentOf, type HeadLine } from '../lines.js';
import type { ChangedFile } from '../../changeset/types.js';
import { memoByObject } from '../../path-memo.js';
import { mentions } from '../text.js';

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

/** What every pattern of PY_LOADS needs on its line: a cheap first test over a file's text. */
export const MAY_LOAD_PY = /\.load\s*\(|from_pretrained|load_model|InferenceSession|pipeline\s*\(/;

/**
 * Whether some line of the file may load a model (MAY_LOAD_PY over its whole text): false means no
 * added line may either. Asked of every Python file by more than one rule, so worked out once per file.
 */
export const mayLoadModel: (file: ChangedFile) => boolean = memoByObject((file: ChangedFile) => mentions(file, MAY_LOAD_PY));

export const PY_ASYNC_DEF = /^\s*async\s+def\s/;
/**
 * A route decorator on some line of a text (line by line, as routeOf reads one): a cheap first test.
 * It starts at the `@`, not at the line start: V8 then looks for the rare `@` alone, which is fast.
 */
export const MAY_ROUTE_PY = /@[\w.]*\.(?:get|post|put|patch|delete|route|api_route|websocket|api)\s*\(/i;
/** Files of a dedicated batch or training job, not of an online service. */
export const BATCH_PATH = /(?:^|\/)(?:batch|batches|jobs?|pipelines?|dags|airflow|training|train|notebooks?|scripts)\//i;

export type { Handler } from '../handlers.js';
export { cachedDef, decoratorsAbove, enclosingDef, PY_DEF } from '../handlers.js';

export { views, wholeFile } from './views.js';

/** The route a decorator line names (`{ route: 'POST /predict', path: '/predict' }`), or undefined when it is no route decorator. */
export function routeOf(decorator: string): { route: string; path: string } | undefined {
  const named = namedRoute(decorator, SERVING_POLICY);
  return named && { route: named.route, path: named.path ?? '' };
}

/** Whether the line is a route decorator (`@app.post("/predict")`, `@bp.route(...)`). */
export function isRouteDecorator(text: string): boolean {
  return routeDecorator(text, SERVING_POLICY) !== undefined;
}

/** Whether a Python `def` at `defIndex` is called once per request (a route, a model server's `predict`/`__call__`, a Lambda handler), and under what name. */
export function pythonHandler(lines: readonly HeadLine[], defIndex: number): Handler | undefined {
  return detectPythonHandler(lines, defIndex, '', SERVING_POLICY);
}

/**
 * Whether these lines cannot tell what the line at `index` runs in: it is indented but no `def` is
 * shown, the `def`'s decorators may start above the first line, or its class is not shown.
 */
export function contextCut(lines: readonly HeadLine[], index: number): boolean {
  const line = lines[index];
  if (!line || indentOf(line.text) === 0) return false;
  const openers = openersOf(lines, index);
  const defIndex = openers.find((i) => PY_DEF.test(lines[i]?.text ?? ''));
  if (defIndex === undefined) return true;
  if (decoratorBlock(lines, defIndex).top < 0) return true;
  const outermost = openers[openers.length - 1];
  return outermost !== undefined && indentOf(lines[outermost]?.text ?? '') > 0;
}

/** Whether the line at `index` only runs while nothing is cached (a guard block below `top`, `??=`, a `global`). */
export function memoised(lines: readonly HeadLine[], index: number, top: number): boolean {
  return detectMemoised(lines, index, top, SERVING_POLICY);
}

/**
 * The request handler the line at `index` runs in on every request: its own function, or a
 * handler that calls that function. Undefined at module level, in cached or memoised code, and in
 * functions no handler in these lines calls.
 */
export function pythonRequestPath(lines: readonly HeadLine[], index: number): RequestPath | undefined {
  return detectPythonRequestPath(lines, index, '', SERVING_POLICY);
}

/** A handler in these lines that calls `name(…)`, other than the `def` at `self`. */
export function handlerCalling(lines: readonly HeadLine[], name: string, self: number): Handler | undefined {
  return detectHandlerCalling(lines, name, self, '', SERVING_POLICY);
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

export { describeHandler as describe } from '../handlers.js';

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
