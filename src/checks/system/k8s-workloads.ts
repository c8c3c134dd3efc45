/** The containers of Kubernetes workloads in a changed YAML file, and what the change did to them. */
import type { ChangedFile } from '../../changeset/types.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import { mentions } from '../text.js';
import { isK8sYaml } from './infra-files.js';
import { indentOf } from '../lines.js';
import { blockEnd, containersOf, documentsOf, inlineValue, keyIndent, keyOf, kindOf, segmentsOf, structural, type Container, type YDoc, type YLine } from './yaml-lines.js';

export interface WorkloadContainer {
  /** `Deployment`, or undefined when the hunk does not show the document's `kind:`. */
  kind: string | undefined;
  /** `metadata.name`, when in view. */
  name: string | undefined;
  container: Container;
  lines: readonly YLine[];
  /** The container is new in this change (its first line and its image were added). */
  added: boolean;
}

/** Workloads whose pod template the rules judge (Pods and ReplicaSets are rarely written by hand). */
export const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

function metadataName(lines: readonly YLine[]): string | undefined {
  const meta = lines.findIndex((l) => /^metadata:\s*$/.test(l.text));
  if (meta < 0) return undefined;
  for (let i = meta + 1; i < blockEnd(lines, meta); i++) {
    const text = lines[i]?.text ?? '';
    if (/^\s{1,4}name:/.test(text)) return inlineValue(text).replace(/^["']|["']$/g, '');
  }
  return undefined;
}

/**
 * Every complete container of a workload (or of a pod spec whose kind is out of view) in the file's
 * views, found once per file for the rules that judge them: callers must not change them.
 */
export const workloadContainers: (file: ChangedFile) => readonly WorkloadContainer[] = memoByObject(readWorkloadContainers);

function readWorkloadContainers(file: ChangedFile): WorkloadContainer[] {
  const out: WorkloadContainer[] = [];
  // Every container sits under a `containers:` line; most manifests (Services, ConfigMaps...) have none to read.
  if (!mentions(file, /containers:/)) return out;
  for (const segment of segmentsOf(file)) {
    for (const doc of documentsOf(segment)) {
      const kind = kindOf(doc);
      if (kind !== undefined && !WORKLOADS.has(kind)) continue;
      for (const container of containersOf(doc)) {
        // No image: a Kustomize strategic-merge patch or a fragment, which only states what it changes.
        if (!container.complete || !container.keys.has('image')) continue;
        const first = doc.lines[container.start];
        const image = container.keys.get('image');
        const added = first?.added === true && (image === undefined || doc.lines[image]?.added === true);
        out.push({ kind, name: metadataName(doc.lines), container, lines: doc.lines, added });
      }
    }
  }
  return out;
}

/**
 * Containers the change added to a list whose `containers:` line is above the hunk (diff only): a new
 * sidecar appended after the last container. Read only where a workload's pod template puts its list
 * (spec.template.spec: items indented 6 or more; a bare Pod's or a Tekton Task's steps sit shallower),
 * and only an added item with an added `image:` whose end is in view. The list may be `initContainers`:
 * those are sized too (the pod's request is the larger of them and the containers').
 */
export function containersAddedBelowView(file: ChangedFile): WorkloadContainer[] {
  if (file.content !== undefined || file.status !== 'modified' || !mentions(file, /image:/)) return [];
  const out: WorkloadContainer[] = [];
  for (const segment of segmentsOf(file)) {
    const doc = segment.top ? undefined : documentsOf(segment)[0];
    if (!doc || kindOf(doc) !== undefined) continue;
    const docEndsInView = segment.eof || documentsOf(segment).length > 1;
    doc.lines.forEach((l, i) => {
      if (!l.added || !/^\s*-\s+name:\s*\S/.test(l.text)) return;
      const item = itemBelowView(doc, i, docEndsInView);
      if (item) out.push({ kind: undefined, name: undefined, container: item, lines: doc.lines, added: true });
    });
  }
  return out;
}

/** The added list item at `start` as a container, if every line above it in view is deeper or a sibling item, and it is whole. */
function itemBelowView(doc: YDoc, start: number, docEndsInView: boolean): Container | undefined {
  const lines = doc.lines;
  const dash = indentOf(lines[start]?.text ?? '');
  if (dash < 6) return undefined;
  const inList = lines.slice(0, start).every((l) => !structural(l.text) || indentOf(l.text) > dash || (indentOf(l.text) === dash && /^\s*-\s/.test(l.text)));
  if (!inList) return undefined;
  const container: Container = { name: inlineValue(lines[start]?.text ?? '').replace(/^["']|["']$/g, ''), start, end: start + 1, complete: docEndsInView, keys: new Map() };
  const own = keyIndent(lines[start]?.text ?? '');
  for (let j = start; j < lines.length; j++) {
    const text = lines[j]?.text ?? '';
    if (!structural(text)) continue;
    if (j > start && indentOf(text) <= dash) {
      container.complete = true;
      break;
    }
    container.end = j + 1;
    const key = keyIndent(text) === own ? keyOf(text) : undefined;
    if (key !== undefined && !container.keys.has(key)) container.keys.set(key, j);
  }
  const image = container.keys.get('image');
  return container.complete && image !== undefined && lines[image]?.added === true && namesAnImage(lines[image]?.text ?? '') ? container : undefined;
}

/**
 * An `image:` line whose value is the image's name, as a container's is; an image volume's `image:` is a
 * mapping (`reference:`, `pullPolicy:`), on the lines below or inline. A Helm `{{ ... }}` is a name.
 */
function namesAnImage(text: string): boolean {
  const value = inlineValue(text);
  return value !== '' && !/^(?:\{(?!\{)|\[)/.test(value);
}

/** What the finding calls it: "container `api` of Deployment `scoring-api`". */
export function describeContainer(w: WorkloadContainer): string {
  // A Helm-templated name (`{{ .Chart.Name }}`) says nothing to the reader: leave it out.
  const named = (s: string | undefined): s is string => s !== undefined && s !== '' && !s.includes('{{');
  const owner = w.kind ? `${w.kind}${named(w.name) ? ` ${code(w.name)}` : ''}` : 'this pod spec';
  return named(w.container.name) ? `container ${code(w.container.name)} of ${owner}` : `the container of ${owner}`;
}

/** The head-side line of the first added line in lines [start, end), if any. */
export function firstAdded(lines: readonly YLine[], start: number, end: number): number | undefined {
  return lines.slice(start, end).find((l) => l.added)?.line;
}

/** The head-side line just after removed lines that set `key` inside the container, if the change removed it. */
export function removedKeyAt(w: WorkloadContainer, keys: RegExp): number | undefined {
  const { lines, container } = w;
  for (let i = container.start + 1; i <= container.end && i < lines.length; i++) {
    if (lines[i]?.removedBefore.some((t) => keys.test(keyOf(t) ?? ''))) return lines[i]?.line;
  }
  return undefined;
}

/** A modified manifest whose changed lines touch a container: the hunk rarely shows the whole container. */
export function touchesContainers(file: ChangedFile, keys: RegExp): boolean {
  if (file.status === 'added' || !isK8sYaml(file)) return false;
  return file.hunks.some((h) => h.lines.some((l) => l.kind !== 'context' && keys.test(keyOf(l.text) ?? '')));
}
