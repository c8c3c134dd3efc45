import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, enclosingOpeners, headLines, indentOf, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';

const PY_LOADS: RegExp[] = [
  /\b(?:joblib|pickle|cloudpickle|dill|torch|torch\.jit)\.load\s*\(/,
  /\.from_pretrained\s*\(/,
  /\bmlflow\.(?:\w+\.)?load_model\s*\(/,
  /\b(?:tf\.keras|keras)\.models\.load_model\s*\(/,
  /\btf\.saved_model\.load\s*\(/,
  /\b(?:onnxruntime|ort)\.InferenceSession\s*\(/,
  /(?<![\w.])(?:transformers\.)?pipeline\s*\(\s*['"]/,
];
const JS_LOADS: RegExp[] = [
  /\btf\.(?:loadLayersModel|loadGraphModel|node\.loadSavedModel)\s*\(/,
  /\bInferenceSession\.create\s*\(/,
  /\bAutoModel\w*\.from_pretrained\s*\(/,
  /\bpipeline\s*\(\s*['"]/,
];

const PY_DEF = /^\s*(?:async\s+)?def\s+(\w+)\s*\(/;
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
const JS_HANDLER =
  /\b(?:app|router|server|fastify|api|routes)\.(get|post|put|patch|delete|all|route)\s*\(\s*(?:['"`]([^'"`]*)['"`])?|export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|handler)\b|export\s+default\s+(?:async\s+)?function/;

interface Handler {
  name: string;
  /** `POST /predict`, when a route decorator or call names it. */
  route?: string;
}

/** The decorators of the `def` at `defIndex`, each joined into one line even when black wrapped it. */
function decoratorsAbove(lines: readonly HeadLine[], defIndex: number): string[] {
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
      continuation.unshift(text); // an argument line or the closing bracket of a wrapped decorator
    } else break;
  }
  return out;
}

function routeOf(decorator: string): string | undefined {
  const m = PY_ROUTE.exec(decorator);
  if (!m) return undefined;
  const verb = (m[1] ?? '').toLowerCase();
  const method = ['route', 'api_route', 'api'].includes(verb) ? PY_METHODS.exec(decorator)?.[1] : verb;
  if (m[2] === undefined) return '';
  return method ? `${method.toUpperCase()} ${m[2]}` : m[2];
}

/** Whether a Python `def` at `defIndex` is called once per request, and under what name. */
function pythonHandler(lines: readonly HeadLine[], defIndex: number): Handler | undefined {
  const name = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[1];
  if (!name) return undefined;
  for (const decorator of decoratorsAbove(lines, defIndex)) {
    const route = routeOf(decorator);
    if (route !== undefined) return route ? { name, route } : { name };
  }
  const inClass = enclosingOpeners(lines, defIndex).some((i) => /^\s*class\s/.test(lines[i]?.text ?? ''));
  if (PY_HANDLER_NAMES.has(name) && (inClass || name === 'lambda_handler' || name === 'handler')) return { name };
  return undefined;
}

/**
 * Whether the load at `index` only runs while nothing is cached: inside a guard block that opens
 * below `top` (the function's own line), or in a `??=` assignment or a function that keeps the model
 * in a `global`. An input check (`if req is None: raise`) that closes before the load is no guard.
 */
function memoised(lines: readonly HeadLine[], index: number, top: number): boolean {
  if (MEMO_LINE.test(lines[index]?.text ?? '')) return true;
  if (enclosingOpeners(lines, index).some((i) => i > top && MEMO_BLOCK.test(lines[i]?.text ?? ''))) return true;
  return lines.slice(top + 1, index).some((l) => MEMO_LINE.test(l.text));
}

/** The Python request handler a load at `index` runs in: its own function, or a handler that calls it. */
function pythonRequestPath(lines: readonly HeadLine[], index: number): { handler: Handler; via?: string } | undefined {
  const defIndex = enclosingOpeners(lines, index).find((i) => PY_DEF.test(lines[i]?.text ?? ''));
  if (defIndex === undefined) return undefined; // module level: loaded once at import
  if (decoratorsAbove(lines, defIndex).some((d) => PY_CACHED.test(d))) return undefined;
  if (memoised(lines, index, defIndex)) return undefined;
  const handler = pythonHandler(lines, defIndex);
  if (handler) return { handler };
  const helper = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[1] ?? '';
  const call = new RegExp(`(?<![\\w.])${helper}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (i === defIndex || !call.test(lines[i]?.text ?? '')) continue;
    const callerDef = enclosingOpeners(lines, i).find((j) => PY_DEF.test(lines[j]?.text ?? ''));
    const caller = callerDef === undefined ? undefined : pythonHandler(lines, callerDef);
    if (caller) return { handler: caller, via: helper };
  }
  return undefined;
}

function scriptRequestPath(lines: readonly HeadLine[], index: number): { handler: Handler } | undefined {
  const top = enclosingOpeners(lines, index).find((i) => JS_HANDLER.test(lines[i]?.text ?? ''));
  if (top === undefined) return undefined;
  if (memoised(lines, index, top)) return undefined;
  const m = JS_HANDLER.exec(lines[top]?.text ?? '');
  if (!m) return undefined;
  if (m[1]) return { handler: { name: 'route handler', route: m[2] === undefined ? undefined : `${m[1].toUpperCase()} ${m[2]}` } };
  return { handler: { name: m[3] ?? 'default export handler' } };
}

function describe(handler: Handler): string {
  return handler.route ? `${code(handler.name)} (${code(handler.route)})` : code(handler.name);
}

function check(file: ChangedFile): RuleHit[] {
  const python = file.language === 'python';
  const patterns = python ? PY_LOADS : JS_LOADS;
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const lines = headLines(hunk);
    lines.forEach((line, index) => {
      if (!line.added || commentLine(line.text, python)) return;
      const match = patterns.map((re) => re.exec(line.text)).find((m) => m !== null);
      if (!match) return;
      const path = python ? pythonRequestPath(lines, index) : scriptRequestPath(lines, index);
      if (!path) return;
      const call = match[0].replace(/\s*\(.*$/, '');
      const via = 'via' in path && path.via ? ` through ${code(`${path.via}()`)}` : '';
      hits.push({
        line: line.line,
        title: `Model loaded on every request in ${describe(path.handler)}`,
        message:
          `${code(`${call}(…)`)} runs inside request handler ${describe(path.handler)}${via}, so every request loads the model again: ` +
          'latency grows by the load time (often seconds), memory multiplies under concurrent requests, and the first ' +
          'requests after a deploy or scale-out time out.',
        remedy:
          'Load the model once at start-up (module level, a FastAPI lifespan/startup hook, or a cached loader such as ' +
          '`functools.lru_cache`), warm it up with one prediction, and report ready only after that; handlers then reuse it.',
      });
    });
  }
  return hits;
}

export const modelLoadInRequestPath: Rule = {
  id: 'model-load-in-request-path',
  summary: 'A model loaded (joblib/pickle/torch.load, from_pretrained, mlflow load_model, ONNX session) inside a request handler or a helper it calls',
  severity: 'high',
  kind: 'problem',
  scope: 'Python or JS/TS files',
  appliesTo: (file) => ['python', 'typescript', 'javascript'].includes(file.language),
  check,
};
