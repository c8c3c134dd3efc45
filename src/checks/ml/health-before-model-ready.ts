import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { startedBy } from './background.js';
import { addsMention } from '../text.js';
import { isScript, mayLoadScriptModel, scriptDeferredLoads, scriptRoutes, type ScriptRoute } from './script-serving.js';
import {
  MAY_LOAD_PY,
  mayLoadModel,
  bodyOf,
  cachedDef,
  decoratorsAbove,
  describe,
  enclosingDef,
  memoised,
  PY_DEF,
  PY_LOADS,
  pythonHandler,
  routeOf,
  views,
  type Handler,
} from './serving-util.js';

const READY_PATH = /(?:^|\/)(?:ready|readyz|readiness)\/?$/i;
const HEALTH_PATH = /(?:^|\/)(?:health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping)\/?$/i;

interface DeferredLoad {
  line: HeadLine;
  call: string;
  how: string;
}

/** Model loads that happen after the server starts answering: in a lazy, cached loader or in a background thread or task. */
function deferredLoads(lines: readonly HeadLine[]): DeferredLoad[] {
  const out: DeferredLoad[] = [];
  lines.forEach((line, index) => {
    if (commentLine(line.text, true)) return;
    const match = PY_LOADS.map((re) => re.exec(line.text)).find((m) => m !== null);
    const defIndex = match ? enclosingDef(lines, index) : undefined;
    if (!match || defIndex === undefined) return;
    const name = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[2] ?? '';
    const started = startedBy(lines, name);
    const lazy = cachedDef(lines, defIndex) || memoised(lines, index, defIndex);
    if (!lazy && !started) return;
    const how = started ? `in ${started.how} (${code(`${name}()`)})` : `lazily on first use in ${code(`${name}()`)}`;
    const start = line.text.slice(0, match.index).search(/[\w.]*$/);
    out.push({ line, call: line.text.slice(start, match.index) + match[0].replace(/\s*\(.*$/, ''), how });
  });
  return out;
}

interface HealthEndpoint {
  handler: Handler;
  path: string;
  /** The decorator, `def` and body lines. */
  lines: HeadLine[];
  /** The line that answers: its `return`. */
  answer?: HeadLine;
  unconditional: boolean;
}

/** Calls that only build a response or a constant field: anything else (a check, a lazy load) may fail or wait. */
const RESPONSE_CALLS = /^(?:jsonify|JSONResponse|ORJSONResponse|PlainTextResponse|Response|json_response|dict|str|int|float|bool|round|time|now|utcnow|isoformat|getenv|environ\.get)$/;

/** Whether a health handler's body answers success whatever happens: no branch, no error status, no call that checks. */
function unconditional(body: readonly HeadLine[]): boolean {
  let texts = body.map((l) => l.text).filter((t) => !commentLine(t, true) && t.trim() !== '');
  const quote = /^\s*[rRuU]?("""|\'\'\')/.exec(texts[0] ?? '')?.[1];
  if (quote) texts = texts.slice(texts.findIndex((t, i) => t.split(quote).length > (i === 0 ? 2 : 1)) + 1); // the docstring
  const code = texts.join('\n').replace(/(['"])(?:(?!\1).)*\1/g, '""');
  if (!/^\s*return\b/m.test(code)) return false;
  if (/\b(?:if|raise|assert|abort|await|while|for|try)\b|\b50\d\b|HTTP_50\d|SERVICE_UNAVAILABLE/.test(code)) return false;
  if (/status_code\s*=\s*(?!200\b|status\.HTTP_200_OK\b|HTTPStatus\.OK\b)/.test(code)) return false;
  return [...code.matchAll(/([\w.]+)\s*\(/g)].every((m) => RESPONSE_CALLS.test((m[1] ?? '').replace(/^(?:os|datetime|time|fastapi|flask|responses)\./, '')));
}

function healthEndpoints(lines: readonly HeadLine[]): HealthEndpoint[] {
  const out: HealthEndpoint[] = [];
  lines.forEach((line, defIndex) => {
    if (!PY_DEF.test(line.text)) return;
    const route = decoratorsAbove(lines, defIndex).map(routeOf).find((r) => r !== undefined);
    const handler = pythonHandler(lines, defIndex);
    if (!route || !handler || !HEALTH_PATH.test(route.path)) return;
    const body = bodyOf(lines, defIndex).map((i) => lines[i]).filter((l): l is HeadLine => l !== undefined);
    const own = [line, ...body];
    for (let i = defIndex - 1; i >= 0 && /^\s*(?:@|[)\]]|\s)/.test(lines[i]?.text ?? '') && (lines[i]?.text ?? '').trim() !== ''; i--) {
      const l = lines[i];
      if (l) own.push(l); // the decorator lines
    }
    const answer = body.find((l) => /^\s*return\b/.test(l.text));
    out.push({ handler, path: route.path, lines: own, unconditional: unconditional(body), ...(answer ? { answer } : {}) });
  });
  return out;
}

/** Response helpers and constants a JS/TS health handler may call and still answer the same every time. */
const SCRIPT_RESPONSE_CALLS = /^(?:(?:res|reply|response|ctx|c)\.\w+|JSON\.stringify|Date\.now|Date|toISOString|process\.uptime|String|Number)$/;

/** Whether a JS/TS health route answers success whatever happens: no branch, no error status, nothing that checks. */
function scriptUnconditional(route: ScriptRoute): boolean {
  const [head, ...rest] = route.lines.map((l) => l.text.replace(/\/\/.*$/, ''));
  // The route call itself (`app.get('/health', …`) is not a call the handler makes.
  const body = [(head ?? '').replace(/^.*?\.\w+\s*\(\s*(['"`])[^'"`]*\1/, ''), ...rest].join('\n').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');
  if (/\b(?:if|throw|await|while|for|try|switch|model|ready|loaded)\b|\?(?![.?:])|&&|\|\||\b50\d\b/i.test(body)) return false;
  if (!/\b(?:res|reply|response|ctx|c)\.(?:json|send|end|sendStatus|status|code|text|body)\b/.test(body)) return false;
  return [...body.matchAll(/(?<![\w.])([\w.]+)\s*\(/g)].every((m) => /^(?:async|function)$/.test(m[1] ?? '') || SCRIPT_RESPONSE_CALLS.test((m[1] ?? '').replace(/^new\s+/, '')));
}

/** JS/TS servers: a health route that answers at once while the model loads in the background. */
function scriptHits(file: ChangedFile): RuleHit[] {
  if (!mayLoadScriptModel(file)) return [];
  const hits: RuleHit[] = [];
  for (const lines of views(file)) {
    const load = scriptDeferredLoads(lines)[0];
    if (!load) continue;
    const endpoints = scriptRoutes(lines).filter((r) => HEALTH_PATH.test(r.path));
    const readiness = endpoints.filter((e) => READY_PATH.test(e.path));
    const probes = readiness.length > 0 ? readiness : endpoints;
    if (probes.some((e) => !scriptUnconditional(e))) continue;
    for (const endpoint of probes) {
      const changed = endpoint.lines.find((l) => l.added) ?? (load.line.added ? load.line : undefined);
      if (!changed) continue;
      const how = `in the background (${code(`${load.call}(…)`)} is handled with \`.then\`, not awaited before the server listens)`;
      hits.push(hitFor(endpoint.handler, changed.line, how, '`if (!model) return res.status(503).json({ status: "loading" })`'));
    }
  }
  return hits;
}

function hitFor(handler: Handler, line: number, how: string, notReady: string): RuleHit {
  return {
    line,
    title: `Health endpoint ${describe(handler)} answers before the model is loaded`,
    message:
      `${describe(handler)} returns success unconditionally, but this server loads its model ${how}. ` +
      'The orchestrator marks the instance ready and sends it traffic as soon as the process ' +
      'answers, so after every deploy or scale-out the first requests wait for the load and time out; if the load fails, ' +
      'the instance stays in rotation and fails every prediction.',
    remedy:
      `Make readiness reflect the model: ${notReady} until it is loaded and ` +
      'warmed up; keep a constant `/healthz` only as the liveness probe, point the readiness probe at the model-aware ' +
      'endpoint, and give a slow load a startupProbe instead of a readiness check that answers early.',
  };
}

function check(file: ChangedFile): RuleHit[] {
  if (isScript(file)) return scriptHits(file);
  // Nothing to say without a model load in view.
  if (!mayLoadModel(file)) return [];
  const all = views(file);
  const loads = all.flatMap(deferredLoads);
  const load = loads[0];
  if (!load) return [];
  const endpoints = all.flatMap(healthEndpoints);
  // With a readiness endpoint, that is what the orchestrator routes by: a constant liveness endpoint beside it is fine.
  const readiness = endpoints.filter((e) => READY_PATH.test(e.path));
  const probes = readiness.length > 0 ? readiness : endpoints;
  if (probes.some((e) => !e.unconditional)) return [];
  const hits: RuleHit[] = [];
  for (const endpoint of probes) {
    const changed = endpoint.answer?.added ? endpoint.answer : (endpoint.lines.find((l) => l.added) ?? loads.find((l) => l.line.added)?.line);
    if (!changed) continue;
    hits.push(hitFor(endpoint.handler, changed.line, `${load.how} (${code(`${load.call}(…)`)})`, '`if model is None: return Response(status_code=503)`'));
  }
  return hits;
}

const SCRIPT_HEALTH_ROUTE = /['"`]\/(?:health|healthz|healthcheck|ready|readyz|readiness|live|livez|ping)['"`]/;

/** Whether an added health route or model load may have its counterpart elsewhere in the file. */
function wantsContent(file: ChangedFile): boolean {
  // A JS/TS health route or model load added; its counterpart may be anywhere in the file.
  if (isScript(file)) return file.status !== 'added' && (addsMention(file, /loadGraphModel|loadLayersModel|loadSavedModel|InferenceSession/) || addsMention(file, SCRIPT_HEALTH_ROUTE));
  if (file.status === 'added' || (!addsMention(file, MAY_LOAD_PY) && !addsMention(file, /health|ready|live|ping/i))) return false;
  return file.hunks.some((hunk) =>
    headLines(hunk).some((l) => l.added && !commentLine(l.text, true) && (PY_LOADS.some((re) => re.test(l.text)) || HEALTH_PATH.test(routeOf(l.text)?.path ?? ''))),
  );
}

export const healthBeforeModelReady: Rule = {
  id: 'health-before-model-ready',
  summary: 'A health/readiness endpoint that answers OK unconditionally in a server that loads its model lazily or in the background',
  why: 'The orchestrator sends traffic before the model is loaded (or after it failed to load), so the first requests after each deploy or scale-out time out.',
  remedy: 'Load and warm up at start-up and expose a readiness endpoint that returns 503 until the model is ready; keep a constant endpoint only for liveness.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, TypeScript or JavaScript files',
  appliesTo: (file) => file.language === 'python' || isScript(file),
  wantsContent,
  check,
};
