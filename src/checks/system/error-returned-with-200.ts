import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { balancedText, commentLine, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { enclosingDef } from '../handlers.js';
import { addsTrigger, describeHandler, headViews, isTestPath, pythonHandler, serverFamilyOf, triggers, type Family } from './code-util.js';
import { addsMention, mentions } from '../text.js';

/** A payload that says "failed": an `error` key with a value, `status: "error"`, `success`/`ok` false. */
const ERROR_PAYLOAD =
  /[{,]\s*error\s*[,}]|(?:^|[{(,\s])['"]?error['"]?\s*[:=]\s*(?!\s*(?:None|null|undefined|nil|false|False|""|'')\s*[,})])|['"]?status['"]?\s*[:=]\s*['"](?:error|fail|failed|failure)['"]|['"]?(?:success|ok)['"]?\s*[:=]\s*(?:False|false)\b/;
/** JSON-RPC answers errors with 200 by specification. */
const JSON_RPC = /jsonrpc/;

const PY_RETURN = /^\s*return\s+(\{|(?:flask\.)?jsonify\s*\(|(?:JsonResponse|JSONResponse|ORJSONResponse)\s*\()/;
const JS_SEND = /\b(?:res|response|reply)\s*(?:\.status\s*\(\s*([^)]*)\)|\.code\s*\(\s*([^)]*)\))?\s*\.(?:json|send)\s*\(\s*\{/;
const NEXT_JSON = /\b(?:NextResponse|Response)\.json\s*\(\s*\{/;
const GIN_OK = /\b\w+\.(?:JSON|IndentedJSON)\s*\(\s*(?:http\.StatusOK|200)\s*,/;

/** What the patterns above need on an added line, per family: a cheap first test (a regex that starts with a plain word). */
const PY_MAY_ANSWER = /return\s+(?:\{|(?:flask\.)?jsonify\s*\(|(?:JsonResponse|JSONResponse|ORJSONResponse)\s*\()/;
const MAY_ANSWER = triggers({ script: ['.json', '.send'], go: ['JSON'] });

/**
 * What ERROR_PAYLOAD needs in the body: `error`, `fail` or `false`/`False`. The body starts on an
 * added line but may run on into context lines, so the file's whole text is tested.
 */
const MAY_FAIL = /error|fail|[Ff]alse/;

function mayAnswer(file: ChangedFile, family: Family): boolean {
  const answers = family === 'python' ? addsMention(file, PY_MAY_ANSWER) : addsTrigger(file, MAY_ANSWER);
  return answers && mentions(file, MAY_FAIL);
}

function pythonHit(lines: readonly HeadLine[], index: number, path: string): RuleHit | undefined {
  const text = lines[index]?.text ?? '';
  const m = PY_RETURN.exec(text);
  if (!m) return undefined;
  const { text: body, rest } = balancedText(lines, index, text.indexOf(m[1] ?? '{'), 30, 'any');
  if (!ERROR_PAYLOAD.test(body) || JSON_RPC.test(body)) return undefined;
  // Django `JsonResponse(..., status=400)`, Starlette `JSONResponse(..., status_code=400)`.
  if (/Response\s*\($/.test(m[1] ?? '') && /\bstatus(?:_code)?\s*=\s*(?!200\b|HTTPStatus\.OK\b|status\.HTTP_200_OK\b)/.test(body)) return undefined;
  // `return {...}, 400` or `return jsonify(...), HTTPStatus.BAD_REQUEST`: the status is set.
  const status = /^\s*,\s*([\w.]+)/.exec(rest)?.[1];
  if (status !== undefined && !/^(?:200|HTTPStatus\.OK|status\.HTTP_200_OK)$/.test(status)) return undefined;
  const defIndex = enclosingDef(lines, index);
  if (defIndex === undefined) return undefined;
  const handler = pythonHandler(lines, defIndex, path);
  if (!handler) return undefined;
  // `response.status_code = 422` earlier in the handler sets the status for the dict it returns.
  if (lines.slice(defIndex, index).some((l) => /\.status_code\s*=\s*(?!200\b)/.test(l.text))) return undefined;
  return {
    line: lines[index]?.line,
    title: `Error payload returned with HTTP 200 in ${describeHandler(handler)}`,
    message:
      `${describeHandler(handler)} returns an error body (${code(body.split('\n')[0]?.trim() ?? '')}) with no status code, ` +
      'so it is sent as 200 OK. Clients, retries, caches, load balancers and error-rate dashboards all count it as a ' +
      'success: callers carry on with a failed result and the failure never shows in 5xx/4xx alerts.',
    remedy:
      'Answer with a real status: `raise HTTPException(status_code=400, detail=...)` in FastAPI, ' +
      '`return jsonify(error=...), 400` in Flask (404/409/422 for client errors, 5xx for server faults).',
  };
}

function scriptHit(lines: readonly HeadLine[], index: number, family: 'script' | 'go'): RuleHit | undefined {
  const text = lines[index]?.text ?? '';
  const line = lines[index]?.line;
  if (family === 'go') {
    const m = GIN_OK.exec(text);
    if (!m) return undefined;
    const { text: body } = balancedText(lines, index, m.index, 30, 'any');
    if (!ERROR_PAYLOAD.test(body)) return undefined;
    return goHit(line, body);
  }
  const send = JS_SEND.exec(text);
  const next = send ? null : NEXT_JSON.exec(text);
  const m = send ?? next;
  if (!m) return undefined;
  const open = m.index + m[0].length - 1;
  const { text: body, rest } = balancedText(lines, index, open, 30, 'any');
  if (!ERROR_PAYLOAD.test(body) || JSON_RPC.test(body)) return undefined;
  if (send) {
    const status = (send[1] ?? send[2])?.trim();
    if (status !== undefined && !/^(?:200|HttpStatus\.OK|StatusCodes\.OK)$/.test(status)) return undefined;
    // `res.status(400);` on its own line just before.
    if (status === undefined && lines.slice(Math.max(0, index - 3), index).some((l) => /\b(?:res|reply)\.(?:status|code)\s*\(|statusCode\s*=/.test(l.text))) return undefined;
  } else if (/\bstatus\s*:/.test(rest) || /^\s*,/.test(rest)) return undefined; // `NextResponse.json({...}, { status: 400 })` or an init variable
  const call = m[0].replace(/\s*\{$/, '');
  return {
    ...(line !== undefined ? { line } : {}),
    title: 'Error payload returned with HTTP 200',
    message:
      `${code(`${call}${body.split('\n')[0]?.trim() ?? ''}`)} sends an error body with status 200. Clients, retries, ` +
      'load balancers and error-rate dashboards count it as a success: callers carry on with a failed result and the ' +
      'failure never shows in 4xx/5xx alerts.',
    remedy: send
      ? 'Set the status with the body: `res.status(400).json({ error })` (404/409/422 for client errors, 5xx for server faults).'
      : 'Pass the status: `NextResponse.json({ error }, { status: 400 })` (404/409/422 for client errors, 5xx for server faults).',
  };
}

function goHit(line: number | undefined, body: string): RuleHit {
  return {
    ...(line !== undefined ? { line } : {}),
    title: 'Error payload returned with HTTP 200',
    message:
      `${code(body.split('\n')[0]?.trim() ?? '')} answers an error with \`http.StatusOK\`. Clients, retries and ` +
      'error-rate dashboards count it as a success, so the failure is invisible to callers and to alerting.',
    remedy: 'Use the status that matches the failure: `c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})` or a 5xx for server faults.',
  };
}

function check(file: ChangedFile): RuleHit[] {
  const family = serverFamilyOf(file);
  if (!family || isTestPath(file.path) || !mayAnswer(file, family)) return [];
  const hits: RuleHit[] = [];
  for (const lines of headViews(file)) {
    lines.forEach((l, index) => {
      if (!l.added || commentLine(l.text, family === 'python')) return;
      const hit = family === 'python' ? pythonHit(lines, index, file.path) : scriptHit(lines, index, family);
      if (hit) hits.push(hit);
    });
  }
  return hits;
}

/** A Python error return whose handler decorator may sit above the hunk. */
function wantsContent(file: ChangedFile): boolean {
  if (file.language !== 'python' || file.content !== undefined || isTestPath(file.path) || !mayAnswer(file, 'python')) return false;
  return file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && PY_RETURN.test(l.text) && ERROR_PAYLOAD.test(l.text)));
}

export const errorReturnedWith200: Rule = {
  id: 'error-returned-with-200',
  summary: 'A request handler that answers an error payload (`{"error": ...}`, `success: false`) with status 200',
  why: 'Clients, retries, load balancers and error-rate alerts count the failure as a success, so callers go on with a failed result and nobody is paged.',
  remedy: 'Answer with the status that matches: `raise HTTPException(status_code=4xx)`, `return jsonify(...), 400`, `res.status(4xx).json(...)`.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, server-side JS/TS or Go files',
  appliesTo: (file) => serverFamilyOf(file) !== undefined,
  wantsContent,
  check,
};
