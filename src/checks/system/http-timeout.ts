import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callArgs, callText, commentLine, headLines, type HeadLine } from '../lines.js';
import { addsTrigger, serverFamilyOf, triggers, type Family } from './code-util.js';
import { addsMention } from '../text.js';

interface CallPattern {
  re: RegExp;
  /** Which argument holds the options, given the matched method; undefined: the call cannot take a timeout option. */
  optionsAt: (method: string) => number | undefined;
  /** Option names that bound the call's duration. */
  bounded: RegExp;
  remedy: string;
  /** The call's text (`name(…)`, on one line) with a bound added, when that is all the remedy needs. */
  bound?: (call: string) => string | undefined;
}

/** `name(args)` → `name(args<extra>)`: the extra argument before the call's closing parenthesis. */
const appendArgument = (extra: string) => (call: string): string | undefined =>
  /\)$/.test(call) && callArgs(call).length > 0 ? `${call.slice(0, -1)}${extra})` : undefined;

const PY_REMEDY =
  'Pass `timeout=(3.05, 10)` (connect, read seconds) sized to the caller\'s own deadline, and decide what happens on ' +
  '`Timeout`: retry with backoff if the call is idempotent, otherwise fail fast with a clear error.';
const JS_REMEDY =
  'Bound the call: `fetch(url, { signal: AbortSignal.timeout(5_000) })` or axios `{ timeout: 5_000 }`, sized to the ' +
  'caller\'s own deadline; handle the abort (retry with backoff if idempotent, else fail fast).';

const PATTERNS: Record<Family, CallPattern[]> = {
  python: [
    {
      re: /(?<![\w.])requests\.(get|post|put|patch|delete|head|options|request)\s*\(/g,
      optionsAt: () => -1, // keyword argument anywhere
      bounded: /\btimeout\s*=/,
      remedy: PY_REMEDY,
      bound: appendArgument(', timeout=(3.05, 10)'),
    },
    { re: /(?<![\w])(?:urllib\.request\.)?urlopen\s*\(/g, optionsAt: () => -1, bounded: /\btimeout\s*=|,\s*[^,]+,\s*[^,)]+\)/, remedy: PY_REMEDY },
  ],
  script: [
    {
      re: /(?<![\w.$])fetch\s*\(/g,
      optionsAt: () => 1,
      bounded: /\bsignal\b/,
      remedy: JS_REMEDY,
      // Only `fetch(url)`: with options already there, the signal belongs inside them.
      bound: (call) => (callArgs(call).length === 1 ? appendArgument(', { signal: AbortSignal.timeout(5_000) }')(call) : undefined),
    },
    {
      re: /(?<![\w.$])axios(?:\.(get|delete|head|options|post|put|patch|request))?\s*\(/g,
      optionsAt: (m) => (['post', 'put', 'patch'].includes(m) ? 2 : ['get', 'delete', 'head', 'options'].includes(m) ? 1 : 0),
      bounded: /\btimeout\b|\bsignal\b/,
      remedy: JS_REMEDY,
    },
  ],
  go: [
    {
      re: /(?<![\w.])http\.(Get|Post|PostForm|Head)\s*\(/g,
      optionsAt: () => undefined,
      bounded: /$^/,
      remedy:
        'Use a client with a deadline: `client := &http.Client{Timeout: 10 * time.Second}` built once and reused, or ' +
        '`http.NewRequestWithContext(ctx, …)` with a context that has a deadline.',
    },
  ],
};


/** Words every call pattern above needs on an added line: a cheap first test, of a file and of a line. */
const MAY_CALL = triggers({
  python: ['requests.', 'urlopen'],
  script: ['fetch(', 'axios'],
  go: ['http.Get', 'http.Post', 'http.Head'],
});

/** Whether the call is bounded, or cannot be judged from the diff (options passed as a variable or spread). */
function boundedOrUnknown(call: string, pattern: CallPattern, method: string): boolean {
  if (/\*\*\w+|\.\.\.\w+/.test(call)) return true;
  const at = pattern.optionsAt(method);
  if (at === undefined) return false;
  if (at === -1) return pattern.bounded.test(call);
  const options = callArgs(call)[at];
  if (options === undefined) return false;
  if (!options.startsWith('{')) return true; // a variable or expression: its contents are not in the diff
  return pattern.bounded.test(options);
}

/**
 * Whether the name at `column` is being declared, not called: `def urlopen(`, `function fetch(`, or a
 * method `private async fetch(id: string) {` (modifiers before it, or a body right after it).
 */
function declaredAt(text: string, column: number): boolean {
  const before = text.slice(0, column);
  if (/\b(?:def|function\s*\*?)\s*$/.test(before)) return true;
  if (/^\s*(?:(?:public|private|protected|static|async|override)\s+)+$/.test(before)) return true;
  return /^\s*$/.test(before) && /^[\w$]+\s*\([^)]*\)\s*(?::[^=;{]+)?\{\s*$/.test(text.slice(column));
}

/** `axios.defaults.timeout = …` bounds the global axios; an `axios.create({ timeout })` instance does not. */
function fileSetsAxiosDefault(lines: readonly HeadLine[]): boolean {
  return lines.some((l) => /axios\.defaults\.timeout\s*=/.test(l.text));
}

function check(file: ChangedFile): RuleHit[] {
  const family = serverFamilyOf(file);
  if (family === undefined || !addsTrigger(file, MAY_CALL)) return [];
  const mayCall = MAY_CALL[family];
  // The axios default only matters to an added axios call.
  const axiosDefaults = family === 'script' && addsMention(file, /axios/);
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const lines = headLines(hunk);
    const axiosDefault = axiosDefaults && fileSetsAxiosDefault(lines);
    lines.forEach((line, index) => {
      if (!line.added || !mayCall.test(line.text) || commentLine(line.text, family === 'python')) return;
      for (const pattern of PATTERNS[family]) {
        for (const match of line.text.matchAll(pattern.re)) {
          if (axiosDefault && match[0].startsWith('axios')) continue;
          if (declaredAt(line.text, match.index ?? 0)) continue;
          const call = callText(lines, index, match.index ?? 0);
          if (boundedOrUnknown(call, pattern, match[1]?.toLowerCase() ?? '')) continue;
          const name = match[0].replace(/\s*\($/, '');
          const bounded = call.includes('\n') ? undefined : pattern.bound?.(call);
          const at = match.index ?? 0;
          hits.push({
            line: line.line,
            ...(bounded === undefined ? {} : { suggestion: line.text.slice(0, at) + bounded + line.text.slice(at + call.length) }),
            title: `\`${name}\` without a timeout`,
            message:
              `\`${name}(…)\` has no timeout. When the remote end stalls (it will: deploys, packet loss, an overloaded ` +
              'dependency), this call waits indefinitely, holding a worker, a connection and the caller\'s request; under ' +
              'load the pool drains and the service stops answering.',
            remedy: pattern.remedy,
          });
        }
      }
    });
  }
  return hits;
}

export const httpCallWithoutTimeout: Rule = {
  id: 'http-call-without-timeout',
  summary: 'An outbound HTTP call with no timeout (Python requests/urlopen, fetch without an abort signal, axios, Go http.Get)',
  why: 'A stalled dependency holds a worker and a connection indefinitely; under load the pool drains and the service stops answering.',
  remedy: "A timeout sized to the caller's own deadline, and a decision on retry with backoff versus failing fast.",
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, server-side JS/TS or Go files',
  appliesTo: (file) => serverFamilyOf(file) !== undefined,
  check,
};
