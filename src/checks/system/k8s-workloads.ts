/** The containers of Kubernetes workloads in a changed YAML file, and what the change did to them. */
import type { ChangedFile } from '../../changeset/types.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import { mentions } from '../text.js';
import { isK8sYaml } from './infra-files.js';
import { blockEnd, containersOf, documentsOf, inlineValue, keyOf, kindOf, segmentsOf, type Container, type YLine } from './yaml-lines.js';

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
