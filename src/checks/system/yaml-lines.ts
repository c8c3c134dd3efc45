/**
 * A line-based reading of Kubernetes YAML, indentation only. Helm templates are not valid YAML
 * (`{{- if }}` lines, `{{ toYaml .Values.resources | nindent 12 }}` values), so the rules read
 * structure by indentation instead of parsing: template-only lines are skipped, and a key whose value
 * is templated counts as set (its value lives in values.yaml, which the diff may not show).
 */
import type { ChangedFile } from '../../changeset/types.js';
import { memoByObject } from '../../path-memo.js';
import { indentOf } from '../lines.js';
import { templateLine } from './infra-files.js';

export interface YLine {
  text: string;
  /** Head-side line number. */
  line: number;
  added: boolean;
  /** Lines the change removed just before this one. */
  removedBefore: readonly string[];
}

/** A run of consecutive head-side lines and whether it reaches the file's start and end. */
export interface Segment {
  lines: readonly YLine[];
  top: boolean;
  eof: boolean;
}

/** One YAML document (between `---` lines), with whether its start and end are in view. */
export interface YDoc {
  lines: YLine[];
  complete: boolean;
}

function hunkLines(file: ChangedFile, hunkIndex: number): YLine[] {
  const out: YLine[] = [];
  let removed: string[] = [];
  for (const l of file.hunks[hunkIndex]?.lines ?? []) {
    if (l.kind === 'del') removed.push(l.text);
    else if (l.newLine !== undefined) {
      out.push({ text: l.text, line: l.newLine, added: l.kind === 'add', removedBefore: removed });
      removed = [];
    }
  }
  const last = out[out.length - 1];
  if (last && removed.length > 0) out[out.length - 1] = { ...last, removedBefore: [...last.removedBefore, ...removed] }; // removed at the hunk's end: keep them nearby
  return out;
}

/**
 * The head-side views of a YAML file (below), made once per file for every rule that reads them
 * (a file gaining its content is a new object): callers must not change them.
 */
export const segmentsOf: (file: ChangedFile) => readonly Segment[] = memoByObject(readSegments);

/**
 * The head-side views of a YAML file: the whole file from its content or when it is new, otherwise
 * each hunk (its start is the file's start when it begins at line 1; a hunk that does not end in
 * context reaches the end of the file, since diffs carry trailing context otherwise).
 */
function readSegments(file: ChangedFile): Segment[] {
  const perHunk = file.hunks.map((h, i) => ({ hunk: h, lines: hunkLines(file, i) }));
  if (file.content !== undefined) {
    const byLine = new Map(perHunk.flatMap((p) => p.lines.map((l) => [l.line, l] as const)));
    const lines = file.content.split('\n').map((text, i) => byLine.get(i + 1) ?? { text, line: i + 1, added: false, removedBefore: [] });
    if ([...byLine.values()].every((l) => lines[l.line - 1]?.text === l.text)) return [{ lines, top: true, eof: true }];
  }
  return perHunk.map(({ hunk, lines }) => ({
    lines,
    top: file.status === 'added' || lines[0]?.line === 1,
    eof: file.status === 'added' || hunk.lines[hunk.lines.length - 1]?.kind !== 'context',
  }));
}

/** The documents of a segment, split at `---`. */
export function documentsOf(segment: Segment): YDoc[] {
  const docs: YDoc[] = [];
  let current: YLine[] = [];
  let startKnown = segment.top;
  for (const l of segment.lines) {
    if (/^---(?:\s|$)/.test(l.text)) {
      if (current.length > 0) docs.push({ lines: current, complete: startKnown });
      current = [];
      startKnown = true;
      continue;
    }
    current.push(l);
  }
  if (current.length > 0) docs.push({ lines: current, complete: startKnown && segment.eof });
  return docs;
}

export function kindOf(doc: YDoc): string | undefined {
  for (const l of doc.lines) {
    const kind = /^kind:\s*["']?([\w.-]+)/.exec(l.text)?.[1];
    if (kind) return kind;
  }
  return undefined;
}

/** A line that carries no structure: blank, a comment or a template action. */
export function structural(text: string): boolean {
  return text.trim() !== '' && !/^\s*#/.test(text) && !templateLine(text);
}

/** The key a line sets (`- name: api` → `name`), or undefined. */
export function keyOf(text: string): string | undefined {
  return /^\s*(?:-\s+)?["']?([\w.\-/]+)["']?\s*:(?:\s|$)/.exec(text)?.[1];
}

/** The indentation of a line's key: after the dash of a list item. */
export function keyIndent(text: string): number {
  const m = /^(\s*)(?:-\s+)?/.exec(text);
  return (m?.[0] ?? '').replace(/\t/g, '    ').length;
}

/** The inline value after `key:`, trimmed (empty for a block). */
export function inlineValue(text: string): string {
  return text.replace(/^\s*(?:-\s+)?["']?[\w.\-/]+["']?\s*:/, '').replace(/\s+#.*$/, '').trim();
}

/** The index just past the block of the key at `index`: lines indented deeper than its key (template lines included). */
export function blockEnd(lines: readonly YLine[], index: number, limit = lines.length): number {
  const keyLine = lines[index]?.text ?? '';
  const own = keyIndent(keyLine);
  let end = index + 1;
  for (let i = index + 1; i < limit; i++) {
    const text = lines[i]?.text ?? '';
    if (!structural(text)) continue;
    const indent = indentOf(text);
    // A list may sit at its key's own indentation (`ports:\n- containerPort: 80`).
    const compactList = indent === own && /^\s*-\s/.test(text) && !/^\s*-\s/.test(keyLine);
    if (indent <= own && !compactList) break;
    end = i + 1;
  }
  return end;
}

/** A container of a pod spec. */
export interface Container {
  name: string;
  /** Index in the document's lines of the item's first line (`- name: api`). */
  start: number;
  end: number;
  /** The block's end is in view, so a missing key is really missing. */
  complete: boolean;
  /** Child keys of the container, with their line index. */
  keys: Map<string, number>;
}

/** The `containers:` of every pod spec in a document (not `initContainers`). */
export function containersOf(doc: YDoc): Container[] {
  const out: Container[] = [];
  const lines = doc.lines;
  lines.forEach((l, i) => {
    if (!/^\s*(?:-\s+)?containers:\s*$/.test(l.text)) return;
    const listIndent = keyIndent(l.text);
    let dash = -1;
    let current: Container | undefined;
    let ended = false;
    for (let j = i + 1; j < lines.length; j++) {
      const text = lines[j]?.text ?? '';
      if (!structural(text)) continue;
      const indent = indentOf(text);
      const item = /^\s*-\s/.test(text);
      if (dash < 0) {
        if (!item || indent < listIndent) {
          ended = true;
          break;
        }
        dash = indent;
      }
      if (indent < dash || (indent === dash && !item)) {
        ended = true;
        break;
      }
      if (indent === dash && item) {
        current = { name: '', start: j, end: j + 1, complete: true, keys: new Map() };
        out.push(current);
      }
      if (!current) continue;
      current.end = j + 1;
      if (keyIndent(text) === keyIndent(lines[current.start]?.text ?? '')) {
        const key = keyOf(text);
        if (key !== undefined && !current.keys.has(key)) current.keys.set(key, j);
        if (key === 'name' && !current.name) current.name = inlineValue(text).replace(/^["']|["']$/g, '');
      }
    }
    // Only the last container can run past what is in view.
    if (!ended && !doc.complete && current) current.complete = false;
  });
  return out;
}

/** Whether the container's key holds a templated value (`{{ toYaml .Values.resources | nindent 12 }}`): set elsewhere. */
export function templated(lines: readonly YLine[], keyIndex: number): boolean {
  if (inlineValue(lines[keyIndex]?.text ?? '').includes('{{')) return true;
  // The action may close the container's block (it is not structural), so look past the block's end.
  for (let i = keyIndex + 1; i < lines.length; i++) {
    const text = lines[i]?.text ?? '';
    if (templateLine(text) && /toYaml|include|\.Values|tpl\s/.test(text)) return true;
    if (structural(text)) return false;
  }
  return false;
}

/** The added lines and removed texts inside lines [start, end) of a document. */
export function changesIn(lines: readonly YLine[], start: number, end: number): { added: YLine[]; removed: string[] } {
  const slice = lines.slice(start, end);
  return { added: slice.filter((l) => l.added), removed: slice.flatMap((l, i) => (i === 0 ? [] : l.removedBefore)) };
}
