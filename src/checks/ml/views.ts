/** The lines the ML serving rules read a file in: the whole head-side file when given, else each hunk with what git's header tells. */
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import { memoByObject } from '../../path-memo.js';
import { headLines, indentOf, type HeadLine } from '../lines.js';

const TOP_BLOCK = /^(?:async\s+def|def|class)\s+\w+/;
/** How many unseen lines may separate a decorator that ends one hunk from the `def` named in the next hunk's header. */
const MAX_GAP = 10;

/**
 * The lines to judge a file in: its whole head-side content when given and consistent with the hunks,
 * else each hunk. Made once per file for every rule: callers must not change them.
 */
export const views: (file: ChangedFile) => HeadLine[][] = memoByObject(readViews);

function readViews(file: ChangedFile): HeadLine[][] {
  const whole = wholeFile(file);
  if (whole) return [whole];
  return file.hunks.map((hunk, i) => hunkView(hunk, file.language === 'python' ? file.hunks[i - 1] : undefined, file.language === 'python'));
}

/** The head-side file as lines, added ones marked; undefined without content or when it does not match the hunks. */
export function wholeFile(file: ChangedFile): HeadLine[] | undefined {
  if (file.content === undefined) return undefined;
  const texts = file.content.replace(/\r?\n$/, '').split(/\r?\n/);
  const added = new Set<number>();
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) {
      if (l.kind === 'del' || l.newLine === undefined) continue;
      if (texts[l.newLine - 1] !== l.text.replace(/\r$/, '')) return undefined; // stale content: trust the diff
      if (l.kind === 'add') added.add(l.newLine);
    }
  }
  return texts.map((text, i) => ({ text, line: i + 1, added: added.has(i + 1) }));
}

/**
 * A hunk's head-side lines, preceded (in Python) by what git's hunk header says encloses them: the
 * header is the last unindented line above the hunk, so when the hunk opens inside a `def` or `class`
 * that line is its opener. A decorator that ends the previous hunk decorates that `def` (nothing but
 * decorators may stand between them), so it is carried over too. These lines are context (line 0):
 * never reported, only read.
 */
function hunkView(hunk: Hunk, previous: Hunk | undefined, python: boolean): HeadLine[] {
  const lines = headLines(hunk);
  const first = lines.find((l) => l.text.trim() !== '');
  const header = hunk.header.trim();
  if (!python || !first || indentOf(first.text) === 0 || !TOP_BLOCK.test(header)) return lines;
  const synthetic: HeadLine[] = [...trailingDecorators(previous, hunk), { text: balanced(header), line: 0, added: false }];
  return [...synthetic, ...lines];
}

/** git cuts long headers: close an open parameter list so the signature reads as one line. */
function balanced(header: string): string {
  const open = (header.match(/\(/g) ?? []).length - (header.match(/\)/g) ?? []).length;
  if (open <= 0) return header;
  return `${header.replace(/,\s*[^,(]*$/, '')}${')'.repeat(open)}:`;
}

function trailingDecorators(previous: Hunk | undefined, hunk: Hunk): HeadLine[] {
  if (!previous || hunk.newStart - (previous.newStart + previous.newLines) > MAX_GAP) return [];
  const lines = headLines(previous);
  let start = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    const text = lines[i]?.text ?? '';
    if (/^@/.test(text)) start = i;
    else if (text.trim() === '' || (indentOf(text) === 0 && !/^[)\]]/.test(text))) break;
  }
  return lines.slice(start).map((l) => ({ text: l.text, line: 0, added: false }));
}
