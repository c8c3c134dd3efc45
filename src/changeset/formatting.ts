import { memoByObject } from '../path-memo.js';
import type { ChangeSet, ChangedFile, DiffLine, Hunk } from './types.js';

/**
 * Text with what formatters change taken out: white space, quote style, trailing commas, semicolons
 * (prettier's `semi`), and parentheses around a lone arrow-function parameter.
 */
function normalise(lines: readonly DiffLine[]): string {
  return lines
    .map((l) => l.text)
    .join('')
    .replace(/\s+/g, '')
    .replace(/'/g, '"')
    .replace(/;/g, '')
    .replace(/\(([\w$]+)\)=>/g, '$1=>')
    .replace(/,(?=[)\]}])/g, '');
}

/**
 * A hunk whose added lines say exactly what its removed lines said, once formatting is taken out
 * (black, prettier, gofmt, a re-indent), changes nothing a reviewer should see: its added lines
 * become context and its removed lines go. Judged per whole hunk, so code moved into a new block
 * (a `def` line added, say) is still new code.
 */
function withoutReformat(hunk: Hunk): Hunk {
  let judged = JUDGED.get(hunk);
  if (judged === undefined) {
    judged = judge(hunk);
    JUDGED.set(hunk, judged);
  }
  return judged;
}

/**
 * Each hunk judged once: a review plans on the change, then checks the same hunks again once head
 * contents are attached (new file objects, the same hunk objects).
 */
const JUDGED = new WeakMap<Hunk, Hunk>();

function judge(hunk: Hunk): Hunk {
  const added = hunk.lines.filter((l) => l.kind === 'add');
  const removed = hunk.lines.filter((l) => l.kind === 'del');
  if (added.length === 0 || removed.length === 0 || normalise(added) !== normalise(removed)) return hunk;
  return {
    ...hunk,
    lines: hunk.lines
      .filter((l) => l.kind !== 'del')
      .map((l) => (l.kind === 'add' ? { kind: 'context' as const, text: l.text, ...(l.newLine === undefined ? {} : { newLine: l.newLine }) } : l)),
  };
}

/**
 * The file with formatting-only hunks turned into context, remembered per file object: a review
 * plans on the change and then sees the same files again (only those read whole are new objects).
 */
const withoutReformatting = memoByObject((file: ChangedFile): ChangedFile => {
  const hunks = file.hunks.map(withoutReformat);
  return hunks.every((h, i) => h === file.hunks[i]) ? file : { ...file, hunks };
});

/** The change with formatting-only hunks turned into context. Files and line numbers stay as they are. */
export function ignoreReformatting(changeSet: ChangeSet): ChangeSet {
  let changed = false;
  const files = changeSet.files.map((file) => {
    const seen = withoutReformatting(file);
    if (seen !== file) changed = true;
    return seen;
  });
  return changed ? { ...changeSet, files } : changeSet;
}
