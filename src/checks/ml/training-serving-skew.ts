import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { kindOf } from '../../changeset/kind.js';
import { code } from '../../render/escape.js';
import { indentOf, type HeadLine } from '../lines.js';
import { sideOf, visibleLines } from './lifecycle-util.js';

interface Def {
  name: string;
  line: number;
  added: boolean;
  /** Body lines with comments, docstrings and whitespace differences removed. */
  body: string[];
}

const TOP_DEF = /^def\s+(\w+)\s*\(/;
/** Names every service and script has: two of them are not a duplicated transformation. */
const GENERIC = new Set([
  'main', 'run', 'cli', 'setup', 'app', 'create_app', 'lifespan', 'startup', 'shutdown', 'health', 'healthz', 'ready', 'readyz',
  'index', 'handler', 'lambda_handler', 'predict', 'predict_proba', 'score', 'infer', 'load', 'load_model', 'get_model', 'save',
  'save_model', 'train', 'fit', 'evaluate', 'parse_args', 'get_logger', 'configure_logging', 'get_settings', 'settings', 'connect',
]);
const FEATURE_NAME = /feature|transform|preprocess|clean|encod|normali[sz]|scal|bucket|bin|derive|compute|extract|prepare|engineer|impute|tokeni[sz]|vectori[sz]/i;
const FEATURE_BODY = /\bdf\b|frame|\bpd\.|\bnp\.|fillna|astype|\.clip\(|log1p|\bmath\.|sqrt|get_dummies|\.map\(|\.apply\(|\.lower\(\)|\.strip\(\)|datetime|\.dt\.|\[["']\w+["']\]/;

function normalise(text: string): string {
  return text.replace(/#.*$/, '').replace(/\s+/g, ' ').trim();
}

/** Top-level functions in the visible lines, with their bodies as far as they are visible. */
function defsOf(lines: readonly HeadLine[]): Def[] {
  const defs: Def[] = [];
  let current: Def | undefined;
  let docstring = false;
  for (const l of lines) {
    const m = TOP_DEF.exec(l.text);
    if (m?.[1]) {
      current = { name: m[1], line: l.line, added: l.added, body: [] };
      defs.push(current);
      continue;
    }
    if (!current) continue;
    if (l.text.trim() && indentOf(l.text) === 0 && !/^[)\]]/.test(l.text)) {
      current = undefined;
      continue;
    }
    const t = normalise(l.text);
    const quotes = (t.match(/"""|'''/g) ?? []).length;
    if (docstring || quotes > 0) {
      if (quotes % 2 === 1) docstring = !docstring;
      continue;
    }
    if (t && !/^\)\s*(?:->.*)?:$/.test(t)) current.body.push(t);
  }
  return defs;
}

/** Share of the longer body's lines that the other body has too: 1 for a copy. */
function similarity(a: readonly string[], b: readonly string[]): number {
  const rest = [...b];
  let same = 0;
  for (const line of a) {
    const i = rest.indexOf(line);
    if (i >= 0) {
      same++;
      rest.splice(i, 1);
    }
  }
  return same / Math.max(a.length, b.length, 1);
}

function twins(a: Def, b: Def): 'name' | 'body' | undefined {
  if (a.name === b.name && !GENERIC.has(a.name) && !a.name.startsWith('__') && a.body.length > 0 && b.body.length > 0) {
    const featurey = FEATURE_NAME.test(a.name) || [...a.body, ...b.body].some((t) => FEATURE_BODY.test(t));
    if (featurey) return 'name';
  }
  // similarity() >= 0.75 needs the shorter body to be at least 3/4 of the longer: skip the rest before comparing.
  const [short, long] = a.body.length <= b.body.length ? [a.body.length, b.body.length] : [b.body.length, a.body.length];
  if (short < 3 || short < 0.75 * long) return undefined;
  if (a.body.some((t) => FEATURE_BODY.test(t)) && similarity(a.body, b.body) >= 0.75) return 'body';
  return undefined;
}

function pythonSource(f: ChangedFile): boolean {
  return f.language === 'python' && f.status !== 'removed' && kindOf(f.path) === 'source';
}

interface SideDef {
  file: ChangedFile;
  def: Def;
}

/** Every top-level function of the change's training-side and serving-side files, read once per ChangeSet. */
const DEFS_BY_SIDE = new WeakMap<ChangeSet, Map<string, SideDef[]>>();

function defsBySide(changeSet: ChangeSet): Map<string, SideDef[]> {
  let bySide = DEFS_BY_SIDE.get(changeSet);
  if (bySide) return bySide;
  bySide = new Map();
  for (const f of changeSet.files) {
    const side = sideOf(f.path);
    if (!side || !pythonSource(f)) continue;
    const list = bySide.get(side) ?? [];
    for (const def of defsOf(visibleLines(f))) list.push({ file: f, def });
    bySide.set(side, list);
  }
  DEFS_BY_SIDE.set(changeSet, bySide);
  return bySide;
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const side = sideOf(file.path);
  if (!side || !pythonSource(file)) return [];
  const lines = visibleLines(file);
  const imported = lines.filter((l) => /^\s*(?:from\s+\S+\s+)?import\b/.test(l.text)).map((l) => l.text);
  const own = defsOf(lines).filter((d) => d.added && !imported.some((t) => new RegExp(`\\b${d.name}\\b`).test(t)));
  if (own.length === 0) return [];
  const others = [...defsBySide(changeSet)]
    .filter(([otherSide]) => otherSide !== side)
    .flatMap(([, defs]) => defs)
    // A pair added on both sides is reported once, on the serving file, where the copy should become an import.
    .filter(({ file: other, def }) => other !== file && (side === 'serving' || !def.added));
  const hits: RuleHit[] = [];
  for (const def of own) {
    // Same-name candidates first (cheap), then near-copies, only for bodies that look like feature code.
    const sameName = others.filter((o) => o.def.name === def.name);
    const candidates = def.body.some((t) => FEATURE_BODY.test(t)) ? [...sameName, ...others] : sameName;
    let twin: (SideDef & { how: 'name' | 'body' }) | undefined;
    for (const o of candidates) {
      const how = twins(def, o.def);
      if (how) {
        twin = { ...o, how };
        break;
      }
    }
    if (!twin) continue;
    const [servingFile, servingDef, trainingFile, trainingDef] =
      side === 'serving' ? [file, def, twin.file, twin.def] : [twin.file, twin.def, file, def];
    const serving = `${code(`${servingDef.name}()`)} in ${code(servingFile.path)} (line ${servingDef.line})`;
    const training = `${code(`${trainingDef.name}()`)} in ${code(trainingFile.path)} (line ${trainingDef.line})`;
    hits.push({
      line: def.line,
      title: `Feature logic ${code(`${def.name}()`)} implemented in both training and serving`,
      message:
        (twin.how === 'name'
          ? `${serving} and ${training} implement the same transformation twice, once for serving and once for training. `
          : `${serving} is a near-copy of ${training}: the same transformation implemented twice. `) +
        'Two copies drift: the next fix lands in one of them, and the model is then served features computed differently from ' +
        'those it was trained on; accuracy drops with no error anywhere.',
      remedy:
        `Keep one implementation in a module both sides import (e.g. ${code('features/transforms.py')}, shipped in the serving ` +
        'image), or compute the feature once in a feature store; add a test that runs the same rows through both paths and ' +
        'compares the outputs.',
    });
  }
  return hits;
}

export const trainingServingSkew: Rule = {
  id: 'training-serving-skew',
  summary: 'The same feature transformation defined in a training-side and a serving-side file of the change instead of one shared module',
  why: 'The two copies drift: the model is served features computed differently from those it was trained on, and accuracy drops with no error anywhere.',
  remedy: 'One implementation in a shared module both sides import, or a feature store; a test that runs the same rows through both paths.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files under training/pipeline or serving/inference/api paths',
  appliesTo: (file) => file.language === 'python' && sideOf(file.path) !== undefined,
  // A modified file's other functions and its imports lie outside the hunks.
  wantsContent: (file) => file.status === 'modified' && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && TOP_DEF.test(l.text))),
  check,
};
