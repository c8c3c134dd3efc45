import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { commentLine, indentOf, type HeadLine } from '../lines.js';
import { enclosingDef, PY_DEF } from '../handlers.js';
import { artifactWrites, describeCall, isModelArtifact, isStagingOrPointer, liveReason, mayWriteArtifacts, type ArtifactWrite } from './artifact-writes.js';
import { addsMention } from '../text.js';
import { assignments, callArgs, isTestOrNotebook, looksVersioned, resolvePath, VERSIONED, visibleLines } from './lifecycle-util.js';

const METRIC = '(?<![a-z])(?:auc|roc_auc|f1|accuracy|acc|precision|recall|rmse|mae|mse|loss|score|metrics?|threshold|baseline|champion|better|improv\\w*)(?![a-z])';
/** An evaluation gate: a metric compared in an `if`/`assert`, or a validation step called. */
const GATE = new RegExp(
  `^\\s*(?:if|elif|assert|while)\\b.*${METRIC}|\\b(?:validate|evaluate|verify|smoke_test|sanity_check|check_model|compare_models?|quality_gate|passes_gate)\\w*\\s*\\(|--min-\\w+|--threshold|\\b(?:evaluate|validate)\\.py\\b`,
  'i',
);
/** The previous model kept: a backup or archive copy, a `previous` reference, a registry alias moved instead. */
const KEPT =
  /\b(?:prev|previous|old|backup|bak|archive|archived|rollback|last_good)(?:_\w+)?\b|\b\w+_(?:prev|previous|old|backup|bak|archive)\b|set_registered_model_alias|\.(?:bak|prev|old)\b/i;
const ROUTE = /^\s*@[\w.]*\.(?:get|post|put|patch|route|api_route)\s*\(\s*(?:["']([^"']*)["'])?/;
const SWAP_NAME = /reload|swap|refresh|update|replac|deploy|promot|switch|rollout|activate|load/i;
const LOADS = /\b(?:joblib|pickle|cloudpickle|dill)\.loads?\s*\(|\btorch\.(?:jit\.)?load\s*\(|\bload_model\s*\(|\.from_pretrained\s*\(|InferenceSession\s*\(|tf\.saved_model\.load\s*\(|\bload_\w+\s*\(/;
/** The serving model assigned: `MODEL = …`, `app.state.model = …`, or a registry entry keyed by a model name (`current_app.config["MODEL"] = …`). */
const MODEL_ASSIGN =
  /^\s*([\w.]*model\w*(?:\[[^\]]+\])?|[\w.]+\.(?:state|config)\w*(?:\.\w+|\[[^\]]+\])*model\w*|[\w.]+\[\s*["']\w*model\w*["']\s*\])\s*=(?!=)\s*(.+)$/i;

/** A model-named word that names something about the model (`MODEL_VERSION`, `model_path`), not the model itself. */
const MODEL_METADATA =
  /model\w*?_(?:version|name|id|path|uri|url|dir|file|hash|sha|digest|tag|meta|metadata|info|config|settings|stage|alias|labels?|loaded_at|updated_at|timestamp|ts|date)$/i;

/** Whether an assignment target holds the model itself: its last model-named word is not metadata about one. */
function holdsModel(target: string): boolean {
  const word = target.match(/\w*model\w*/gi)?.at(-1);
  return word === undefined || !MODEL_METADATA.test(word);
}

/** The index of the enclosing `def` line, or -1 at module level. */
function defOf(lines: readonly HeadLine[], index: number): number {
  return enclosingDef(lines, index) ?? -1;
}

/** The lines of the scope (function, or the whole file at module level) a line sits in: [start, end). */
function scopeOf(lines: readonly HeadLine[], index: number): { start: number; end: number } {
  const def = defOf(lines, index);
  if (def < 0) return { start: 0, end: lines.length };
  const indent = indentOf(lines[def]?.text ?? '');
  let end = def + 1;
  while (end < lines.length && (!(lines[end]?.text ?? '').trim() || indentOf(lines[end]?.text ?? '') > indent)) end++;
  return { start: def, end };
}

/** Code lines only: a comment saying "overwrites the previous model" keeps nothing. */
function codeLines(lines: readonly HeadLine[], start: number, end: number): string[] {
  return lines.slice(start, end).map((l) => l.text).filter((t) => !commentLine(t, true));
}

function guarded(lines: readonly HeadLine[], write: ArtifactWrite, writes: readonly ArtifactWrite[]): boolean {
  const { start, end } = scopeOf(lines, write.index);
  if (codeLines(lines, start, write.index).some((t) => GATE.test(t))) return true;
  if (codeLines(lines, start, end).some((t) => KEPT.test(t))) return true;
  // A versioned copy of the same model written in the same scope: history is kept, the live path is a convenience.
  return writes.some((w) => w !== write && w.index >= start && w.index < end && (w.dest === VERSIONED || looksVersioned(w.dest)));
}

function writeHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (!mayWriteArtifacts(file)) return [];
  const { writes, lines } = artifactWrites(file);
  const hits: RuleHit[] = [];
  for (const write of writes) {
    if (!isModelArtifact(write) || isStagingOrPointer(write)) continue;
    const live = liveReason(write, changeSet, file);
    if (!live || guarded(lines, write, writes)) continue;
    hits.push({
      line: write.line,
      title: `New model written over the live one at ${code(live)}`,
      message:
        `${describeCall(write)} writes to ${code(live)}, where the serving side loads its model, replacing it in place. Nothing ` +
        'before it checks the new model against the current one, and nothing keeps the previous artifact: a bad model goes live ' +
        'at the next load or restart, and rolling back means retraining or hunting for an old file.',
      remedy:
        'Write each model to a versioned location (`models/churn/{run_id}/model.joblib`), and only after it passes an evaluation ' +
        'gate move a pointer to it (a `CURRENT` file, or `MlflowClient().set_registered_model_alias("churn", "champion", version)`); ' +
        'rolling back is moving the pointer back.',
    });
  }
  return hits;
}

/** An added write or load whose scope (a gate above it, the serving path) is usually outside the hunk. */
const WANTS_CONTENT = /\.(?:dump|save\w*|upload_file|put_object|copy\w*|replace|move)\s*\(|model\w*\s*=.*load/i;

/** What MODEL_ASSIGN needs on its line: a name ending in `model…` (maybe indexed) assigned with `=`. */
const MAY_ASSIGN_MODEL = /model\w*(?:["']\s*\]|\[[^\]]+\])?\s*=(?!=)/i;

/** `open(CURRENT_MODEL_PATH, "wb")`: the swapped-in bytes written to a file, for the message. */
const PERSISTED = /\bopen\s*\(\s*([\w.]+|["'][^"']+["'])\s*,\s*["']wb["']/;
const LIVE_WORD = /current|live|prod|latest|active|deployed|champion/i;

/** Builtins that only look at an object's type or shape: `hasattr(model, "predict")` is a duck-type test, not a validation. */
const NOT_A_CHECK = '(?<!\\b(?:hasattr|getattr|isinstance|callable|type|len|print|id|repr|str))';

/** Hot-swap handlers: an endpoint or reload job that assigns the serving model from a freshly loaded artifact. */
function swapHits(file: ChangedFile): RuleHit[] {
  // MODEL_ASSIGN needs `model…=` on the added line.
  if (!addsMention(file, MAY_ASSIGN_MODEL)) return [];
  const lines = visibleLines(file);
  const hits: RuleHit[] = [];
  lines.forEach((l, index) => {
    if (!l.added || commentLine(l.text, true)) return;
    const m = MODEL_ASSIGN.exec(l.text);
    // `config["MODEL_VERSION"] = load_latest_version(…)` swaps a version string, not the model.
    if (!m?.[1] || !m[2] || !holdsModel(m[1])) return;
    const def = defOf(lines, index);
    if (def < 0) return;
    const name = PY_DEF.exec(lines[def]?.text ?? '')?.[2] ?? '';
    const route = lines.slice(Math.max(0, def - 4), def).map((d) => ROUTE.exec(d.text)).find((r) => r !== null);
    if (!SWAP_NAME.test(`${name} ${route?.[1] ?? ''}`) || (!route && !/reload|swap|refresh|rollout|switch|promot/i.test(name))) return;
    const body = codeLines(lines, def + 1, index);
    const target = m[1];
    const isGlobal = /[.[]/.test(target) || body.some((t) => new RegExp(`^\\s*global\\b.*\\b${target}\\b`).test(t));
    if (!isGlobal) return;
    const rhs = m[2].trim();
    const loaded = LOADS.test(rhs) || (/^\w+$/.test(rhs) && body.some((t) => new RegExp(`^\\s*${rhs}\\s*=.*`).test(t) && LOADS.test(t)));
    if (!loaded) return;
    // A smoke prediction on the candidate, a gate or a kept previous model before the swap: it can be undone or was checked.
    const candidateUsed = /^\w+$/.test(rhs) && body.some((t) => new RegExp(`\\b${rhs}\\.(?:predict\\w*|forward|run)\\s*\\(|${NOT_A_CHECK}\\(\\s*${rhs}\\b`).test(t) && !LOADS.test(t));
    const scope = codeLines(lines, def + 1, scopeOf(lines, index).end);
    if (candidateUsed || body.some((t) => GATE.test(t)) || scope.some((t) => KEPT.test(t))) return;
    // Reloading whatever a registry alias or version points to: the registry keeps the versions, rollback is moving the alias.
    const source = resolvePath(callArgs(rhs)[0] ?? '', assignments(lines));
    if (scope.some((t) => /models:\/|get_model_version_by_alias/.test(t)) || (typeof source === 'string' && source.startsWith('models:/'))) return;
    const where = route?.[1] ? `${code(name)} (${code(route[1])})` : code(name);
    const persisted = scope.map((t) => PERSISTED.exec(t)?.[1]).find((p) => p !== undefined && /model/i.test(p) && LIVE_WORD.test(p));
    hits.push({
      line: l.line,
      title: `Serving model hot-swapped in ${where} with no validation or way back`,
      message:
        `${where} assigns ${code(target)} from a freshly loaded artifact: the new model takes every request at once, nothing checks ` +
        'it first (a smoke prediction, the input schema, a metric threshold), and the previous model is dropped, so a corrupt or ' +
        'worse artifact is served until someone finds and reloads an older one.' +
        (persisted ? ` It also writes the new model over ${code(persisted)}: the previous artifact is gone from disk too, and every restart loads the new one.` : ''),
      remedy:
        'Load the candidate into a local variable, validate it (a prediction on a known sample, schema and metric checks), keep the ' +
        'current model as `previous`, then swap; expose a rollback that restores `previous`. Better: swap by moving a registry alias.',
    });
  });
  return hits;
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (isTestOrNotebook(file.path)) return [];
  return [...writeHits(file, changeSet), ...(file.language === 'python' ? swapHits(file) : [])];
}

export const modelOverwrittenInPlace: Rule = {
  id: 'model-overwritten-in-place',
  summary: 'A new model written over the path/key the serving side loads, or hot-swapped by an endpoint, with no gate and no previous version kept',
  why: 'A bad model goes live at the next load or restart with nothing kept to roll back to: rollback means retraining or hunting for an old file.',
  remedy: 'Write each model to a versioned location and move a pointer or registry alias only after an evaluation gate; keep the previous model for an immediate rollback.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python, YAML or shell files (not tests or notebooks)',
  appliesTo: (file) => ['python', 'yaml', 'shell'].includes(file.language) && !isTestOrNotebook(file.path),
  wantsContent: (file) =>
    file.language === 'python' && file.status !== 'added' && addsMention(file, WANTS_CONTENT) && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && WANTS_CONTENT.test(l.text))),
  readsWholeChange: true,
  check,
};
