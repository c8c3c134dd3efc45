/**
 * Named features computed inline rather than in a function: a training frame's column
 * (`frame["hour_of_day"] = …`) and a serving input dict's key (`"hour_of_day": …`). The same name
 * computed in a training-side and a serving-side feature file is the same feature written twice,
 * which `training-serving-skew` reports beside its duplicated functions.
 */
import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import { kindOf } from '../../changeset/kind.js';
import { memoByObject } from '../../path-memo.js';
import { commentLine } from '../lines.js';
import { sideOf, visibleLines } from './lifecycle-util.js';

export interface FeatureColumn {
  name: string;
  /** The expression that computes it, as written. */
  expr: string;
  line: number;
  added: boolean;
}

/** `frame["hour_of_day"] = …`, `features['hour_of_day'] = …`. */
const COLUMN_ASSIGN = /^\s*[\w.]+\[\s*["'](\w+)["']\s*\]\s*=(?!=)\s*(.+?)\s*$/;
/** `"hour_of_day": …,` on a line of its own, as in a dict literal built for the model. */
const DICT_ENTRY = /^\s*["'](\w+)["']\s*:\s*(.+?),?\s*$/;
/** What either needs on an added line: a cheap first test. */
export const MAY_NAME_FEATURE = /["']\s*(?:\]\s*=|:)/;

/** Words a feature module's name has: `features.py`, `transform.py`, `preprocessing/`. */
const FEATURE_FILE = /feature|transform|preprocess|encod|normali[sz]|engineer|impute/i;
/** A field read as it is (`txn.amount`, `row["amount"]`), maybe cast: a pass-through, not a computation. */
const PASS_THROUGH = /^(?:(?:int|float|str|bool)\(\s*)?[\w.]+(?:\[\s*["']\w+["']\s*\])*\s*\)?$/;
/** A call or arithmetic: the value is computed. */
const COMPUTED = /[\w\])]\s*\(|[-+*/%]|\bif\b/;

/** Whether the file is a feature module of one side: its name or its folder's name says so. */
export function isFeatureFile(file: ChangedFile): boolean {
  return (
    file.language === 'python' &&
    file.status !== 'removed' &&
    kindOf(file.path) === 'source' &&
    sideOf(file.path) !== undefined &&
    FEATURE_FILE.test(file.path.split('/').slice(-2).join('/'))
  );
}

function computed(expr: string): boolean {
  return COMPUTED.test(expr) && !PASS_THROUGH.test(expr);
}

/** The features the file's visible lines compute by name. Read once per file. */
export const featureColumns = memoByObject((file: ChangedFile): FeatureColumn[] => {
  const out: FeatureColumn[] = [];
  for (const l of visibleLines(file)) {
    if (!l.text.includes('"') && !l.text.includes("'")) continue;
    if (commentLine(l.text, true)) continue;
    const m = COLUMN_ASSIGN.exec(l.text) ?? DICT_ENTRY.exec(l.text);
    if (m?.[1] && m[2] && computed(m[2])) out.push({ name: m[1], expr: m[2], line: l.line, added: l.added });
  }
  return out;
});

/** Per feature name, where the change's training-side feature files compute it. Read once per change. */
export const trainingColumns = memoByObject((changeSet: ChangeSet): Map<string, { file: ChangedFile; column: FeatureColumn }> => {
  const byName = new Map<string, { file: ChangedFile; column: FeatureColumn }>();
  for (const f of changeSet.files) {
    if (f.language !== 'python' || sideOf(f.path) !== 'training' || !isFeatureFile(f)) continue;
    for (const column of featureColumns(f)) if (!byName.has(column.name)) byName.set(column.name, { file: f, column });
  }
  return byName;
});
