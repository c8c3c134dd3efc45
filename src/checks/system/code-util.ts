/**
 * Helpers shared by the system rules over application code: which family a file belongs to, the views
 * a rule reads (each hunk's head side, or the whole head file when its content was fetched), the
 * base side of a hunk for removed code, and where a line runs: a request handler or not (the
 * detector of ../handlers.ts, with the system rules' policy).
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

export { headViews } from '../lines.js';
import { memoByPath } from '../../path-memo.js';

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
