import type { ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { indentOf } from '../lines.js';
import { code } from '../../render/escape.js';
import { isK8sYaml } from './infra-files.js';
import { keyOf, structural } from './yaml-lines.js';
import { mentions } from '../text.js';

/** One side (base or head) of a hunk, with the unchanged lines above it when the content is known. */
interface SideLine {
  text: string;
  changed: boolean;
  /** Head-side line number: its own, or for a removed line the next head line. */
  head: number;
}

/** `content`: the head file's lines, when its content is known (split once per file). */
function sidesOf(content: readonly string[] | undefined, hunk: Hunk): { old: SideLine[]; head: SideLine[] } {
  const prefix: SideLine[] = (content?.slice(0, Math.max(0, hunk.newStart - 1)) ?? []).map((text, i) => ({ text, changed: false, head: i + 1 }));
  const old = [...prefix];
  const head = [...prefix];
  let pending: SideLine[] = [];
  for (const l of hunk.lines) {
    if (l.kind === 'del') {
      const line = { text: l.text, changed: true, head: 0 };
      pending.push(line);
      old.push(line);
      continue;
    }
    const n = l.newLine ?? 0;
    for (const p of pending) p.head = n;
    pending = [];
    const line = { text: l.text, changed: l.kind === 'add', head: n };
    head.push(line);
    if (l.kind === 'context') old.push(line);
  }
  const last = hunk.newStart + hunk.newLines - 1;
  for (const p of pending) p.head = Math.max(1, last);
  return { old, head };
}

interface Path {
  keys: string[];
  /** Indentation of each key's line. */
  indents: number[];
  /** The path reaches a top-level key. */
  rooted: boolean;
}

/** The keys leading to line `k`, by indentation; a list item counts as half a step deeper than its key. */
function pathOf(side: readonly SideLine[], k: number): Path {
  const depth = (t: string): number => indentOf(t) + (/^\s*-\s/.test(t) ? 0.5 : 0);
  const own = side[k]?.text ?? '';
  const path: Path = { keys: [keyOf(own) ?? ''], indents: [indentOf(own)], rooted: depth(own) === 0 };
  let target = depth(own);
  for (let j = k - 1; j >= 0 && target > 0; j--) {
    const t = side[j]?.text ?? '';
    if (/^---/.test(t)) break;
    if (!structural(t) || depth(t) >= target) continue;
    path.keys.unshift(keyOf(t) ?? '');
    path.indents.unshift(indentOf(t));
    target = depth(t);
    if (target === 0) path.rooted = true;
  }
  return path;
}

interface Doc {
  kind?: string;
  fresh: boolean;
  hook: boolean;
}

/** The document around line `k`, worked out once per document of a side: `docs` is keyed by the document's first line. */
function docAt(side: readonly SideLine[], k: number, docs: Map<number, Doc>): Doc {
  let start = k;
  while (start > 0 && !/^---/.test(side[start - 1]?.text ?? '')) start--;
  let doc = docs.get(start);
  if (!doc) {
    doc = docAround(side, start, k);
    docs.set(start, doc);
  }
  return doc;
}

/** The document from `start` through line `k`: its kind, and whether the change created or renamed it (`kind:` or `metadata.name` changed). */
function docAround(side: readonly SideLine[], start: number, k: number): Doc {
  let end = k;
  while (end < side.length && !/^---/.test(side[end]?.text ?? '')) end++;
  const doc = side.slice(start, end);
  const kindLine = doc.find((l) => /^kind:/.test(l.text));
  const fresh = doc.some((l, i) => l.changed && (/^kind:/.test(l.text) || (/^\s{1,4}name:/.test(l.text) && pathOf(doc, i).keys.join('.') === 'metadata.name')));
  const hook = doc.some((l) => /helm\.sh\/hook|argocd\.argoproj\.io\/hook|generateName:|^\s{1,4}name:.*\{\{/.test(l.text));
  const kind = kindLine ? /^kind:\s*["']?(\w+)/.exec(kindLine.text)?.[1] : undefined;
  return kind === undefined ? { fresh, hook } : { kind, fresh, hook };
}

interface Field {
  field: string;
  why: string;
  remedy: string;
}

const SELECTOR: Field = {
  field: 'spec.selector',
  why: 'The selector is immutable once the object exists: `kubectl apply` or `helm upgrade` fails with `field is immutable` and leaves the release half-applied; getting through means deleting and recreating the workload, which takes every pod down at once (or, with `--cascade=orphan`, leaves the old pods running unmanaged).',
  remedy: 'Keep the selector and change only the pod template\'s labels (extra template labels are fine). If the selector must change, create the workload under a new name next to the old one, move the Service or traffic over, then delete the old one.',
};
const STS_FIELD = (name: string): Field => ({
  field: `spec.${name}`,
  why: 'A StatefulSet update may only change replicas, template, updateStrategy, ordinals, persistentVolumeClaimRetentionPolicy and minReadySeconds: `kubectl apply` fails with `Forbidden: updates to statefulset spec for fields other than … are forbidden`.',
  remedy: 'To grow volumes, resize each PVC (a storage class with `allowVolumeExpansion`), then recreate only the StatefulSet object: `kubectl delete statefulset <name> --cascade=orphan` and apply, so pods and volumes stay. For other fields, plan a migration to a new StatefulSet.',
});
const JOB_TEMPLATE: Field = {
  field: 'spec.template',
  why: 'A Job\'s pod template cannot change once the Job exists: re-applying the manifest fails with `field is immutable` while the old Job object is still there.',
  remedy: 'Give each run a new name (suffixed with the release or image tag), use `generateName`, run it as a Helm hook with `helm.sh/hook-delete-policy: before-hook-creation`, or set `ttlSecondsAfterFinished` so the finished Job is gone before the next apply.',
};

const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The immutable field a changed line is in, or undefined. Out of view (no content), only conventional two-space layouts are trusted. */
function fieldOf(path: Path, kind: string | undefined, hook: boolean, pdbFile: boolean): Field | undefined {
  const { keys, indents, rooted } = path;
  const top = rooted ? keys.slice(1) : keys;
  const atSpecLevel = rooted ? keys[0] === 'spec' : indents[0] === 2;
  if (!atSpecLevel) return undefined;
  if (top[0] === 'selector' && (kind ? SELECTOR_KINDS.has(kind) : !pdbFile && /^match(?:Labels|Expressions)$/.test(top[1] ?? ''))) return SELECTOR;
  if (['volumeClaimTemplates', 'serviceName', 'podManagementPolicy'].includes(top[0] ?? '') && (kind === 'StatefulSet' || kind === undefined)) return STS_FIELD(top[0] ?? '');
  if (top[0] === 'template' && kind === 'Job' && !hook && rooted) return JOB_TEMPLATE;
  return undefined;
}

/** A file named for a StatefulSet (`statefulset.yaml`, `kafka-sts.yaml`), by the usual layout of one object kind per file. */
function namesStatefulSet(path: string): boolean {
  return /statefulset|(?:^|[-_.])sts(?:[-_.]|$)/i.test(path.slice(path.lastIndexOf('/') + 1));
}

/**
 * A claim's size (`resources.requests.storage`) changed where neither the kind nor the path is in view,
 * in a file named for a StatefulSet. Only a PersistentVolumeClaim spec asks for `storage`; in a
 * StatefulSet its `resources:` sits at indent 6 or 8 inside `volumeClaimTemplates` (4 or 2 for a
 * plain PVC, 14 and deeper for an ephemeral volume of the pod template, which may change).
 */
function claimTemplateOutOfView(path: Path, stsFile: boolean): boolean {
  const { keys, indents, rooted } = path;
  const n = keys.length;
  if (!stsFile || rooted || n < 3 || keys.slice(n - 3).join('.') !== 'resources.requests.storage') return false;
  return [6, 8].includes(indents[n - 3] ?? 0);
}

const SELECTOR_HELPER = /define\s+"([^"]*(?:selectorLabels|selector-labels|matchLabels)[^"]*)"/i;

/** The first changed line inside a selector-labels `define` (one finding per file). */
function helperHits(file: ChangedFile, content: readonly string[] | undefined): RuleHit[] {
  for (const hunk of file.hunks) {
    const { old, head } = sidesOf(content, hunk);
    for (const side of [head, old]) {
      for (const [k, l] of side.entries()) {
        if (!l.changed || !structural(l.text)) continue;
        const helper = SELECTOR_HELPER.exec(side.slice(0, k).reverse().find((p) => /\{\{-?\s*define\s/.test(p.text))?.text ?? '')?.[1];
        if (helper === undefined) continue;
        return [
          {
            line: l.head,
            title: `Selector labels helper ${code(helper)} changed`,
            message: `This edits ${code(helper)}, which charts use for \`spec.selector.matchLabels\` of every Deployment and StatefulSet. ${SELECTOR.why}`,
            remedy: SELECTOR.remedy,
          },
        ];
      }
    }
  }
  return [];
}

/** What a finding needs in view: an immutable field's key, a Job's `kind:`, or (helpers) a selector-labels `define`. */
const MAY_TOUCH_IMMUTABLE = /selector|matchLabels|volumeClaimTemplates|serviceName|podManagementPolicy|^kind:\s*["']?Job\b/im;

function check(file: ChangedFile): RuleHit[] {
  if (file.status === 'added' || !(mentions(file, MAY_TOUCH_IMMUTABLE) || (namesStatefulSet(file.path) && mentions(file, /storage/)))) return [];
  const content = file.content?.split('\n');
  if (/\.tpl$/.test(file.path)) return helperHits(file, content);
  const pdbFile = /pdb|disruption/i.test(file.path);
  const stsFile = namesStatefulSet(file.path);
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const { old, head } = sidesOf(content, hunk);
    const found = new Map<string, { field: Field; kind?: string; line: number; added: string[]; removed: string[] }>();
    for (const [side, isHead] of [[head, true], [old, false]] as const) {
      const docs = new Map<number, Doc>();
      side.forEach((l, k) => {
        if (!l.changed || !structural(l.text)) return;
        const doc = docAt(side, k, docs);
        if (doc.fresh) return; // a new or renamed object is created, not updated
        const path = pathOf(side, k);
        const claimSize = doc.kind === undefined && !l.text.includes('{{') && claimTemplateOutOfView(path, stsFile);
        const field = claimSize ? STS_FIELD('volumeClaimTemplates') : fieldOf(path, doc.kind, doc.hook, pdbFile);
        if (!field) return;
        const key = `${field.field}\u0000${doc.kind ?? ''}`;
        const entry = found.get(key) ?? { field, ...(doc.kind ? { kind: doc.kind } : {}), line: l.head, added: [], removed: [] };
        (isHead ? entry.added : entry.removed).push(l.text.trim());
        if (isHead && entry.added.length === 1) entry.line = l.head;
        found.set(key, entry);
      });
    }
    for (const { field, kind, line, added, removed } of found.values()) {
      const change = [removed[0] && `removed ${code(removed[0])}`, added[0] && `added ${code(added[0])}`].filter(Boolean).join(', ');
      hits.push({
        line,
        title: `Immutable ${code(field.field)}${kind ? ` of a ${kind}` : ''} changed`,
        message: `This change edits ${code(field.field)}${kind ? ` of an existing ${kind}` : ''} (${change}). ${field.why}`,
        remedy: field.remedy,
      });
    }
  }
  return hits;
}

export const k8sImmutableFieldChanged: Rule = {
  id: 'k8s-immutable-field-changed',
  summary: 'A change to a Kubernetes field that cannot be updated in place (workload selector, StatefulSet volumeClaimTemplates/serviceName, a Job template, a chart\'s selectorLabels helper)',
  why: 'Kubernetes rejects the update (kubectl apply fails), so the rollout needs the resource deleted and recreated: downtime, or orphaned pods.',
  remedy: 'Keep the field as it is, or plan a new resource under a new name with a migration and cut-over.',
  severity: 'high',
  kind: 'problem',
  scope: 'modified Kubernetes manifests, Helm templates or helpers',
  appliesTo: (file) => file.status !== 'added' && (isK8sYaml(file) || (/\.tpl$/.test(file.path) && /(?:^|\/)(?:charts?|helm)\//.test(file.path))),
  // The kind and the path of a changed line are usually above the hunk.
  wantsContent: (file) => file.status !== 'added' && file.hunks.some((h) => h.lines.some((l) => l.kind !== 'context' && /^\s+(?:-\s+)?[\w.\-/]+:/.test(l.text))),
  check,
};
