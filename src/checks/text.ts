/**
 * Cheap prefilters for the rules. Most rules can only fire on a file whose text names some API or
 * keyword (`joblib.load`, `os.environ`, `selector:`); testing a file's text, joined once and cached,
 * rejects most files of a large change before any line-by-line work. The fastest such tests are
 * alternations of plain words (`/sleep|urlopen|requests\./`): a leading `^`, `\s*` or lookbehind makes
 * the engine try every position, and is best left to the line-by-line work behind the test.
 */
import type { ChangedFile } from '../changeset/types.js';

const ALL = new WeakMap<ChangedFile, string>();
const ADDED = new WeakMap<ChangedFile, string>();
const REMOVED = new WeakMap<ChangedFile, string>();

/**
 * Every line a rule can read about this file, one per line: the hunk headers, every hunk line
 * (added, removed and context) and the head-side content when it was read. A line-level regex that
 * matches one of those lines also matches this text (with the `m` flag when it uses `^` or `$`).
 */
export function fileText(file: ChangedFile): string {
  let text = ALL.get(file);
  if (text !== undefined) return text;
  const parts: string[] = [];
  for (const hunk of file.hunks) {
    parts.push(hunk.header);
    for (const line of hunk.lines) parts.push(line.text);
  }
  if (file.content !== undefined) parts.push(file.content);
  text = parts.join('\n');
  ALL.set(file, text);
  return text;
}

function linesOf(file: ChangedFile, kind: 'add' | 'del', cache: WeakMap<ChangedFile, string>): string {
  let text = cache.get(file);
  if (text !== undefined) return text;
  const parts: string[] = [];
  for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === kind) parts.push(line.text);
  text = parts.join('\n');
  cache.set(file, text);
  return text;
}

/** The file's added lines, one per line: for rules that fire only on a line the change added. */
export function addedText(file: ChangedFile): string {
  return linesOf(file, 'add', ADDED);
}

/** The file's removed lines, one per line: for rules that fire only on what the change took out. */
export function removedText(file: ChangedFile): string {
  return linesOf(file, 'del', REMOVED);
}

/**
 * Whether some line this file shows may match `re`: false means no line of `fileText` does, so a rule
 * that needs such a line can say nothing. `re` must not be global or sticky (`test` would keep state).
 */
export function mentions(file: ChangedFile, re: RegExp): boolean {
  return re.test(fileText(file));
}

/**
 * Whether some added line may match `re` (same contract as `mentions`, over the added lines only).
 * With the head content read, rules flag added lines of the content by number, so the whole text is tested.
 */
export function addsMention(file: ChangedFile, re: RegExp): boolean {
  return re.test(file.content === undefined ? addedText(file) : fileText(file));
}

/** Whether some removed line may match `re` (same contract as `mentions`, over the removed lines only). */
export function removesMention(file: ChangedFile, re: RegExp): boolean {
  return re.test(removedText(file));
}
