import parseDiff from 'parse-diff';
import type { ChangedFile, DiffLine, FileStatus, Hunk, SkippedFile } from './types.js';
import { languageOf } from './language.js';


/** Hunks of one file's patch: a `diff --git` section, or GitHub's `patch` field (hunks only). */
function toHunks(chunks: parseDiff.Chunk[]): Hunk[] {
  return chunks.map((chunk) => {
    const lines: DiffLine[] = [];
    for (const change of chunk.changes) {
      if (change.content.startsWith('\\')) continue; // "\ No newline at end of file"
      const text = change.content.slice(1);
      if (change.type === 'add') lines.push({ kind: 'add', text, newLine: change.ln });
      else if (change.type === 'del') lines.push({ kind: 'del', text, oldLine: change.ln });
      else lines.push({ kind: 'context', text, oldLine: change.ln1, newLine: change.ln2 });
    }
    const header = /^@@[^@]*@@ ?(.*)$/.exec(chunk.content)?.[1] ?? '';
    return {
      oldStart: chunk.oldStart,
      oldLines: chunk.oldLines,
      newStart: chunk.newStart,
      newLines: chunk.newLines,
      header,
      lines,
    };
  });
}

export function parsePatch(patch: string): Hunk[] {
  if (!patch.trim()) return [];
  const files = parseDiff(patch);
  return toHunks(files[0]?.chunks ?? []);
}

function countLines(hunks: Hunk[], kind: 'add' | 'del'): number {
  let n = 0;
  for (const hunk of hunks) for (const line of hunk.lines) if (line.kind === kind) n++;
  return n;
}

export function buildChangedFile(
  path: string,
  status: FileStatus,
  hunks: Hunk[],
  previousPath?: string,
): ChangedFile {
  const file: ChangedFile = {
    path,
    status,
    language: languageOf(path),
    hunks,
    additions: countLines(hunks, 'add'),
    deletions: countLines(hunks, 'del'),
  };
  if (previousPath !== undefined && previousPath !== path) file.previousPath = previousPath;
  return file;
}

/** Indices (in file order) of the `diff --git` sections that are binary. */
function binarySections(text: string): Set<number> {
  const binary = new Set<number>();
  let index = -1;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) index++;
    else if (index >= 0 && (/^Binary files .* differ\r?$/.test(line) || line.startsWith('GIT binary patch'))) {
      binary.add(index);
    }
  }
  return binary;
}

function cleanPath(path: string | undefined): string | undefined {
  if (path === undefined || path === '/dev/null') return undefined;
  return path.replace(/^"(.*)"$/, '$1');
}

/** A unified diff (git's, or plain `diff -u`) as changed files, with binary files listed as skipped. */
export function parseUnifiedDiff(text: string): { files: ChangedFile[]; skipped: SkippedFile[] } {
  const files: ChangedFile[] = [];
  const skipped: SkippedFile[] = [];
  const binary = binarySections(text);
  parseDiff(text).forEach((parsed, index) => {
    const from = cleanPath(parsed.from);
    const to = cleanPath(parsed.to);
    const path = to ?? from;
    if (path === undefined) return;
    if (binary.has(index)) {
      skipped.push({ path, reason: 'binary file' });
      return;
    }
    const status: FileStatus = parsed.new || from === undefined
      ? 'added'
      : parsed.deleted || to === undefined
        ? 'removed'
        : from !== to
          ? 'renamed'
          : 'modified';
    files.push(buildChangedFile(path, status, toHunks(parsed.chunks), status === 'renamed' ? from : undefined));
  });
  return { files, skipped };
}

