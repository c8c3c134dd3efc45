/**
 * Helpers shared by the system rules over application code: which family a file belongs to, the words
 * a rule needs before it reads a file line by line, the views it reads (each hunk's head side, or the
 * whole head file when its content was fetched), the base side of a hunk for removed code, and where
 * a line runs: a request handler or not (the detector of ../handlers.ts, with the system rules' policy).
 */
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import {
  SYSTEM_POLICY,
  memoised as detectMemoised,
  pythonHandler as detectPythonHandler,
  pythonRequestPath as detectPythonRequestPath,
  scriptRequestPath,
  type Handler,
  type RequestPath,
} from '../handlers.js';
import type { HeadLine } from '../lines.js';
import { addsMention } from '../text.js';

import { headViews } from '../lines.js';
import { memoByObject, memoByPath } from '../../path-memo.js';

export { headViews };

export type Family = 'python' | 'script' | 'go';

export function familyOf(file: ChangedFile): Family | undefined {
  if (file.language === 'python') return 'python';
  if (file.language === 'typescript' || file.language === 'javascript') return 'script';
  if (file.language === 'go') return 'go';
  return undefined;
}

/** familyOf for rules about servers: browser code (.tsx/.jsx) is left out, where a hung call or a 200 error is a UX problem, not an outage. */
export function serverFamilyOf(file: ChangedFile): Family | undefined {
  const family = familyOf(file);
  return family === 'script' && /\.(?:tsx|jsx)$/.test(file.path) ? undefined : family;
}

/** The module a Python import line names: `import m`, `from m import …`. */
export function pythonImportOn(text: string): string | undefined {
  const m = /^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))/.exec(text);
  return m ? m[1] ?? m[2] : undefined;
}

/** The package a Go import line names: `import "p"`, `import alias "p"`, or a line inside an `import ( … )` block. */
export function goImportOn(text: string): string | undefined {
  return (/^\s*import\s+(?:\w+\s+)?"([^"]+)"/.exec(text) ?? /^\s+(?:[\w.]+\s+)?"([^"]+)"\s*$/.exec(text))?.[1];
}

const TEST_PATH =
  /(?:^|\/)(?:tests?|__tests__|__mocks__|spec|specs|e2e|fixtures|testdata)\/|(?:^|\/)test_[^/]*\.py$|_test\.(?:py|go)$|(?:^|\/)conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/;
/** One-off programs: a client built there lives as long as the run, not per request. */
const SCRIPT_PATH = /(?:^|\/)(?:scripts?|bin|tools|migrations|alembic|notebooks|seeds?)\//;

export const isTestPath: (path: string) => boolean = memoByPath((path) => TEST_PATH.test(path));

export const isScriptPath: (path: string) => boolean = memoByPath((path) => SCRIPT_PATH.test(path));

// ---- trigger words: the rules' first test of a file, one test for all of them -----------------------

/**
 * Words, per family, that one of the rules below needs on an added line before it can fire (each rule
 * names its own with `triggers`; `select`, in every family, and `fetch(` stand for PATTERNS). Over a
 * large change, testing each rule's alternation on every file's text is most of what these rules
 * cost, and most files hold none of the words: one test for any of them, shared by the rules, costs
 * about as much as one rule's and spares the others'.
 */
const TRIGGER_WORDS = {
  python: [
    // blocking-call-in-async-handler
    'sleep', 'requests.', 'httpx.', 'urlopen', '.connect', 'subprocess.', 'smtplib.', '_one', '_many', 'count_documents', 'aggregate',
    '_object', 'upload_file', 'download_file', 'send_message', 'receive_message', '_item(',
    // client-per-request, redis-client-without-timeout
    'requests.Session', 'ClientSession', 'boto3.', 'create_engine', 'create_async_engine', 'create_pool', 'MongoClient', 'MotorClient',
    'Redis', 'from_url', 'OpenAI', 'Anthropic', 'Elasticsearch', 'ConnectionPool', 'Client(',
    // unbounded-query
    '.all()', 'read_sql_table', '.find(',
  ],
  script: [
    'Sync', // blocking-call-in-async-handler
    'Client', 'Pool', 'Redis', 'OpenAI', 'Anthropic', 'Sequelize', 'knex', // client-per-request
    '.json', '.send', // error-returned-with-200
    'fetch(', 'axios', // http-call-without-timeout
    '.find(', '.findMany', '.findAll', // unbounded-query
  ],
  go: [
    '.Open', '.Connect', 'pgxpool.', 'NewClient', // client-per-request
    'JSON', // error-returned-with-200
    'http.Get', 'http.Post', 'http.Head', // http-call-without-timeout
    '.find(', '.Find(', // unbounded-query
  ],
} as const;

/**
 * The triggers that are no plain word: `select` in any case then a space (SQL in a string, any family),
 * and `fetch(` with any space before the parenthesis (a call, not `fetchOrders`).
 */
const PATTERNS: ReadonlyMap<string, string> = new Map([
  ['select', '[sS][eE][lL][eE][cC][tT]\\s'],
  ['fetch(', 'fetch\\s*\\('],
]);

type WordOf<F extends Family> = (typeof TRIGGER_WORDS)[F][number] | 'select';

const asPattern = (word: string): string => PATTERNS.get(word) ?? word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const wordsPattern = (words: readonly string[]): RegExp => new RegExp(words.map(asPattern).join('|'));

/** Any trigger of the family. */
const ANY_TRIGGER: Record<Family, RegExp> = {
  python: wordsPattern([...TRIGGER_WORDS.python, 'select']),
  script: wordsPattern([...TRIGGER_WORDS.script, 'select']),
  go: wordsPattern([...TRIGGER_WORDS.go, 'select']),
};

declare const triggerBrand: unique symbol;

/** A rule's trigger words as a pattern per family, made by `triggers` so that each holds only words of ANY_TRIGGER. */
export type Triggers = { readonly [K in Family]?: RegExp } & { readonly [triggerBrand]: true };

/** A rule's trigger words per family it reads, as patterns: of a file for `addsTrigger`, or of one line. */
export function triggers<F extends Family>(words: { readonly [K in F]: readonly WordOf<K>[] }): Triggers & { readonly [K in F]: RegExp } {
  const patterns: Partial<Record<Family, RegExp>> = {};
  for (const family of Object.keys(words) as F[]) patterns[family] = wordsPattern(words[family]);
  return patterns as Triggers & { readonly [K in F]: RegExp };
}

/** Whether the file's added text holds any trigger of its family (addsMention's text): false for most files of a large change. */
const anyTrigger = memoByObject((file: ChangedFile): boolean => {
  const family = familyOf(file);
  return family !== undefined && addsMention(file, ANY_TRIGGER[family]);
});

/**
 * Whether some added line may hold one of the rule's trigger words for the file's family (none for a
 * family it does not name): addsMention's contract, behind one test shared by the rules.
 */
export function addsTrigger(file: ChangedFile, words: Triggers): boolean {
  const family = familyOf(file);
  const pattern = family === undefined ? undefined : words[family];
  return pattern !== undefined && anyTrigger(file) && addsMention(file, pattern);
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

// ---- request handlers: the shared detector (../handlers.ts) with the system rules' policy ----------

export type { Handler, RequestPath } from '../handlers.js';
export { decoratorsAbove, describeHandler } from '../handlers.js';

/** Whether the Python `def` at `defIndex` runs once per request (routes, Django views, Lambda handlers), and under what name. */
export function pythonHandler(lines: readonly HeadLine[], defIndex: number, path: string): Handler | undefined {
  return detectPythonHandler(lines, defIndex, path, SYSTEM_POLICY);
}

/** Whether the line at `index` only runs while nothing is cached yet (a guard block below `top`, `??=`, a `global`, Go's `once.Do`). */
export function memoised(lines: readonly HeadLine[], index: number, top: number): boolean {
  return detectMemoised(lines, index, top, SYSTEM_POLICY);
}

/** The Python request handler a line runs in: its own function, or a handler in view that calls it. */
export function pythonRequestPath(lines: readonly HeadLine[], index: number, path: string): RequestPath | undefined {
  return detectPythonRequestPath(lines, index, path, SYSTEM_POLICY);
}

/** The JS/TS or Go request handler enclosing the line at `index`, unless the line is memoised there. */
export function scriptOrGoRequestPath(lines: readonly HeadLine[], index: number, family: Family): RequestPath | undefined {
  return scriptRequestPath(lines, index, family === 'go', SYSTEM_POLICY);
}

/** The request handler the line at `index` runs in, for a file of `family` at `path`. */
export function requestPath(lines: readonly HeadLine[], index: number, family: Family, path: string): RequestPath | undefined {
  return family === 'python' ? pythonRequestPath(lines, index, path) : scriptOrGoRequestPath(lines, index, family);
}

// ---- views that see a handler's `def` between two hunks ------------------------------------------

/** git's default function-context lines: the lines that start with a letter, `_` or `$`. */
const GIT_FUNCNAME = /^[A-Za-z_$]/;
const TOP_LEVEL_DEF = /^(?:async\s+)?def\s+\w+\s*\(/;

/** Whether git prints `line` as this hunk header: the line, or the start of it (git cuts a function line at 80 bytes). */
function namedByHeader(line: string, header: string): boolean {
  return line.trimEnd().startsWith(header.trim());
}

/**
 * Whether the one unchanged line between hunks `a` and `b` is the top-level `def` git names in `b`'s
 * header. git names the nearest function line before the hunk (of the base file): when `a` shows a
 * function line of its own and it is not that `def`, the `def` can only be the line in between.
 */
function defBetween(a: Hunk, b: Hunk): boolean {
  const oneLineApart = b.newStart - (a.newStart + a.newLines) === 1 && b.oldStart - (a.oldStart + a.oldLines) === 1;
  if (!oneLineApart || !TOP_LEVEL_DEF.test(b.header)) return false;
  const base = a.lines.filter((l) => l.kind !== 'add').map((l) => l.text);
  const lastFunctionLine = base.filter((t) => GIT_FUNCNAME.test(t)).at(-1);
  return lastFunctionLine !== undefined && !namedByHeader(lastFunctionLine, b.header);
}

/**
 * headViews, except that two hunks one line apart, where that line is the `def` of the second
 * hunk's header, are one view with the `def` in place: a change to a handler's body whose decorator
 * ends the hunk above then shows the handler it runs in. The whole file, when fetched, is left as is.
 */
export const headViewsAcrossDefs: (file: ChangedFile) => HeadLine[][] = memoByObject((file: ChangedFile): HeadLine[][] => {
  const views = headViews(file);
  if (file.content !== undefined || file.hunks.length < 2) return views;
  const joined: HeadLine[][] = [];
  file.hunks.forEach((hunk, i) => {
    const view = views[i] ?? [];
    const before = file.hunks[i - 1];
    const last = joined.at(-1);
    if (before && last && defBetween(before, hunk)) {
      joined[joined.length - 1] = [...last, { text: hunk.header, line: hunk.newStart - 1, added: false }, ...view];
    } else joined.push(view);
  });
  return joined;
});
