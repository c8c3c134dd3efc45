/**
 * The JS/TS side of the serving rules that judge a whole server file: its route handlers with their
 * bodies (Express, Fastify, Koa-router and the like), and model loads that finish after the server
 * starts answering. Shared by `health-before-model-ready` and `prediction-without-monitoring`.
 */
import type { ChangedFile } from '../../changeset/types.js';
import { commentLine, type HeadLine } from '../lines.js';
import { SERVING_POLICY, scriptHandlerAt, type Handler } from '../handlers.js';
import { mentions } from '../text.js';

export function isScript(file: ChangedFile): boolean {
  return file.language === 'typescript' || file.language === 'javascript';
}

export interface ScriptRoute {
  handler: Handler;
  /** The path, `/health` of `GET /health`. */
  path: string;
  /** The route call's lines, from the call to its closing parenthesis. */
  lines: HeadLine[];
}

/** How far a route call may run before it is taken as unbalanced (a cut hunk, a template literal). */
const MAX_ROUTE_LINES = 200;

/** The lines from `start` to the line that closes the parenthesis the route call opens, or undefined when they are not all shown. */
function callLines(lines: readonly HeadLine[], start: number): HeadLine[] | undefined {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length && i < start + MAX_ROUTE_LINES; i++) {
    const l = lines[i];
    if (!l || (i > start && l.line !== (lines[i - 1]?.line ?? 0) + 1)) return undefined;
    // Strings and comments can hold parentheses: drop them before counting.
    const text = l.text.replace(/\/\/.*$/, '').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');
    for (const ch of text) {
      if (ch === '(') {
        depth++;
        opened = true;
      } else if (ch === ')') depth--;
    }
    if (opened && depth <= 0) return lines.slice(start, i + 1);
  }
  return undefined;
}

/** The route calls these lines show whole: each with its method and path and every line of its handler. */
export function scriptRoutes(lines: readonly HeadLine[]): ScriptRoute[] {
  const out: ScriptRoute[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]?.text ?? '';
    if (!text.includes('(') || commentLine(text, false)) continue;
    const handler = scriptHandlerAt(lines, i, SERVING_POLICY);
    const path = handler?.route?.replace(/^\S+\s+/, '');
    if (!handler || path === undefined) continue;
    const own = callLines(lines, i);
    if (!own) continue;
    out.push({ handler, path, lines: own });
    i += own.length - 1;
  }
  return out;
}

/** TensorFlow.js, ONNX Runtime and Transformers.js loads: each returns a promise. */
const SCRIPT_LOAD = /\b(?:tf\.(?:loadLayersModel|loadGraphModel|node\.loadSavedModel)|(?:ort\.)?InferenceSession\.create|pipeline)\s*\(/;
/** What SCRIPT_LOAD needs in the file: a cheap first test. */
const MAY_LOAD_SCRIPT = /loadLayersModel|loadGraphModel|loadSavedModel|InferenceSession|pipeline/;

/** Whether the file may load a model at all: a cheap test before its lines are read. */
export function mayLoadScriptModel(file: ChangedFile): boolean {
  return mentions(file, MAY_LOAD_SCRIPT);
}

export interface ScriptDeferredLoad {
  line: HeadLine;
  call: string;
}

/** `app.listen(…)`, `server.listen(…)`, `fastify.listen(…)`: the server starts taking requests. */
const LISTEN = /\.listen\s*\(/;

/**
 * Model loads left to finish in the background at module level: a load whose promise is handled with
 * `.then(…)` rather than awaited before the server listens. (`await` at top level, inside a start-up
 * function that `listen` waits for, or a `.then` that itself starts the server, is not deferred.)
 */
export function scriptDeferredLoads(lines: readonly HeadLine[]): ScriptDeferredLoad[] {
  const out: ScriptDeferredLoad[] = [];
  lines.forEach((line, i) => {
    const m = SCRIPT_LOAD.exec(line.text);
    if (!m || commentLine(line.text, false) || /^\s/.test(line.text)) return;
    const rest = line.text.slice(m.index);
    if (/\bawait\b/.test(line.text.slice(0, m.index)) || !/\)\s*\.then\s*\(/.test(rest)) return;
    if (listensOnceLoaded(lines, i)) return;
    out.push({ line, call: m[0].replace(/\s*\($/, '') });
  });
  return out;
}

/** Whether the load statement at `start` starts the server in its `.then(…)`: nothing is answered before the model is in. */
function listensOnceLoaded(lines: readonly HeadLine[], start: number): boolean {
  // A statement not shown whole may or may not listen: taken as deferred, as before.
  const statement = callLines(lines, start);
  return statement !== undefined && statement.some((l) => LISTEN.test(l.text) && !commentLine(l.text, false));
}

/**
 * In-process inference in JS/TS: `model.predict(…)` (also `model!.predict`), a model's `executeAsync`
 * or `classify`, an ONNX Runtime session's `run`. The generic verbs need a model-named receiver:
 * `pool.execute(sql)` and a Neo4j `session.run(cypher)` are not inference.
 */
const SCRIPT_INFERENCE =
  /[\w)\]!?]\.(?:predict|predictOnBatch)\s*\(|\b\w*(?:[mM]odel|[cC]lassifier|[dD]etector|[eE]mbedder)[!?]?\.(?:execute|executeAsync|classify|detect|embed)\s*\(|\b\w*(?:[oO]rt|[oO]nnx|[iI]nference|[mM]odel)\w*[sS]ession[!?]?\.run\s*\(/;

/** The first inference call in a route's lines, as written up to its parenthesis. */
export function scriptInference(route: ScriptRoute): string | undefined {
  for (const l of route.lines) {
    if (commentLine(l.text, false)) continue;
    const m = SCRIPT_INFERENCE.exec(l.text);
    if (!m) continue;
    const start = l.text.slice(0, m.index + 1).search(/[\w.!?]+$/);
    return l.text.slice(start, m.index + m[0].length - 1).trim();
  }
  return undefined;
}
