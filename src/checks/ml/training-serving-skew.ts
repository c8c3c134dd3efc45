import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { kindOf } from '../../changeset/kind.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import type { HeadLine } from '../lines.js';
import { sideOf, visibleLines } from './lifecycle-util.js';
import { addsMention } from '../text.js';
import { callsOneSharedFunction, featureColumns, isFeatureFile, MAY_NAME_FEATURE, trainingColumns } from './feature-columns.js';

interface Def {
  name: string;
  line: number;
  added: boolean;
  /** Body lines with comments, docstrings and whitespace differences removed. */
  body: string[];
  /** Whether a body line looks like feature code (FEATURE_BODY); undefined until asked. */
  featureBody: boolean | undefined;
  /** How many times each body line occurs, for similarity(); undefined until asked. */
  counts: Map<string, number> | undefined;
}

const TOP_DEF = /^def\s+(\w+)\s*\(/;
const IMPORT_LINE = /^\s*(?:from\s+\S+\s+)?import\b/;
/** Names every service and script has: two of them are not a duplicated transformation. */
const GENERIC = new Set([
  'main', 'run', 'cli', 'setup', 'app', 'create_app', 'lifespan', 'startup', 'shutdown', 'health', 'healthz', 'ready', 'readyz',
  'index', 'handler', 'lambda_handler', 'predict', 'predict_proba', 'score', 'infer', 'load', 'load_model', 'get_model', 'save',
  'save_model', 'train', 'fit', 'evaluate', 'parse_args', 'get_logger', 'configure_logging', 'get_settings', 'settings', 'connect',
]);
const FEATURE_NAME = /feature|transform|preprocess|clean|encod|normali[sz]|scal|bucket|bin|derive|compute|extract|prepare|engineer|impute|tokeni[sz]|vectori[sz]/i;
const FEATURE_BODY = /\bdf\b|frame|\bpd\.|\bnp\.|fillna|astype|\.clip\(|log1p|\bmath\.|sqrt|get_dummies|\.map\(|\.apply\(|\.lower\(\)|\.strip\(\)|datetime|\.dt\.|\[["']\w+["']\]/;

/** A body line without its comment, trimmed, each run of whitespace one space. */
function normalise(text: string): string {
  const hash = text.indexOf('#');
  const code = (hash < 0 ? text : text.slice(0, hash)).trim();
  // Most lines have no run of whitespace, nor a tab or other space, inside: nothing to replace.
  return SPACE_TO_FOLD.test(code) ? code.replace(/\s+/g, ' ') : code;
}
const SPACE_TO_FOLD = /\s\s|[^\S ]/;

/** A file's top-level functions, read once per file: each file is read by its own check and by every other file's. */
const fileDefs = memoByObject((file: ChangedFile): Def[] => (showsTopDef(file) ? defsOf(visibleLines(file)) : []));

/** Whether a head-side line the file shows is a top-level `def`: without one defsOf finds nothing, so its lines need not be built. */
function showsTopDef(file: ChangedFile): boolean {
  if (file.content !== undefined) return /^def\s/m.test(file.content);
  return file.hunks.some((h) => h.lines.some((l) => l.kind !== 'del' && l.text.startsWith('def') && TOP_DEF.test(l.text)));
}

/** Top-level functions in the visible lines, with their bodies as far as they are visible. */
function defsOf(lines: readonly HeadLine[]): Def[] {
  const defs: Def[] = [];
  let current: Def | undefined;
  let docstring = false;
  for (const l of lines) {
    const text = l.text;
    // A blank line changes nothing below; skipped, it also spares charCodeAt an out-of-range read.
    if (text === '') continue;
    const first = text.charCodeAt(0);
    const m = first === 0x64 /* d */ ? TOP_DEF.exec(text) : null;
    if (m?.[1]) {
      // Every field set here: Defs of one shape keep the compiled code that reads them from being thrown away.
      current = { name: m[1], line: l.line, added: l.added, body: [], featureBody: undefined, counts: undefined };
      defs.push(current);
      continue;
    }
    if (!current) continue;
    // A line at column 0 (not blank, not the `)` or `]` closing a wrapped signature) ends the function.
    if (first !== 0x20 && first !== 0x09 && first !== 0x29 && first !== 0x5d && text.trim()) {
      current = undefined;
      continue;
    }
    const t = normalise(text);
    const quotes = t.includes('"""') || t.includes("'''") ? (t.match(/"""|'''/g) ?? []).length : 0;
    if (docstring || quotes > 0) {
      if (quotes % 2 === 1) docstring = !docstring;
      continue;
    }
    if (t && !(t.charCodeAt(0) === 0x29 && /^\)\s*(?:->.*)?:$/.test(t))) current.body.push(t);
  }
  return defs;
}

function featureBody(def: Def): boolean {
  def.featureBody ??= def.body.some((t) => FEATURE_BODY.test(t));
  return def.featureBody;
}

function countsOf(def: Def): Map<string, number> {
  if (!def.counts) {
    def.counts = new Map();
    for (const line of def.body) def.counts.set(line, (def.counts.get(line) ?? 0) + 1);
  }
  return def.counts;
}

/** Share of the longer body's lines that the other body has too (each line matched once): 1 for a copy. */
function similarity(a: Def, b: Def): number {
  const other = countsOf(b);
  let same = 0;
  for (const [line, n] of countsOf(a)) same += Math.min(n, other.get(line) ?? 0);
  return same / Math.max(a.body.length, b.body.length, 1);
}

function twins(a: Def, b: Def): 'name' | 'body' | undefined {
  if (a.name === b.name && !GENERIC.has(a.name) && !a.name.startsWith('__') && a.body.length > 0 && b.body.length > 0) {
    const featurey = FEATURE_NAME.test(a.name) || featureBody(a) || featureBody(b);
    if (featurey) return 'name';
  }
  // similarity() >= 0.75 needs the shorter body to be at least 3/4 of the longer: skip the rest before comparing.
  const [short, long] = a.body.length <= b.body.length ? [a.body.length, b.body.length] : [b.body.length, a.body.length];
  if (short < 3 || short < 0.75 * long) return undefined;
  if (featureBody(a) && similarity(a, b) >= 0.75) return 'body';
  return undefined;
}

function pythonSource(f: ChangedFile): boolean {
  return f.language === 'python' && f.status !== 'removed' && kindOf(f.path) === 'source';
}

interface SideDef {
  file: ChangedFile;
  def: Def;
}

interface SideDefs {
  all: SideDef[];
  byName: Map<string, SideDef[]>;
  /** Every body line of the side's functions; made on first use. */
  lines: Set<string> | undefined;
}

/** Every top-level function of the change's training-side and serving-side files, read once per ChangeSet. */
const defsBySide = memoByObject((changeSet: ChangeSet): Map<string, SideDefs> => {
  const bySide = new Map<string, SideDefs>();
  for (const f of changeSet.files) {
    // The language first: most files of a large change are not Python, and need no side worked out.
    const side = pythonSource(f) ? sideOf(f.path) : undefined;
    if (!side) continue;
    const defs = bySide.get(side) ?? { all: [], byName: new Map<string, SideDef[]>(), lines: undefined };
    for (const def of fileDefs(f)) {
      const entry = { file: f, def };
      defs.all.push(entry);
      const named = defs.byName.get(def.name);
      if (named) named.push(entry);
      else defs.byName.set(def.name, [entry]);
    }
    bySide.set(side, defs);
  }
  return bySide;
});

/** How many of `def`'s body lines some function of `side` has too. */
function linesFoundIn(side: SideDefs, def: Def): number {
  side.lines ??= new Set(side.all.flatMap((o) => o.def.body));
  const lines = side.lines;
  return def.body.filter((line) => lines.has(line)).length;
}

/**
 * The first function of another side that `def` duplicates: same-name candidates first (cheap), then,
 * for bodies that look like feature code, every other function as a near-copy.
 */
function twinOf(def: Def, others: readonly SideDefs[], usable: (o: SideDef) => boolean): (SideDef & { how: 'name' | 'body' }) | undefined {
  for (const { byName } of others) {
    for (const o of byName.get(def.name) ?? []) {
      if (!usable(o)) continue;
      const how = twins(def, o.def);
      if (how) return { ...o, how };
    }
  }
  // Near-copies. A same-name twin was found above, so only the body test is left: twins() without the name test.
  const n = def.body.length;
  if (!featureBody(def) || n < 3) return undefined;
  for (const side of others) {
    // A near-copy has at least 3/4 of this body's lines: a side with fewer of them in all its functions has none.
    if (linesFoundIn(side, def) < 0.75 * n) continue;
    for (const o of side.all) {
      const m = o.def.body.length;
      if (m < 3 || Math.min(n, m) < 0.75 * Math.max(n, m) || !usable(o)) continue;
      if (similarity(def, o.def) >= 0.75) return { ...o, how: 'body' };
    }
  }
  return undefined;
}

/**
 * Features a serving-side feature file newly computes by name (`"hour_of_day": …`) that a training-side
 * feature file of the change computes too (`frame["hour_of_day"] = …`): one hit per file, on the first.
 */
function columnHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (sideOf(file.path) !== 'serving' || !addsMention(file, MAY_NAME_FEATURE) || !isFeatureFile(file)) return [];
  const training = trainingColumns(changeSet);
  if (training.size === 0) return [];
  const pairs = featureColumns(file).flatMap((serving) => {
    const twin = serving.added ? training.get(serving.name) : undefined;
    // Both sides calling one imported function is the shared implementation the remedy asks for.
    if (!twin || callsOneSharedFunction({ expr: serving.expr, file }, { expr: twin.column.expr, file: twin.file })) return [];
    return [{ serving, ...twin }];
  });
  const first = pairs[0];
  if (!first) return [];
  const names = pairs.map((p) => code(p.serving.name)).join(', ');
  const how = pairs
    .map((p) => `${code(p.serving.name)} as ${code(p.serving.expr)} here (line ${p.serving.line}) and as ${code(p.column.expr)} in ${code(p.file.path)} (line ${p.column.line})`)
    .join('; ');
  return [
    {
      line: first.serving.line,
      title: `${pairs.length === 1 ? 'Feature' : 'Features'} ${names} computed separately in training and serving`,
      message:
        `This change computes ${how}. Each feature is implemented twice, once for serving and once for training, and ` +
        'two copies drift (a different clock, time zone, clipping or default): the model is then served features computed ' +
        'differently from those it was trained on, and accuracy drops with no error anywhere.',
      remedy:
        `Compute each feature in one function both sides import (e.g. ${code('features/transforms.py')}, shipped in the serving ` +
        'image), or once in a feature store; persist fitted values (a clip threshold, a vocabulary) with the model; add a test ' +
        'that runs the same rows through both paths and compares the outputs.',
    },
  ];
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  return [...defHits(file, changeSet), ...columnHits(file, changeSet)];
}

function defHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const side = sideOf(file.path);
  // Only an added top-level `def` can be reported.
  if (!side || !pythonSource(file) || !addsMention(file, /^def\s/m)) return [];
  const added = fileDefs(file).filter((d) => d.added);
  if (added.length === 0) return [];
  // A name an import line shows as a whole word (`\bname\b`): the file imports it rather than defining its own copy.
  const imported = new Set<string>();
  for (const l of visibleLines(file)) {
    if (l.text.includes('import') && IMPORT_LINE.test(l.text)) for (const word of l.text.split(/\W+/)) imported.add(word);
  }
  const own = added.filter((d) => !imported.has(d.name));
  if (own.length === 0) return [];
  const others = [...defsBySide(changeSet)].filter(([otherSide]) => otherSide !== side).map(([, defs]) => defs);
  // A pair added on both sides is reported once, on the serving file, where the copy should become an import.
  const usable = (o: SideDef): boolean => o.file !== file && (side === 'serving' || !o.def.added);
  const hits: RuleHit[] = [];
  for (const def of own) {
    const twin = twinOf(def, others, usable);
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
  summary: 'The same feature transformation (a function, or a feature computed by name) defined in a training-side and a serving-side file of the change instead of one shared module',
  why: 'The two copies drift: the model is served features computed differently from those it was trained on, and accuracy drops with no error anywhere.',
  remedy: 'One implementation in a shared module both sides import, or a feature store; a test that runs the same rows through both paths.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files under training/pipeline or serving/inference/api paths',
  appliesTo: (file) => file.language === 'python' && sideOf(file.path) !== undefined,
  // A modified file's other functions and its imports lie outside the hunks.
  wantsContent: (file) => file.status === 'modified' && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && TOP_DEF.test(l.text))),
  readsWholeChange: true,
  check,
};
