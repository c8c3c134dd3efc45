import type { ChangedFile, DiffLine, Hunk } from '../changeset/types.js';
import { memoByObject } from '../path-memo.js';

/** A head-side line of a hunk (added or context) with its position in that hunk's head-side lines. */
export interface HeadLine {
  text: string;
  line: number;
  added: boolean;
}

/** The head-side lines of a hunk, in order: what the file looks like there after the change. */
export function headLines(hunk: Hunk): HeadLine[] {
  const out: HeadLine[] = [];
  for (const l of hunk.lines) {
    if (l.kind !== 'del' && l.newLine !== undefined) out.push({ text: l.text, line: l.newLine, added: l.kind === 'add' });
  }
  return out;
}

/**
 * The head-side views a rule reads: the whole head file (as one view, each line flagged if the change
 * added it) when its content was fetched, else each hunk's head-side lines. Made once per file for
 * every rule (and so the handler detector's per-view caches are shared): callers must not change them.
 */
export const headViews: (file: ChangedFile) => HeadLine[][] = memoByObject(readHeadViews);

function readHeadViews(file: ChangedFile): HeadLine[][] {
  if (file.content === undefined) return file.hunks.map(headLines);
  const added = new Set<number>();
  for (const hunk of file.hunks) for (const l of hunk.lines) if (l.kind === 'add' && l.newLine !== undefined) added.add(l.newLine);
  return [file.content.split('\n').map((text, i) => ({ text, line: i + 1, added: added.has(i + 1) }))];
}

export function addedLines(file: ChangedFile): DiffLine[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add'));
}

export function removedTexts(file: ChangedFile): string[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'del').map((l) => l.text));
}

export function indentOf(text: string): number {
  return /^[ \t]*/.exec(text)?.[0].replace(/\t/g, '    ').length ?? 0;
}

/** A line that is only a comment: `# ...` in Python, `// ...`, `/* ...` or a ` * ...` block line elsewhere. */
export function commentLine(text: string, python: boolean): boolean {
  return python ? /^\s*#/.test(text) : /^\s*(?:\/\/|\/\*|\*)/.test(text);
}

function blank(text: string): boolean {
  return /^\s*(#.*|\/\/.*)?$/.test(text);
}

/** `) -> Response:` or `): Promise<void> {`: the end of a wrapped signature, not a block of its own. */
function closesBracket(text: string): boolean {
  return /^\s*[)\]]/.test(text);
}

/**
 * The lines that open the blocks enclosing `lines[index]`, innermost first, judged by indentation:
 * each is the nearest earlier non-blank line indented less than the one before it (the closing line of a
 * wrapped signature is skipped, so its `def`/`function` line is found). Works for Python
 * and for conventionally indented JS/TS; it sees only the lines it is given.
 */
export function enclosingOpeners(lines: readonly HeadLine[], index: number): number[] {
  const openers: number[] = [];
  const start = lines[index];
  if (!start) return openers;
  let indent = indentOf(start.text);
  for (let i = index - 1; i >= 0 && indent > 0; i--) {
    const text = lines[i]?.text ?? '';
    if (blank(text) || closesBracket(text)) continue;
    const own = indentOf(text);
    if (own < indent) {
      openers.push(i);
      indent = own;
    }
  }
  return openers;
}

const OPENS_ROUND = (ch: number): boolean => ch === 0x28; // (
const CLOSES_ROUND = (ch: number): boolean => ch === 0x29; // )
const OPENS_ANY = (ch: number): boolean => ch === 0x28 || ch === 0x5b || ch === 0x7b; // ( [ {
const CLOSES_ANY = (ch: number): boolean => ch === 0x29 || ch === 0x5d || ch === 0x7d; // ) ] }

/**
 * The text from `column` of `lines[index]` up to the bracket that closes the first one opened after
 * it, read across following lines (at most `maxLines`), and what follows on that last line. `round`:
 * only parentheses count; `any`: `()`, `[]` and `{}`. Strings are not parsed: good enough to see
 * keyword arguments and literal keys, not to evaluate them. Unclosed: every line read, each ending in
 * a newline, and no rest.
 */
export function balancedText(
  lines: readonly HeadLine[],
  index: number,
  column: number,
  maxLines: number,
  brackets: 'round' | 'any',
): { text: string; rest: string } {
  const [opens, closes] = brackets === 'round' ? [OPENS_ROUND, CLOSES_ROUND] : [OPENS_ANY, CLOSES_ANY];
  let depth = 0;
  const read: string[] = [];
  for (let i = index; i < lines.length && i < index + maxLines; i++) {
    const source = i === index ? (lines[i]?.text ?? '').slice(column) : (lines[i]?.text ?? '');
    for (let c = 0; c < source.length; c++) {
      const ch = source.charCodeAt(c);
      if (opens(ch)) depth++;
      // Depth can come back to 0 on a closing bracket only after an opening one.
      else if (closes(ch) && --depth === 0) {
        read.push(source.slice(0, c + 1));
        return { text: read.join('\n'), rest: source.slice(c + 1) };
      }
    }
    read.push(source);
  }
  return { text: read.length > 0 ? `${read.join('\n')}\n` : '', rest: '' };
}

/**
 * The text of a call starting at `column` of `lines[index]`, up to its closing parenthesis, read
 * across following lines (at most `maxLines`). Strings are not parsed: good enough to see keyword
 * arguments, not to evaluate them.
 */
export function callText(lines: readonly HeadLine[], index: number, column: number, maxLines = 20): string {
  return balancedText(lines, index, column, maxLines, 'round').text;
}

/** The top-level arguments of a call's text `name(a, "b,c", {d})`, strings respected. */
export function callArgs(call: string): string[] {
  const open = call.indexOf('(');
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of call.slice(open + 1)) {
    if (quote) {
      if (ch === quote) quote = '';
      current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (depth < 0) break;
    if (ch === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}
