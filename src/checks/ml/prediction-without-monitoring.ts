import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { inferenceCall } from './inference-calls.js';
import { describe, isRouteDecorator, MAY_ROUTE_PY, ownBody, PY_DEF, pythonHandler, views, type Handler } from './serving-util.js';
import { addsMention } from '../text.js';
import { isScript, scriptInference, scriptRoutes } from './script-serving.js';

/** Metrics, tracing, prediction logging or data capture, by library or by name. */
const INSTRUMENTED =
  /\b(?:prometheus_client|prometheus_fastapi_instrumentator|Instrumentator|starlette_exporter|aioprometheus|statsd|datadog|ddtrace|opentelemetry|whylogs|why\.log|evidently|arize|fiddler|nannyml|alibi_detect|deepchecks|mlflow\.log_\w+|log_predictions?|record_predictions?|capture_predictions?|data_capture|DataCapture\w*|prediction_logger|PredictionLogger|monitoring|metrics|telemetry|observability)\b/i;
const PROMETHEUS_METRIC = /\b(?:Counter|Histogram|Summary|Gauge)\s*\(\s*['"]/;
const LOG_CALL = /\b(?:log|logger|logging|LOG|LOGGER|_log|_logger|structlog\.get_logger\(\))\.(?:info|debug|warning|warn|log|exception|msg)\s*\(/;
const PREDICTION_WORD = /\b(?:pred\w*|score\w*|proba\w*|prob|probs|probability|label\w*|output\w*|result\w*|y_hat|logits|class_id|intent)\b/i;
/** Calls that produce a prediction, besides in-process inference: a helper or a remote client named for it. */
const PREDICTS = /(?<![\w])[\w.]*predict\w*\s*\(|\.infer\s*\(/;

/** Whether these lines show metrics, data capture, or a log line that records a prediction. */
function instrumented(lines: readonly HeadLine[]): boolean {
  return lines.some((l, i) => {
    if (commentLine(l.text, true)) return false;
    if (INSTRUMENTED.test(l.text) || PROMETHEUS_METRIC.test(l.text)) return true;
    const log = LOG_CALL.exec(l.text);
    return log !== null && PREDICTION_WORD.test(callText(lines, i, log.index).replace(/^[^(]*\(/, ''));
  });
}

interface Endpoint {
  handler: Handler;
  def: HeadLine;
  call: string;
}

/** Route handlers added whole by this change (decorator and `def` both new) that return a model's predictions. */
function newPredictionEndpoints(lines: readonly HeadLine[]): Endpoint[] {
  const out: Endpoint[] = [];
  lines.forEach((def, defIndex) => {
    if (!def.added || !PY_DEF.test(def.text)) return;
    const handler = pythonHandler(lines, defIndex);
    if (!handler?.route) return;
    let routeAdded = false;
    for (let i = defIndex - 1; i >= 0 && (lines[i]?.text ?? '').trim() !== ''; i--) {
      if (lines[i]?.added && isRouteDecorator(lines[i]?.text ?? '')) routeAdded = true;
    }
    if (!routeAdded) return;
    for (const i of ownBody(lines, defIndex)) {
      const text = lines[i]?.text ?? '';
      if (commentLine(text, true)) continue;
      const call = inferenceCall(text)?.name ?? PREDICTS.exec(text)?.[0].replace(/\s*\($/, '');
      if (call) {
        out.push({ handler, def, call });
        return;
      }
    }
  });
  return out;
}

/** Whether these lines show the module's imports: a new file, the whole file, or a hunk from line 1. */
function importsVisible(file: ChangedFile, lines: readonly HeadLine[]): boolean {
  return file.status === 'added' || file.content !== undefined || lines[0]?.line === 1;
}

/** JS/TS metrics clients and middleware, beside the names INSTRUMENTED knows. */
const SCRIPT_INSTRUMENTED = /prom-client|promClient|express-prom-bundle|dd-trace|hot-shots|node-statsd|newrelic|\bnew\s+(?:\w+\.)?(?:Counter|Histogram|Summary|Gauge)\s*\(/;
const SCRIPT_LOG_CALL = /\bconsole\.(?:log|info|debug|warn)\s*\(/;

/** The JS/TS view of `instrumented`: the same libraries and names, the JS metric clients, and console logs of a prediction. */
function scriptInstrumented(lines: readonly HeadLine[]): boolean {
  return lines.some((l, i) => {
    if (commentLine(l.text, false)) return false;
    if (INSTRUMENTED.test(l.text) || SCRIPT_INSTRUMENTED.test(l.text)) return true;
    const log = LOG_CALL.exec(l.text) ?? SCRIPT_LOG_CALL.exec(l.text);
    return log !== null && PREDICTION_WORD.test(callText(lines, i, log.index).replace(/^[^(]*\(/, ''));
  });
}

/** JS/TS route calls added whole by this change whose handler runs a model. */
function newScriptPredictionEndpoints(lines: readonly HeadLine[]): Endpoint[] {
  return scriptRoutes(lines).flatMap((route) => {
    const call = route.lines[0]?.added ? scriptInference(route) : undefined;
    return call && route.lines[0] ? [{ handler: route.handler, def: route.lines[0], call }] : [];
  });
}

/** `express()`, `Fastify(…)`, `require('fastify')(…)`, `new Koa()`: the file builds the app, where app-wide metrics middleware goes. */
const CREATES_SCRIPT_APP = /\bexpress\s*\(\s*\)|\b[fF]astify\s*\(|\brequire\s*\(\s*['"](?:express|fastify)['"]\s*\)\s*\(|\bnew\s+(?:Koa|Hono)\s*\(/;

/**
 * Whether these lines build the app itself. A router or plugin file (`Router()`, a Fastify plugin) is
 * mounted on an app built elsewhere, whose middleware (`app.use(promBundle(…))`) may measure every route.
 */
function createsScriptApp(lines: readonly HeadLine[]): boolean {
  return lines.some((l) => CREATES_SCRIPT_APP.test(l.text) && !commentLine(l.text, false));
}

/** What a JS/TS route call needs on an added line: a cheap first test. */
const MAY_ROUTE_SCRIPT = /\.(?:get|post|put|patch|all|route)\s*\(/;

function newEndpoints(file: ChangedFile): Endpoint[] {
  const script = isScript(file);
  // A new endpoint needs an added route decorator or route call.
  if (!addsMention(file, script ? MAY_ROUTE_SCRIPT : MAY_ROUTE_PY)) return [];
  const all = views(file);
  // Instrumentation anywhere in the file counts, so judge the file once over every view.
  if (all.some(script ? scriptInstrumented : instrumented)) return [];
  if (!all.some((lines) => importsVisible(file, lines))) return [];
  if (script && !all.some(createsScriptApp)) return [];
  return all.flatMap(script ? newScriptPredictionEndpoints : newPredictionEndpoints);
}

function check(file: ChangedFile): RuleHit[] {
  return newEndpoints(file).map((endpoint) => ({
    line: endpoint.def.line,
    title: `New prediction endpoint ${describe(endpoint.handler)} without prediction logging or metrics`,
    message:
      `${describe(endpoint.handler)} serves ${code(`${endpoint.call}(…)`)} results, and nothing in this file logs the ` +
      'predictions or their inputs, exports metrics, or captures data for drift detection (no prediction log line, ' +
      'Prometheus/StatsD/OpenTelemetry metric, whylogs/Evidently/Arize or data capture). Without them a shifting input ' +
      'distribution or a silently degrading model shows up only when business numbers fall, weeks later. How will you ' +
      "notice when this model's predictions drift or degrade: where are predictions and inputs logged or measured?",
    remedy:
      'Log each prediction with its inputs (or their hash), the model version and a request id to a structured log or a ' +
      'prediction table/stream; export latency and score-distribution metrics (e.g. a Prometheus `Histogram`); and feed ' +
      'them to drift detection (Evidently, whylogs, SageMaker/Vertex data capture) with an alert that has an owner.',
  }));
}

/** Whether a new prediction endpoint's file may hold module-level instrumentation outside the hunks. */
function wantsContent(file: ChangedFile): boolean {
  if (isScript(file)) {
    if (file.status === 'added' || !addsMention(file, MAY_ROUTE_SCRIPT)) return false;
    const hunks = file.hunks.map(headLines);
    return !hunks.some(scriptInstrumented) && hunks.some((lines) => newScriptPredictionEndpoints(lines).length > 0);
  }
  if (file.status === 'added' || !addsMention(file, MAY_ROUTE_PY)) return false;
  const hunks = file.hunks.map(headLines);
  return !hunks.some(instrumented) && hunks.some((lines) => newPredictionEndpoints(lines).length > 0);
}

export const predictionWithoutMonitoring: Rule = {
  id: 'prediction-without-monitoring',
  summary: 'A new prediction endpoint in a file with no prediction logging, metrics or data capture',
  why: 'Without prediction logs, metrics or data capture, drift and silent model degradation are noticed only when business numbers fall.',
  remedy: 'Log predictions with inputs, model version and request id; export score and latency metrics; feed them to drift detection with an owned alert.',
  severity: 'medium',
  kind: 'question',
  scope: 'Python, TypeScript or JavaScript files',
  appliesTo: (file) => file.language === 'python' || isScript(file),
  wantsContent,
  check,
};
