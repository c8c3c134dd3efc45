/**
 * Cheap prefilters for the rules. Most rules can only fire on a file whose text names some API or
 * keyword (`joblib.load`, `os.environ`, `selector:`); testing a file's text, joined once and cached,
 * rejects most files of a large change before any line-by-line work. The fastest such tests are
 * alternations of plain words (`/sleep|urlopen|requests\./`): a leading `^`, `\s*` or lookbehind makes
 * the engine try every position, and is best left to the line-by-line work behind the test.
 */
import type { ChangedFile } from '../changeset/types.js';
import { memoByObject } from '../path-memo.js';

/**
 * Every line a rule can read about this file, one per line: the hunk headers, every hunk line
 * (added, removed and context) and the head-side content when it was read. A line-level regex that
 * matches one of those lines also matches this text (with the `m` flag when it uses `^` or `$`).
 */
export const fileText: (file: ChangedFile) => string = memoByObject((file: ChangedFile) => {
  const parts: string[] = [];
  for (const hunk of file.hunks) {
    parts.push(hunk.header);
    for (const line of hunk.lines) parts.push(line.text);
  }
  if (file.content !== undefined) parts.push(file.content);
  return parts.join('\n');
});

function linesOf(file: ChangedFile, kind: 'add' | 'del'): string {
  const parts: string[] = [];
  for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === kind) parts.push(line.text);
  return parts.join('\n');
}

/** The file's added lines, one per line: for rules that fire only on a line the change added. */
export const addedText: (file: ChangedFile) => string = memoByObject((file: ChangedFile) => linesOf(file, 'add'));

/** The file's removed lines, one per line: for rules that fire only on what the change took out. */
export const removedText: (file: ChangedFile) => string = memoByObject((file: ChangedFile) => linesOf(file, 'del'));

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
