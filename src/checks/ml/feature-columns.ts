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

/** `card_age_days(…)`, `shared.card_age_days(…)`: the callee of an expression that is one call as a whole. */
const CALLEE = /^([A-Za-z_][\w.]*)\s*\(/;
/** Libraries whose functions are building blocks, not a feature: both sides calling `np.log1p` may still clip differently. */
const LIBRARY = /^(?:numpy|pandas|polars|math|cmath|statistics|datetime|time|decimal|scipy|sklearn|torch|tensorflow|builtins)$/;
/** `from features.shared import card_age_days`, `from . import shared as s`, `import features.shared as shared`. */
const FROM_IMPORT = /^from\s+([\w.]+)\s+import\s+\(?([^)#]*)/;
const PLAIN_IMPORT = /^import\s+([^#]+)/;

/** The callee of `expr` when the whole expression is that one call (its first `(` closes at the end). */
function outermostCallee(expr: string): string | undefined {
  const m = CALLEE.exec(expr);
  if (!m?.[1]) return undefined;
  let depth = 0;
  for (let i = m[0].length - 1; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i === expr.length - 1 ? m[1] : undefined;
  }
  return undefined;
}

/** `..shared` imported by `pkg/sub/mod.py` is `pkg.shared`: relative imports made comparable across files. */
function absoluteModule(module: string, path: string): string {
  const dots = /^\.*/.exec(module)?.[0].length ?? 0;
  if (dots === 0) return module;
  const dirs = path.split('/').slice(0, -1);
  const base = dirs.slice(0, Math.max(0, dirs.length - (dots - 1)));
  return [...base, module.slice(dots)].filter(Boolean).join('.');
}

/** Per name a file's imports bind, what it is bound to (`card_age_days` → `features.shared.card_age_days`). Read once per file. */
const importedNames = memoByObject((file: ChangedFile): Map<string, string> => {
  const names = new Map<string, string>();
  const lines = visibleLines(file);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]?.text ?? '';
    if (!text.includes('import')) continue;
    const from = FROM_IMPORT.exec(text);
    if (from?.[1]) {
      const module = absoluteModule(from[1], file.path);
      let list = from[2] ?? '';
      // `from m import (\n a,\n b,\n)`: the names run on to the closing parenthesis.
      if (text.includes('(') && !text.includes(')')) {
        for (let j = i + 1; j < lines.length && !list.includes(')'); j++) list += `,${lines[j]?.text ?? ''}`;
      }
      for (const item of list.split(')')[0]?.split(',') ?? []) {
        const [name, alias] = item.trim().split(/\s+as\s+/);
        if (name && /^\w+$/.test(name)) names.set(alias?.trim() || name, `${module}.${name}`);
      }
      continue;
    }
    const plain = PLAIN_IMPORT.exec(text);
    for (const item of plain?.[1]?.split(',') ?? []) {
      const [module, alias] = item.trim().split(/\s+as\s+/);
      if (!module || !/^[\w.]+$/.test(module)) continue;
      // `import a.b as x` binds `x` to `a.b`; `import a.b` binds `a` alone.
      const root = module.split('.')[0] ?? module;
      if (alias?.trim()) names.set(alias.trim(), module);
      else names.set(root, root);
    }
  }
  return names;
});

/** What `callee` names through the file's imports (`shared.card_age_days` → `features.shared.card_age_days`), if imported. */
function resolvedCallee(callee: string, file: ChangedFile): string | undefined {
  const [root, ...rest] = callee.split('.');
  const origin = root === undefined ? undefined : importedNames(file).get(root);
  return origin === undefined ? undefined : [origin, ...rest].join('.');
}

/**
 * Whether a training column and a serving feature are one call of the same imported project function
 * (`card_age_days(…)` from `features.shared` on both sides): the one shared implementation, not two copies.
 */
export function callsOneSharedFunction(a: { expr: string; file: ChangedFile }, b: { expr: string; file: ChangedFile }): boolean {
  const calleeA = outermostCallee(a.expr);
  const calleeB = outermostCallee(b.expr);
  if (calleeA === undefined || calleeB === undefined) return false;
  const origin = resolvedCallee(calleeA, a.file);
  if (origin === undefined || LIBRARY.test(origin.split('.')[0] ?? '')) return false;
  return origin === resolvedCallee(calleeB, b.file);
}
