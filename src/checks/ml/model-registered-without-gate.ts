import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { callText, commentLine, type HeadLine } from '../lines.js';
import { enclosingDef, openersOf, PY_DEF } from '../handlers.js';
import { argument, callArgs, isTestOrNotebook, visibleLines } from './lifecycle-util.js';
import { addsMention } from '../text.js';

const REGISTER = /\bregister_model\s*\(|\bcreate_model_version\s*\(|\blog_model\s*\(/;
const PROMOTE = /\btransition_model_version_stage\s*\(|\bset_registered_model_alias\s*\(/;
const METRICS_LOGGED = /\blog_metrics?\s*\(|\bmlflow\.evaluate\s*\(|\bautolog\s*\(/;
const SIGNED = /\bsignature\s*=|\binput_example\s*=/;
const METRIC = '(?<![a-z])(?:auc|roc_auc|f1|accuracy|acc|precision|recall|rmse|mae|mse|r2|loss|score|metrics?|threshold|baseline|champion|current|better|improv\\w*)(?![a-z])';
/** A comparison before promotion: a metric in an `if`/`assert`, or MLflow's own validation thresholds. */
const GATE = new RegExp(`^\\s*(?:if|elif|assert)\\b.*${METRIC}|validation_thresholds|validate_evaluation_results|\\bis_better\\w*\\s*\\(`, 'i');
/** Training in the same file: a promotion there happens "straight after training". */
const TRAINS = /\.fit\s*\(|\.train\s*\(|(?<![\w.])train(?:_\w+)?\s*\(/;
const LIVE_ALIAS = /^["'](?:champion|prod|production|live|current|serving)["']$/i;

function stringArg(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /^["']([^"']+)["']$/.exec(value.trim())?.[1];
}

/** Whether a gate precedes line `index`: in its own scope, or around a call of its enclosing function. */
function gated(lines: readonly HeadLine[], index: number): boolean {
  const isCode = (t: string) => !commentLine(t, true);
  const def = enclosingDef(lines, index) ?? -1;
  if (lines.slice(def + 1, index).some((l) => isCode(l.text) && GATE.test(l.text))) return true;
  const openers = openersOf(lines, index).map((i) => lines[i]?.text ?? '');
  if (openers.some((t) => GATE.test(t))) return true;
  const fn = def < 0 ? undefined : PY_DEF.exec(lines[def]?.text ?? '')?.[2];
  if (!fn) return false;
  const call = new RegExp(`(?<![\\w.])${fn}\\s*\\(`);
  return lines.some((l, i) => i !== def && call.test(l.text) && [i, ...openersOf(lines, i)].some((j) => GATE.test(lines[j]?.text ?? '')));
}

function check(file: ChangedFile): RuleHit[] {
  if (file.language !== 'python' || isTestOrNotebook(file.path)) return [];
  // A finding needs an added registration or promotion; each call REGISTER or PROMOTE names has `_model` in it, a fast first test.
  if (!addsMention(file, /_model/) || (!addsMention(file, REGISTER) && !addsMention(file, PROMOTE))) return [];
  const lines = visibleLines(file);
  const codeLines = lines.filter((l) => !commentLine(l.text, true));
  const metrics = codeLines.some((l) => METRICS_LOGGED.test(l.text));
  const signed = codeLines.some((l) => SIGNED.test(l.text));
  const trains = codeLines.some((l) => TRAINS.test(l.text));
  const hits: RuleHit[] = [];
  lines.forEach((l, index) => {
    if (!l.added || commentLine(l.text, true)) return;
    const register = REGISTER.exec(l.text);
    if (register && !metrics && !signed) {
      const args = callArgs(callText(lines, index, register.index));
      const name = register[0].startsWith('log_model')
        ? stringArg(argument(args, 'registered_model_name'))
        : stringArg(argument(args, 'name', 1));
      if (register[0].startsWith('log_model') && argument(args, 'registered_model_name') === undefined) return;
      const what = name ? `a new version of ${code(name)}` : 'a new model version';
      hits.push({
        line: l.line,
        title: `Model ${name ? `${code(name)} ` : ''}registered with no evaluation metric or signature`,
        message:
          `${code(`${register[0].replace(/\s*\($/, '')}(…)`)} adds ${what} to the registry, but this file logs no evaluation ` +
          'metric (`log_metric(s)`, `mlflow.evaluate`) and records no `signature` or `input_example`: whoever promotes it cannot ' +
          'tell whether it beats the version in production, and serving cannot reject inputs of the wrong shape.',
        remedy:
          'Evaluate on a held-out set and log the results (`mlflow.log_metrics({"val_auc": auc})` or `mlflow.evaluate(...)`), and ' +
          'log the model with `signature=infer_signature(X_val, preds)` and an `input_example` before it is registered.',
      });
      return;
    }
    const promote = PROMOTE.exec(l.text);
    if (!promote || !trains) return;
    const args = callArgs(callText(lines, index, promote.index));
    const stage = promote[0].startsWith('transition') ? argument(args, 'stage', 2) : argument(args, 'alias', 1);
    if (!stage || !(promote[0].startsWith('transition') ? /^["']production["']$/i.test(stage.trim()) : LIVE_ALIAS.test(stage.trim()))) return;
    if (gated(lines, index)) return;
    const name = stringArg(argument(args, 'name', 0));
    const target = stage.trim().replace(/^["']|["']$/g, '');
    hits.push({
      line: l.line,
      title: `Model promoted to ${code(target)} with no comparison to the current version`,
      message:
        `${code(`${promote[0].replace(/\s*\($/, '')}(…)`)} makes the freshly trained version${name ? ` of ${code(name)}` : ''} the one ` +
        `serving loads (${code(target)}) without comparing it with the version it replaces: no metric is checked against a ` +
        'threshold or the current champion before this line, so a worse model is promoted automatically on the next training run.',
      remedy:
        'Before promoting, fetch the current version (`client.get_model_version_by_alias(name, "champion")`) and its metrics, ' +
        'evaluate both on the same holdout, and move the alias only when the candidate wins by a set margin; otherwise register ' +
        'it without promotion. Prefer aliases to stages, which are deprecated since MLflow 2.9.',
    });
  });
  return hits;
}

export const modelRegisteredWithoutGate: Rule = {
  id: 'model-registered-without-gate',
  summary: 'A model registered with no evaluation metric or signature, or promoted to production/champion right after training with no comparison',
  why: 'A version with no recorded metrics or signature cannot be compared or checked, and an automatic promotion puts a worse model in production on the next run.',
  remedy: 'Log evaluation metrics, a signature and an input example; promote (move the alias) only when the candidate beats the current champion on the same holdout.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files (not tests or notebooks)',
  appliesTo: (file) => file.language === 'python' && !isTestOrNotebook(file.path),
  // The metrics, the signature or the gate may be logged outside the hunk that registers.
  wantsContent: (file) =>
    file.status !== 'added' && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && (REGISTER.test(l.text) || PROMOTE.test(l.text)))),
  check,
};
