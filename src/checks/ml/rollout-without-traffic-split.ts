import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { addedText } from '../text.js';
import { at, isObj, isTestOrNotebook, MODEL_SERVER_IMAGE, visibleLines, yamlDocuments } from './lifecycle-util.js';
import { indentOf, type HeadLine } from '../lines.js';

/** Keys whose value is the model a deployment serves. */
const MODEL_KEY = /^\s*-?\s*(storageUri|storage_uri|modelUri|model_uri|runtimeVersion|ModelName|ModelDataUrl|modelVersion|model_version|image)\s*:\s*["']?([^"'\s#]+)/;
const MODEL_ENV = /^\s*-?\s*name\s*:\s*["']?(MODEL_(?:VERSION|URI|PATH|NAME|TAG|URL)|\w*_MODEL_(?:VERSION|URI|PATH|TAG))["']?\s*$/;
const VALUE = /^\s*value\s*:\s*["']?([^"'\s#]+)/;
const HELM_TAG = /^\s*tag\s*:\s*["']?([^"'\s#]+)/;
/** A canary, shadow, mirror or weighted split, in KServe, Seldon, Istio, Argo Rollouts, Flagger or SageMaker terms. */
const SPLIT = /canaryTrafficPercent|\bshadow\b|\bmirror\w*\s*:|\bsetWeight\b|kind\s*:\s*(?:Rollout|Canary)\b|trafficSplit|ShadowProductionVariants|\bcanary\s*:/i;
/** Training workloads: bumping their image retrains, it does not route traffic. */
const TRAINING_KIND = /^kind\s*:\s*(?:Job|CronJob|TFJob|PyTorchJob|MPIJob|TrainJob|Workflow|CronWorkflow|PipelineRun)\s*$/m;
const SERVING_KIND = /^kind\s*:\s*(?:InferenceService|SeldonDeployment|Deployment|StatefulSet|Rollout|Service)\s*$|AWS::SageMaker::EndpointConfig/m;
const CI_FILE = /(?:^|\/)\.github\/|\.gitlab-ci\.ya?ml$|(?:^|\/)\.circleci\/|azure-pipelines\.ya?ml$/;
const WEIGHT = /\b(?:traffic|weight|percent|InitialVariantWeight)\w*\s*:\s*["']?(\d+(?:\.\d+)?)/gi;

interface Switch {
  key: string;
  from: string;
  to: string;
  line: number;
}

/** The nearest unchanged line above `index`: the `name: MODEL_VERSION` an env `value:` belongs to. */
function contextAbove(hunk: Hunk, index: number): string {
  for (let i = index - 1; i >= 0 && i >= index - 4; i--) {
    const l = hunk.lines[i];
    if (l?.kind === 'context') return l.text;
  }
  return '';
}

/** The model-bearing values a hunk changes: the same key removed with one value and added with another. */
function switches(hunk: Hunk): Switch[] {
  const removed = new Map<string, string>();
  const out: Switch[] = [];
  const keyOf = (text: string, i: number): [string, string] | undefined => {
    const m = MODEL_KEY.exec(text);
    if (m?.[1] && m[2]) {
      if (m[1] === 'image' && !MODEL_SERVER_IMAGE.test(m[2].replace(/[:@][^/]*$/, ''))) return undefined;
      return [m[1], m[2]];
    }
    const value = VALUE.exec(text)?.[1];
    const env = MODEL_ENV.exec(contextAbove(hunk, i))?.[1];
    if (value && env) return [env, value];
    const tag = HELM_TAG.exec(text)?.[1];
    const around = hunk.lines.slice(Math.max(0, i - 3), i).map((l) => l.text).join('\n');
    if (tag && /repository\s*:\s*["']?\S*(?:model|serving|inference|predictor|triton|torchserve)/i.test(around)) return ['image tag', tag];
    return undefined;
  };
  hunk.lines.forEach((l, i) => {
    if (l.kind === 'context') return;
    const kv = keyOf(l.text, i);
    if (!kv) return;
    if (l.kind === 'del') removed.set(kv[0], kv[1]);
    else {
      const before = removed.get(kv[0]);
      if (before !== undefined && before !== kv[1] && l.newLine !== undefined) out.push({ key: kv[0], from: before, to: kv[1], line: l.newLine });
    }
  });
  return out;
}

/** A chart's `canary:` block key, with an inline value when it has one. */
const CANARY_KEY = /^(\s*)canary\s*:\s*(.*?)\s*(?:#.*)?$/;
const CANARY_ON = /\benabled\s*:\s*["']?true\b/i;
const CANARY_OFF = /\benabled\s*:\s*["']?false\b|\b(?:weight|traffic|percent)\w*\s*:\s*["']?0\b(?!\.)/i;
/** An Argo Rollouts canary strategy: the rollout itself is gradual. */
const CANARY_STEPS = /\b(?:steps|setWeight|analysis|trafficRouting)\s*:|-\s*setWeight\b/;

/** A canary setting that says whether the block is on: its switch or its share. */
const CANARY_SETTING = /^\s*(?:enabled|weight|traffic\w*|percent\w*)\s*:/i;

/**
 * How an idle `canary:` block is known: `off` when it is seen switched off (or seen whole with nothing
 * turning it on), `unseen` when its settings lie outside what the diff shows.
 */
type Idle = 'off' | 'unseen';

/**
 * Whether the `canary:` block at `index` is idle: present but not what this change rolls out with. A
 * chart's canary is its own track (its own model, its own weight); bumping the primary model while the
 * block is left untouched and not switched on moves every request at once. A block the change edits,
 * or one switched on or given a weight (which WEIGHT sees), is a split.
 */
function idleCanary(lines: readonly HeadLine[], index: number, whole: boolean): Idle | undefined {
  const key = lines[index];
  const m = key ? CANARY_KEY.exec(key.text) : null;
  if (!key || !m || key.added) return undefined;
  const inline = m[2] ?? '';
  if (inline) return /^(?:false|null|~|\{\s*\})$/i.test(inline) ? 'off' : undefined;
  const indent = (m[1] ?? '').length;
  let off = false;
  let setting = false;
  let cut = !whole; // read whole, the file's end is the block's end
  for (let i = index + 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l || l.line !== (lines[i - 1]?.line ?? 0) + 1) break; // the block continues past what is shown
    if (l.text.trim() === '' || /^\s*#/.test(l.text)) continue;
    if (indentOf(l.text) <= indent) {
      cut = false;
      break;
    }
    if (l.added || CANARY_ON.test(l.text) || CANARY_STEPS.test(l.text)) return undefined;
    off ||= CANARY_OFF.test(l.text);
    setting ||= CANARY_SETTING.test(l.text);
  }
  if (off) return 'off';
  // A block not shown is idle only as a chart's top-level values key (a nested `canary:` may be an Argo
  // Rollouts strategy whose steps lie outside the hunk), and then only as far as the diff can tell.
  if (indent !== 0) return undefined;
  return cut && !setting ? 'unseen' : 'off';
}

/** The file's visible text without idle `canary:` keys, which split nothing. */
function ownText(file: ChangedFile): { text: string; idle: Idle | undefined } {
  const lines = visibleLines(file);
  let idle: Idle | undefined;
  const kept = lines.filter((l, i) => {
    const kind = l.text.includes('canary') ? idleCanary(lines, i, file.content !== undefined) : undefined;
    if (!kind) return true;
    // One block whose settings are out of view leaves the question open.
    if (idle !== 'unseen') idle = kind;
    return false;
  });
  return { text: kept.map((l) => l.text).join('\n'), idle };
}

function hasSplit(text: string): boolean {
  if (SPLIT.test(text)) return true;
  if ((text.match(/\bVariantName\s*:/g) ?? []).length >= 2) return true;
  return [...text.matchAll(WEIGHT)].some((m) => Number(m[1]) > 0 && Number(m[1]) < (/InitialVariantWeight/i.test(m[0]) ? 1 : 100));
}

/** The kind and name of the YAML document holding `line`, when the whole file is known. */
function deploymentOf(file: ChangedFile, line: number): string | undefined {
  const doc = yamlDocuments(file)?.find((d) => line >= d.startLine && line <= d.endLine);
  if (!doc || !isObj(doc.data)) return undefined;
  const kind = at(doc.data, 'kind');
  const name = at(doc.data, 'metadata', 'name');
  return typeof kind === 'string' && typeof name === 'string' ? `${kind} ${code(name)}` : undefined;
}

const REMEDY =
  'Roll out gradually: KServe `canaryTrafficPercent: 10` on the predictor (the previous revision keeps the rest and is the ' +
  'rollback), a second Seldon predictor with `traffic: 10` or `shadow: true`, a second SageMaker production variant with a ' +
  'small `InitialVariantWeight` or a shadow variant, or an Argo Rollouts/Flagger canary; name the metric (error rate, p99 ' +
  'latency, a business KPI) that promotes or rolls back.';

/**
 * The question when the file's `canary:` block is in view but its switch and share are not: the canary
 * may already carry the new version, or be off and let the primary take every request.
 */
function unseenCanary(line: number, changes: string, where: string | undefined): RuleHit {
  return {
    line,
    title: `New model version rolled out${where ? ` in ${where}` : ''}: does it reach a canary share first?`,
    message:
      `This change moves ${changes}${where ? ` in ${where}` : ''}. The file has a \`canary:\` block, but the diff does not ` +
      'show whether it is switched on: its `enabled` and `weight` settings lie outside the hunk. If the canary is off, the ' +
      'new model takes every request at once, and a regression reaches all users before any metric can show it. Can you ' +
      'confirm that the new version reaches a canary share first, with a success metric that promotes it and a way back?',
    remedy: REMEDY,
  };
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (file.language !== 'yaml' || file.status === 'added' || isTestOrNotebook(file.path) || CI_FILE.test(file.path)) return [];
  const found = file.hunks.flatMap(switches);
  if (found.length === 0) return [];
  const { text: own, idle } = ownText(file);
  if (TRAINING_KIND.test(own) && !SERVING_KIND.test(own)) return [];
  // A file adding nothing joins in as an empty line: the split patterns only ever span whitespace between lines.
  const elsewhere = changeSet.files
    .filter((f) => f !== file)
    .map(addedText)
    .join('\n');
  if (hasSplit(own) || hasSplit(elsewhere)) return [];
  const first = found[0];
  if (!first) return [];
  const where = deploymentOf(file, first.line);
  const changes = found.map((s) => `${code(s.key)} from ${code(s.from)} to ${code(s.to)}`).join(', ');
  if (idle === 'unseen') return [unseenCanary(first.line, changes, where)];
  return [
    {
      line: first.line,
      title: `New model version rolled out${where ? ` in ${where}` : ''} with no canary or shadow phase`,
      message:
        `This change moves ${changes}${where ? ` in ${where}` : ''}, and nothing in the change splits traffic (no ` +
        '`canaryTrafficPercent`, traffic weights, shadow or mirror): once applied, every request goes to the new model, so a ' +
        'regression reaches all users before any metric can show it. ' +
        (idle === 'off' ? 'The file has a `canary:` block, but this change leaves it untouched: the new version goes to the primary track, not the canary. ' : '') +
        'Will this version take 100% of traffic at once, or is there ' +
        'a canary/shadow phase with a success metric and a way back?',
      remedy: REMEDY,
    },
  ];
}

export const rolloutWithoutTrafficSplit: Rule = {
  id: 'rollout-without-traffic-split',
  summary: 'A serving deployment switched to a new model version/artifact/image with no canary, traffic split or shadow phase',
  why: 'The new model takes every request as soon as it is applied: a regression reaches all users before any metric can show it.',
  remedy: 'A canary (`canaryTrafficPercent`, traffic weights) or shadow phase with a named success metric, and the previous version kept as the rollback.',
  severity: 'medium',
  kind: 'question',
  scope: 'YAML deployment files (KServe, Seldon, SageMaker CloudFormation, Kubernetes, Helm values)',
  appliesTo: (file) => file.language === 'yaml' && !isTestOrNotebook(file.path),
  // The canary settings usually sit outside the hunk that bumps the version.
  wantsContent: (file) => file.status !== 'added' && file.hunks.some((h) => switches(h).length > 0),
  readsWholeChange: true,
  check,
};
