import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import { fileText } from '../text.js';
import { isTestOrNotebook, nearestHeadLine } from './lifecycle-util.js';

/** `Field(name="conv_rate", dtype=Float32)`, Tecton's `Field("user_id", String)`, old Feast `Feature(name=..., dtype=ValueType.X)`. */
const FIELD = /\b(?:Field|Feature)\s*\(\s*(?:name\s*=\s*)?["']([\w.-]+)["']\s*(?:,\s*([\w.[\]]+)\s*[,)])?/;
const DTYPE = /\bdtype\s*=\s*([\w.[\]]+)/;
/** A projection of a feature view in a service: `driver_stats_fv[["conv_rate", "acc_rate"]]`. */
const PROJECTION = /(\w+)\s*\[\s*\[([^\]]*)\]\s*\]/;
const OWNER = /^\s*(\w+)\s*(?::\s*\w+\s*)?=\s*((?:Batch|Stream|OnDemand)?FeatureView|FeatureService|FeatureTable)\s*\(/;
const FEAST_HINT = /\bfrom\s+feast\b|\bimport\s+feast\b|\bFeatureView\s*\(|\bFeatureService\s*\(|\btecton\b|\bEntity\s*\(/;
const FEATURE_PATH = /(?:^|\/)(?:feature_repo|feature_store|feature_views?|features?)(?:\/|\.py$)|features?\.py$/;

interface FieldDef {
  name: string;
  dtype: string;
  /** Index in the hunk of the line the field starts on. */
  index: number;
}

/**
 * The fields on one side of a hunk ('add' or 'del' lines), a field black wrapped over several lines
 * (`Field(` / `name="x",` / `dtype=Int64,` / `)`) joined into one.
 */
function fieldsIn(hunk: Hunk, kind: 'add' | 'del'): FieldDef[] {
  const out: FieldDef[] = [];
  const lines = hunk.lines;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || l.kind !== kind || /^\s*#/.test(l.text)) continue;
    let text = l.text;
    if (/\b(?:Field|Feature)\s*\(\s*$/.test(text)) {
      for (let j = i + 1; j < lines.length && j < i + 8 && lines[j]?.kind === kind; j++) {
        text += ` ${lines[j]?.text.trim() ?? ''}`;
        if (/\)/.test(lines[j]?.text ?? '')) break;
      }
    }
    const m = FIELD.exec(text.replace(/\(\s+/g, '('));
    if (m?.[1]) out.push({ name: m[1], dtype: DTYPE.exec(text)?.[1] ?? m[2] ?? '', index: i });
  }
  return out;
}

interface Removal {
  kind: 'removed' | 'retyped';
  feature: string;
  owner?: string;
  from?: string;
  to?: string;
  line?: number;
}

/** Fields (name → dtype) on lines of the given kind, across the change's files. */
function fieldsOf(files: readonly ChangedFile[], kind: 'add' | 'del'): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) for (const h of f.hunks) for (const field of fieldsIn(h, kind)) out.set(field.name, field.dtype);
  return out;
}

/** The feature view or service a line of the hunk belongs to, by the nearest definition above it on the base side. */
function ownerOf(hunk: Hunk, index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const l = hunk.lines[i];
    if (!l || l.kind === 'add') continue;
    const m = OWNER.exec(l.text);
    if (m?.[1]) return m[1];
  }
  return OWNER.exec(hunk.header)?.[1];
}

function projected(text: string): string[] {
  const m = PROJECTION.exec(text);
  return m?.[2] ? [...m[2].matchAll(/["']([\w.-]+)["']/g)].map((n) => `${m[1]}:${n[1]}`) : [];
}

function isFeatureRepo(file: ChangedFile): boolean {
  if (FEATURE_PATH.test(file.path)) return true;
  return FEAST_HINT.test(file.content ?? fileText(file));
}

interface AddedFeatures {
  /** Fields (name → dtype) added anywhere in the change's feature repository files. */
  fields: Map<string, string>;
  /** `view:feature` projections added there. */
  projections: Set<string>;
}

/** What the change adds to its feature repository files, read once per ChangeSet. */
const addedFeatures = memoByObject((changeSet: ChangeSet): AddedFeatures => {
  const featureFiles = changeSet.files.filter((f) => f.language === 'python' && isFeatureRepo(f));
  return {
    fields: fieldsOf(featureFiles, 'add'),
    projections: new Set(featureFiles.flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').flatMap((l) => projected(l.text))))),
  };
});

function removals(file: ChangedFile, changeSet: ChangeSet): Removal[] {
  const { fields: added, projections: addedProjections } = addedFeatures(changeSet);
  const out: Removal[] = [];
  for (const hunk of file.hunks) {
    let addedHere: FieldDef[] | undefined;
    for (const field of fieldsIn(hunk, 'del')) {
      const now = added.get(field.name);
      const owner = ownerOf(hunk, field.index);
      const line = nearestHeadLine(hunk, field.index);
      if (now === undefined) out.push({ kind: 'removed', feature: field.name, owner, line });
      else if (field.dtype && now && now !== field.dtype) {
        const at = (addedHere ??= fieldsIn(hunk, 'add')).find((a) => a.name === field.name);
        out.push({ kind: 'retyped', feature: field.name, owner, from: field.dtype, to: now, line: at ? hunk.lines[at.index]?.newLine : line });
      }
    }
    hunk.lines.forEach((l, i) => {
      if (l.kind !== 'del' || /^\s*#/.test(l.text)) return;
      for (const p of projected(l.text)) {
        if (addedProjections.has(p)) continue;
        const [view = '', feature = ''] = p.split(':');
        out.push({ kind: 'removed', feature, owner: ownerOf(hunk, i) ?? view, line: nearestHeadLine(hunk, i) });
      }
    });
  }
  return out;
}

/**
 * One removal per feature: a feature dropped from a view's schema is usually dropped from the services
 * projecting it in the same change, and that is one problem to fix, reported once with every owner.
 */
function byFeature(found: readonly Removal[]): (Removal & { owners: string[] })[] {
  const out = new Map<string, Removal & { owners: string[] }>();
  for (const r of found) {
    const key = `${r.kind}:${r.feature}`;
    const seen = out.get(key);
    if (!seen) out.set(key, { ...r, owners: r.owner ? [r.owner] : [] });
    else if (r.owner && !seen.owners.includes(r.owner)) seen.owners.push(r.owner);
  }
  return [...out.values()];
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (file.language !== 'python' || file.status !== 'modified' || isTestOrNotebook(file.path) || !isFeatureRepo(file)) return [];
  return byFeature(removals(file, changeSet)).map((r): RuleHit => {
    const where = r.owners.length > 0 ? ` in ${r.owners.map(code).join(' and ')}` : '';
    return r.kind === 'removed'
      ? {
          line: r.line,
          title: `Feature ${code(r.feature)} removed${where}`,
          message:
            `This change drops feature ${code(r.feature)}${where} (removed or renamed) while the feature view and the services ` +
            'built on it keep their names. Models already deployed ask for it by name: after `feast apply`, their online ' +
            'lookups fail or return nulls for it, and predictions break or silently degrade until each model is retrained.',
          remedy:
            'Keep the feature in the existing definitions until no deployed model reads it; put the new schema in a new versioned ' +
            `feature view and service (e.g. ${code(`${r.owner ?? 'churn_features'}_v2`)}), move models to it, then retire the old one.`,
        }
      : {
          line: r.line,
          title: `Feature ${code(r.feature)} changes type${where}`,
          message:
            `${code(r.feature)}${where} changes from ${code(r.from ?? '')} to ${code(r.to ?? '')} under the same name. Deployed ` +
            'models were trained on the old type: after `feast apply` and re-materialisation they receive values of another type ' +
            '(or materialisation fails on existing rows), and predictions break or drift.',
          remedy:
            `Add the new type as a new feature (${code(`${r.feature}_v2`)}) or in a new versioned feature view/service, move models ` +
            'to it, and retire the old one when nothing reads it.',
        };
  });
}

export const featureRemovedFromFeatureView: Rule = {
  id: 'feature-removed-from-feature-view',
  summary: 'A feature removed, renamed or retyped in a Feast-style feature view or service that keeps its name',
  why: 'Deployed models ask for the feature by name: after `feast apply` their online lookups fail or return nulls, and predictions break or silently degrade.',
  remedy: 'Keep the old feature view and service; put the new schema in a new versioned view/service (`..._v2`), move models to it, then retire the old one.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python feature repository files (Feast, Tecton)',
  appliesTo: (file) => file.language === 'python' && !isTestOrNotebook(file.path),
  readsWholeChange: true,
  check,
};
