/**
 * Helpers shared by the ML lifecycle rules: which side of the ML system a path is on, Python call
 * arguments and string constants, version markers in artifact paths, and YAML documents with their lines.
 */
import picomatch from 'picomatch';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import { callArgs, headViews, type HeadLine } from '../lines.js';
import { memoByObject, memoByPath } from '../../path-memo.js';
import { addedText } from '../text.js';

export { callArgs } from '../lines.js';

const TEST_OR_NOTEBOOK = picomatch(
  ['**/test/**', '**/tests/**', '**/__tests__/**', '**/test_*.py', '**/*_test.py', '**/conftest.py', '**/*.ipynb', '**/notebooks/**', '**/notebook/**'],
  { dot: true },
);

/** What every glob of TEST_OR_NOTEBOOK needs in a path: a fast first test before the globs' regexes. */
const MAY_BE_TEST_OR_NOTEBOOK = /test|notebook|ipynb/;

/** Tests and notebooks: scratch work, where a fixed `model.pkl` is normal. */
export const isTestOrNotebook: (path: string) => boolean = memoByPath((path) => MAY_BE_TEST_OR_NOTEBOOK.test(path) && TEST_OR_NOTEBOOK(path));

const SERVING_FILE = /(?:^|\/)(?:predict|predictor|serve|serving|inference|infer|handler)[\w-]*\.py$/;
const SERVING_DIR = /(?:^|\/)(?:serving|serve|inference|api|predictor|server|endpoints?|online)\//;
const TRAINING_FILE = /(?:^|\/)(?:train|training|trainer|fit)[\w-]*\.py$/;
const TRAINING_DIR = /(?:^|\/)(?:train|training|trainer|pipelines?|notebooks?|experiments?|offline)\//;

type Side = 'training' | 'serving';

/**
 * The side of the ML system a path belongs to, by name: the file name wins, then the directory.
 * Worked out once per path: every ML rule asks, for every file, and some ask again per file of the change.
 */
export const sideOf: (path: string) => Side | undefined = memoByPath((path) =>
  SERVING_FILE.test(path) ? 'serving' : TRAINING_FILE.test(path) || TRAINING_DIR.test(path) ? 'training' : SERVING_DIR.test(path) ? 'serving' : undefined,
);

/**
 * The head-side lines the rule can see, as one list: the whole file when it was read, else every
 * hunk's head lines (headViews, flattened). Made once per file for all the rules that read them:
 * callers must not change the result.
 */
export const visibleLines: (file: ChangedFile) => HeadLine[] = memoByObject((file: ChangedFile) => {
  const views = headViews(file);
  return views.length === 1 ? (views[0] as HeadLine[]) : views.flat();
});

/** The head-side line to report a removed line at: the next head line in its hunk, else the previous one. */
export function nearestHeadLine(hunk: Hunk, index: number): number | undefined {
  for (let i = index; i < hunk.lines.length; i++) {
    const n = hunk.lines[i]?.newLine;
    if (n !== undefined) return n;
  }
  for (let i = index - 1; i >= 0; i--) {
    const n = hunk.lines[i]?.newLine;
    if (n !== undefined) return n;
  }
  return undefined;
}


/** The value of keyword argument `name=` among a call's arguments, or the positional one at `position`. */
export function argument(args: readonly string[], name: string, position?: number): string | undefined {
  const keyword = args.find((a) => new RegExp(`^${name}\\s*=(?!=)`).test(a));
  if (keyword !== undefined) return keyword.replace(/^\w+\s*=\s*/, '');
  if (position === undefined) return undefined;
  const positional = args.filter((a) => !/^\*{0,2}\w+\s*=(?!=)/.test(a));
  return positional[position];
}

const VERSION_WORDS = new Set([
  'version', 'ver', 'run', 'runid', 'sha', 'commit', 'hash', 'revision', 'rev', 'timestamp', 'ts', 'stamp', 'date', 'datetime',
  'time', 'now', 'today', 'strftime', 'isoformat', 'tag', 'uuid', 'build', 'release', 'epoch', 'step', 'ckpt', 'checkpoint', 'job',
  'trial', 'experiment', 'git',
]);

/** Whether an interpolated expression is a version, run, commit or date: `run_id`, `args.version`, `datetime.now()`. */
export function versiony(expr: string): boolean {
  const tokens = expr.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z]+/);
  return tokens.some((t) => VERSION_WORDS.has(t));
}

/** A version, date, run id or commit in a path: `v12`, `/3/`, `2024-06-01`, `20240601`, `1.4.0`, a hex sha. */
const VERSION_MARK = /(?:^|[/_.:@=-])v?\d+(?:\.\d+){0,2}(?=$|[/_.:-])|\d{4}-\d{2}-\d{2}|(?:^|[^0-9a-z])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![0-9a-z])/i;

export function looksVersioned(path: string): boolean {
  return VERSION_MARK.test(path) || /\bruns?\/|\/runs:|\bartifacts\/\w{16,}/.test(path);
}

/** A sentinel: the path is built from a version-like variable, so it is versioned whatever its value. */
export const VERSIONED = Symbol('versioned');
/** What the diff shows of a path: a string, `{?}` standing for each part it cannot see; or `VERSIONED`. */
export type ResolvedPath = string | typeof VERSIONED;
export const UNKNOWN = '{?}';

const STRING = /^[rRbBuU]{0,2}(["'])((?:(?!\1)[^\\]|\\.)*)\1$/;
const FSTRING = /^(?:[fF][rR]?|[rR][fF])(["'])((?:(?!\1)[^\\]|\\.)*)\1$/;

/** Module- or function-level `NAME = expr` assignments in the visible lines; names assigned twice differently are left out. */
export function assignments(lines: readonly HeadLine[]): Map<string, string> {
  const seen = new Map<string, string | null>();
  for (const { text } of lines) {
    const m = /^\s*([A-Za-z_]\w*)\s*(?::\s*[\w.[\], |]+)?\s*=(?!=)\s*(.+?)\s*(?:#.*)?$/.exec(text);
    if (!m?.[1] || m[2] === undefined) continue;
    const before = seen.get(m[1]);
    seen.set(m[1], before === undefined || before === m[2] ? m[2] : null);
  }
  const out = new Map<string, string>();
  for (const [name, expr] of seen) if (expr !== null) out.set(name, expr);
  return out;
}

/**
 * What a Python path expression names, as far as the visible lines settle it: a literal, a constant,
 * an f-string or `os.path.join`/`Path(...) / "x"` of those, with `{?}` for each part that depends on
 * something the diff does not show (an argument, an env var); `VERSIONED` when a version-like
 * variable (`run_id`, `version`, `datetime.now()`) is part of it.
 */
export function resolvePath(expr: string, names: ReadonlyMap<string, string>, depth = 0): ResolvedPath {
  const e = expr.trim();
  if (depth > 5 || !e) return UNKNOWN;
  const literal = STRING.exec(e);
  if (literal) return literal[2] ?? '';
  const f = FSTRING.exec(e);
  if (f) {
    let out = f[2] ?? '';
    for (const m of out.matchAll(/\{([^{}:!]+)[^{}]*\}/g)) {
      const inner = (m[1] ?? '').trim();
      if (versiony(inner)) return VERSIONED;
      const value = resolvePath(inner, names, depth + 1);
      if (value === VERSIONED) return value;
      out = out.replace(m[0], value);
    }
    return out;
  }
  if (/\.format\s*\(/.test(e)) return versiony(e.slice(e.indexOf('.format'))) ? VERSIONED : UNKNOWN;
  if (/^(?:os\.path\.join|posixpath\.join)\s*\(/.test(e)) return joined(callArgs(e), names, depth);
  if (/^(?:pathlib\.)?Path\s*\(/.test(e) && !/\)\s*\//.test(e)) return joined(callArgs(e), names, depth);
  if (/\s\/\s/.test(e)) return joined(splitTopLevel(e, '/'), names, depth);
  if (/^[A-Za-z_][\w.]*$/.test(e)) {
    if (versiony(e) && !/model|path|dir|file|uri|key|name/i.test(e)) return VERSIONED;
    const value = names.get(e);
    return value === undefined ? UNKNOWN : resolvePath(value, names, depth + 1);
  }
  return versiony(e) ? VERSIONED : UNKNOWN;
}

function joined(parts: readonly string[], names: ReadonlyMap<string, string>, depth: number): ResolvedPath {
  const out: string[] = [];
  for (const part of parts) {
    const value = resolvePath(part, names, depth + 1);
    if (value === VERSIONED) return value;
    out.push(value.replace(/\/+$/, ''));
  }
  return out.join('/');
}

function splitTopLevel(expr: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of expr) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === separator && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/** One YAML document of a file, as plain data, with the head-side lines it spans. */
export interface YamlDoc {
  data: unknown;
  startLine: number;
  endLine: number;
}

/**
 * The YAML documents of a file when its whole text is known (the read content, or every line of an
 * added file); undefined when it is not, or when it does not parse (a Helm template, say).
 */
export function yamlDocuments(file: ChangedFile): YamlDoc[] | undefined {
  const text = file.content ?? (file.status === 'added' ? addedText(file) : undefined);
  if (text === undefined || /\{\{/.test(text)) return undefined;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  return docs.map((d) => {
    const [start = 0, , end = 0] = d.range;
    return { data: d.toJS(), startLine: lineCounter.linePos(start).line, endLine: lineCounter.linePos(Math.max(start, end - 1)).line };
  });
}

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path of plain YAML data, or undefined. */
export function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Every object nested in a value, itself included, depth first. */
export function objectsIn(value: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(value)) for (const v of value) objectsIn(v, out);
  else if (isObj(value)) {
    out.push(value);
    for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
}

/** Images of model servers, or images whose name says they carry a model. */
export const MODEL_SERVER_IMAGE =
  /tritonserver|torchserve|tensorflow\/serving|tfserving|kserve|seldon|mlserver|bentoml|vllm|text-generation-inference|\btgi\b|ray-ml|(?:^|[/_-])(?:model|models|serving|inference|predictor)(?:[/_:-]|$)/i;

/** KServe, Seldon and friends: kinds that are a model deployment by themselves. */
export const SERVING_KINDS = new Set(['InferenceService', 'SeldonDeployment', 'InferenceGraph', 'ServingRuntime', 'ClusterServingRuntime']);
