import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { commentLine } from '../lines.js';
import { addsMention, mentions } from '../text.js';
import { at, isObj, isTestOrNotebook, MODEL_SERVER_IMAGE, objectsIn, visibleLines, yamlDocuments, type Obj, type YamlDoc } from './lifecycle-util.js';

const QUESTION = 'What is the latency target (p50/p99) for this model, and which load test or benchmark are these settings sized from?';
const WORKLOADS = new Set(['Deployment', 'StatefulSet']);
/** The kinds `yamlGaps` judges, as a manifest spells them (`Deployment` in `SeldonDeployment` too): a file naming none is not parsed. */
const JUDGED_KINDS = /InferenceService|Deployment|StatefulSet/;

interface Gap {
  what: string;
  missing: string;
  line?: number;
}

function hasResources(value: unknown): boolean {
  return objectsIn(value).some((o) => isObj(o.resources) && (isObj(o.resources.requests) || isObj(o.resources.limits)));
}

/**
 * What bounds a model server's latency, as a field, annotation, env var or flag spells it: a request
 * timeout; a concurrency cap or target (KServe `containerConcurrency`, a `concurrency` scale metric,
 * TGI `--max-concurrent-requests`, Knative `autoscaling.knative.dev/target`); an LLM server's cap on
 * sequences or tokens in flight (vLLM `--max-num-seqs`, `--max-num-batched-tokens`, TGI
 * `--max-batch-total-tokens`); a bounded queue (Triton `max_queue_delay_microseconds`, `max_queue_size`).
 * A batch size alone is not one: it bounds no wait (the Triton and BentoML checks ask on it too).
 */
const LATENCY_BOUND = /timeout|concurren|max[-_]num[-_]seqs|max[-_]num[-_]batched[-_]tokens|max[-_]batch[-_]total[-_]tokens|max[-_]queue|knative\.dev\/target(?![-\w])/i;

/** A latency bound anywhere in the document, probe timeouts excluded. Resources size the pods but bound no request's latency. */
function hasLatencyBound(value: unknown): boolean {
  const text = JSON.stringify(value, (key, v: unknown) => (key === 'readinessProbe' || key === 'livenessProbe' || key === 'startupProbe' ? undefined : v));
  return LATENCY_BOUND.test(text ?? '');
}

/** Where a document's latency bounds live: its model servers, plus (KServe) the Knative autoscaling annotations, or (Seldon) anywhere. */
function boundsOf(kind: string, doc: Obj, subject: unknown): unknown {
  if (kind === 'SeldonDeployment') return doc;
  if (kind === 'InferenceService') return [subject, at(doc, 'metadata', 'annotations')];
  return subject;
}

function kindLine(file: ChangedFile, doc: YamlDoc): number | undefined {
  return visibleLines(file).find((l) => l.line >= doc.startLine && l.line <= doc.endLine && /^kind\s*:/.test(l.text))?.line;
}

function yamlGaps(file: ChangedFile): Gap[] {
  if (!mentions(file, JUDGED_KINDS)) return [];
  const gaps: Gap[] = [];
  for (const doc of yamlDocuments(file) ?? []) {
    if (!isObj(doc.data)) continue;
    const kind = at(doc.data, 'kind');
    const name = at(doc.data, 'metadata', 'name');
    if (typeof kind !== 'string') continue;
    const label = `${kind}${typeof name === 'string' ? ` ${code(name)}` : ''}`;
    let subject: unknown;
    if (kind === 'InferenceService') subject = at(doc.data, 'spec', 'predictor');
    else if (kind === 'SeldonDeployment') subject = doc.data;
    else if (WORKLOADS.has(kind)) {
      const containers = at(doc.data, 'spec', 'template', 'spec', 'containers');
      const servers = Array.isArray(containers) ? containers.filter((c): c is Obj => isObj(c) && typeof c.image === 'string' && MODEL_SERVER_IMAGE.test(c.image.replace(/[:@][^/]*$/, ''))) : [];
      if (servers.length === 0) continue;
      subject = servers;
    } else continue;
    if (subject === undefined || hasLatencyBound(boundsOf(kind, doc.data, subject))) continue;
    const missing = hasResources(subject) ? 'sets resources but no request timeout or concurrency target' : 'sets no request timeout and no resource requests or limits';
    gaps.push({ what: `New ${label}`, missing, line: kindLine(file, doc) });
  }
  return gaps;
}

function lineOf(file: ChangedFile, re: RegExp): number | undefined {
  return visibleLines(file).find((l) => re.test(l.text))?.line;
}

/** Triton `config.pbtxt`: a model that accepts batches but leaves batching to the clients. */
function tritonGaps(file: ChangedFile): Gap[] {
  const text = visibleLines(file).filter((l) => !/^\s*#/.test(l.text)).map((l) => l.text).join('\n');
  const batch = Number(/\bmax_batch_size\s*:\s*(\d+)/.exec(text)?.[1] ?? '0');
  if (batch <= 0 || /\b(?:dynamic_batching|sequence_batching)\b/.test(text)) return [];
  const name = /^\s*name\s*:\s*"([^"]+)"/m.exec(text)?.[1];
  return [
    {
      what: `New Triton model${name ? ` ${code(name)}` : ''}`,
      missing: `allows batches of ${batch} but configures no \`dynamic_batching\` (no \`max_queue_delay_microseconds\`), so requests are never batched server-side`,
      line: lineOf(file, /\bmax_batch_size\s*:/),
    },
  ];
}

/** TorchServe `config.properties`: no response timeout and no batching delay. */
function torchserveGaps(file: ChangedFile): Gap[] {
  const text = visibleLines(file).filter((l) => !/^\s*#/.test(l.text)).map((l) => l.text).join('\n');
  if (/\bdefault_response_timeout\s*=|\bmaxBatchDelay\b|\bmax_batch_delay\b|\bresponseTimeout\b/.test(text)) return [];
  if (!/\b(?:inference_address|model_store|load_models|models\s*=)/.test(text)) return [];
  return [{ what: 'New TorchServe config', missing: 'sets no `default_response_timeout` and no `maxBatchDelay`/`batchSize`', line: lineOf(file, /\S/) }];
}

/** BentoML services: `@bentoml.service` with no `traffic={"timeout": ...}`, and no API of the file bounding its batching delay (`max_latency_ms`). */
function bentoGaps(file: ChangedFile): Gap[] {
  // A gap needs an added `@bentoml.service` line: one test over the text instead of one per line.
  if (!addsMention(file, /@bentoml\.service/)) return [];
  const lines = visibleLines(file);
  if (lines.some((l) => /\bmax_latency_ms\s*=/.test(l.text) && !commentLine(l.text, true))) return [];
  const gaps: Gap[] = [];
  lines.forEach((l, i) => {
    if (!l.added || commentLine(l.text, true) || !/^\s*@bentoml\.service\b/.test(l.text)) return;
    const decorator = lines.slice(i, i + 12).map((d) => d.text).join('\n');
    const upTo = decorator.split(/\n\s*class\s/)[0] ?? decorator;
    if (/\btraffic\s*=/.test(upTo)) return;
    const cls = lines.slice(i + 1, i + 12).map((d) => /^\s*class\s+(\w+)/.exec(d.text)?.[1]).find((n) => n !== undefined);
    const missing = /\bresources\s*=/.test(upTo) ? 'sets resources but no `traffic={"timeout": ...}`' : 'sets no `traffic={"timeout": ...}` and no `resources=`';
    gaps.push({ what: `New BentoML service${cls ? ` ${code(cls)}` : ''}`, missing, line: l.line });
  });
  return gaps;
}

/** What bounds a Ray Serve deployment's latency: its concurrency or queue caps, or an HTTP request timeout. */
const RAY_BOUND = /\b(?:max_ongoing_requests|max_concurrent_queries|max_queued_requests|request_timeout_s)\b/;

function setsRayBound(file: ChangedFile): boolean {
  return visibleLines(file).some((l) => RAY_BOUND.test(l.text) && !commentLine(l.text, true));
}

/**
 * A Serve config the change writes (the YAML `serve deploy` reads, or a RayService's `serveConfigV2`) that
 * bounds its deployments: Ray recommends production settings go there rather than in the decorator.
 */
function serveConfigBounds(changeSet: ChangeSet): boolean {
  return changeSet.files.some(
    (f) => f.language === 'yaml' && f.status !== 'removed' && mentions(f, /\bimport_path\s*:/) && mentions(f, /\b(?:applications|deployments)\s*:/) && setsRayBound(f),
  );
}

/** Ray Serve: a new `@serve.deployment` that caps neither its concurrency nor its queue, in a file or Serve config that sets no request timeout. */
function rayGaps(file: ChangedFile, changeSet: ChangeSet): Gap[] {
  if (!addsMention(file, /serve\.deployment/)) return [];
  const lines = visibleLines(file);
  if (!lines.some((l) => /^\s*(?:from\s+ray\b|import\s+ray\b)/.test(l.text))) return [];
  if (setsRayBound(file) || serveConfigBounds(changeSet)) return [];
  const gaps: Gap[] = [];
  lines.forEach((l, i) => {
    if (!l.added || !/^\s*@serve\.deployment\b/.test(l.text)) return;
    const cls = lines.slice(i + 1, i + 12).map((d) => /^\s*(?:class|def)\s+(\w+)/.exec(d.text)?.[1]).find((n) => n !== undefined);
    gaps.push({ what: `New Ray Serve deployment${cls ? ` ${code(cls)}` : ''}`, missing: 'sets no `max_ongoing_requests` and no request timeout', line: l.line });
  });
  return gaps;
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (file.status !== 'added' || isTestOrNotebook(file.path)) return [];
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const gaps =
    file.language === 'yaml' ? yamlGaps(file)
    : name === 'config.pbtxt' ? tritonGaps(file)
    : name === 'config.properties' ? torchserveGaps(file)
    : file.language === 'python' ? [...bentoGaps(file), ...rayGaps(file, changeSet)]
    : [];
  return gaps.map(
    (g): RuleHit => ({
      line: g.line,
      title: `${g.what} with no latency budget`,
      message:
        `${g.what} ${g.missing}. Its latency under load is then whatever the node and the traffic make it: a slow or stuck ` +
        `inference holds requests until the client gives up, and nothing here says what "fast enough" is. ${QUESTION}`,
      remedy:
        'Load-test the model at the expected request rate, then set what the results say: a request timeout just above the p99 ' +
        'target (KServe `spec.predictor.timeout`, Seldon `seldon.io/rest-timeout`, TorchServe `default_response_timeout`, BentoML ' +
        '`traffic={"timeout": ...}`, Ray Serve `max_ongoing_requests` and `request_timeout_s`), CPU/GPU and memory requests and limits, and server-side batching with a bounded delay ' +
        '(Triton `dynamic_batching { max_queue_delay_microseconds: ... }`, TorchServe `maxBatchDelay`); record the target in the PR.',
    }),
  );
}

export const servingWithoutLatencyBudget: Rule = {
  id: 'serving-without-latency-budget',
  summary: 'A new model-serving config (KServe, Seldon, model-server Deployment, Triton, TorchServe, BentoML, Ray Serve) with no request timeout, concurrency or batching bound',
  why: 'With no timeout, resources or batching bounds, latency under load is whatever the node gives: stuck inferences hold requests until clients give up.',
  remedy: 'Load-test at the expected rate, then set a request timeout above the p99 target, CPU/GPU and memory requests/limits, and bounded server-side batching.',
  severity: 'medium',
  kind: 'question',
  scope: 'new serving configs: YAML manifests, Triton config.pbtxt, TorchServe config.properties, BentoML and Ray Serve services',
  appliesTo: (file) =>
    (file.language === 'yaml' || file.language === 'python' || /(?:^|\/)config\.(?:pbtxt|properties)$/.test(file.path)) && !isTestOrNotebook(file.path),
  // A Ray Serve deployment's bounds may be in a Serve config elsewhere in the change.
  readsWholeChange: true,
  check,
};
