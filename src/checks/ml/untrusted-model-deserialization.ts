import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import {
  argsOf,
  contextCut,
  describe,
  enclosingDef,
  handlerCalling,
  paramsOf,
  pythonHandler,
  PY_DEF,
  views,
  type Handler,
} from './serving-util.js';
import { addsMention, mentions } from '../text.js';

/** Calls that run code while reading their input; `safe` says when the call is the data-only variant. */
const LOADERS: { re: RegExp; safe?: RegExp; unsafeOnly?: RegExp }[] = [
  { re: /\b(?:pickle|cPickle|_pickle|dill|cloudpickle)\.(?:loads?|Unpickler)\s*\(/ },
  { re: /\bjoblib\.load\s*\(/ },
  { re: /\btorch\.load\s*\(/, safe: /\bweights_only\s*=\s*True\b/ },
  { re: /\b(?:np|numpy)\.load\s*\(/, unsafeOnly: /\ballow_pickle\s*=\s*True\b/ },
  { re: /\b(?:pd|pandas)\.read_pickle\s*\(/ },
];

/** What every pattern of LOADERS needs on its line: a cheap first test. */
const MAY_DESERIALISE = /\.(?:loads?|Unpickler)\s*\(|read_pickle/;

/** Parameters that a framework fills from its own state, not from the client. */
const NOT_FROM_CLIENT = /\bDepends\s*\(|\b(?:BackgroundTasks|Response|Session|AsyncSession|Settings)\b/;
const REQUEST_OBJECT = /^(?:[\w.]*\.)?(?:Request|HttpRequest|WebSocket)\b/;
const SKIP_PARAMS = new Set(['self', 'cls', 'context', 'headers']);

interface Taint {
  /** Where the data came from, as written: `request.files["model"]`, the `UploadFile` parameter `file`. */
  origin: string;
  /** The added line that brought it in, if one did. */
  line?: number;
}

interface Scope {
  taint: Map<string, Taint>;
  source: RegExp;
}

function sourceRe(requestNames: readonly string[]): RegExp {
  const names = ['request', 'req', ...requestNames].join('|');
  return new RegExp(
    `(?:await\\s+)?(?<![\\w.])(?:${names})\\s*\\.\\s*(?:files|FILES|data|body|stream|get_data|form|args|values|GET|POST|query_params|path_params|json|get_json|content|read|post)\\b(?:\\s*\\[[^\\]]*\\]|\\s*\\(\\s*\\)|\\.get\\([^)]*\\))?` +
      `|(?<![\\w.])event\\s*(?:\\[\\s*['"]|\\.get\\(\\s*['"])(?:body|queryStringParameters|pathParameters)['"]\\s*[\\])]?`,
  );
}

/**
 * Calls whose result is their argument's bytes: wrappers, decoders, file and URL readers. Any other
 * call (a cache or database lookup keyed by a request id, `os.path.join(MODEL_DIR, name)`) returns
 * the service's own data, so its arguments are not followed.
 */
const CARRIES =
  /^(?:io\.)?(?:BytesIO|StringIO)$|^(?:base64\.)?\w*b\d+decode$|^(?:bytes|bytearray|memoryview|open|urlopen|str)$|^(?:gzip|zlib|lzma|bz2)\.(?:decompress|open)$|^(?:urllib\.request\.urlopen|(?:requests|httpx)\.(?:get|post|request)|(?:smart_open|fsspec)\.open)$/;

/** The text with the arguments of non-carrying calls, the insides of f-strings and non-literal lookup keys removed. */
function exposed(text: string): string {
  // An f-string or a lookup key built from a request value names one of our own files, not client bytes.
  const plain = text
    .replace(/\b(?:rf|fr|f)(['"])(?:(?!\1).)*\1/gi, '""')
    .replace(/([\w\])])\[([^\][]*)\]/g, (whole, before: string, key: string) =>
      /^\s*(?:(['"]).*\1|-?\d+)\s*$/.test(key) ? whole : `${before}[]`,
    );
  let out = '';
  let dropDepth = 0;
  const stack: boolean[] = [];
  for (let i = 0; i < plain.length; i++) {
    const ch = plain[i] ?? '';
    if (ch === '(') {
      const callee = /([\w.]*)\s*$/.exec(plain.slice(0, i))?.[1] ?? '';
      const drop = dropDepth > 0 || (callee !== '' && !CARRIES.test(callee));
      stack.push(drop);
      if (drop) dropDepth++;
      if (dropDepth <= 1) out += ch;
      continue;
    }
    if (ch === ')') {
      if (stack.pop()) dropDepth--;
      if (dropDepth === 0) out += ch;
      continue;
    }
    if (dropDepth === 0) out += ch;
  }
  return out;
}

/** Where `text` gets client data from: a tainted name or a request source, not hidden in another call's arguments. */
function taintIn(raw: string, scope: Scope): Taint | undefined {
  const text = exposed(raw);
  const source = scope.source.exec(text);
  if (source) return { origin: source[0].trim() };
  for (const [name, taint] of scope.taint) {
    if (new RegExp(`(?<![\\w.])${name}\\b(?!\\s*=[^=])`).test(text)) return taint;
  }
  return undefined;
}

/** What the client controls at `upto` inside the `def` at `defIndex`: its parameters if it is a handler, and what flows from them. */
function scopeAt(lines: readonly HeadLine[], defIndex: number, upto: number): Scope {
  const taint = new Map<string, Taint>();
  const requestNames: string[] = [];
  const def = lines[defIndex];
  const handler = pythonHandler(lines, defIndex);
  for (const p of paramsOf(lines, defIndex)) {
    if (SKIP_PARAMS.has(p.name) || NOT_FROM_CLIENT.test(p.spec)) continue;
    // A parameter typed `Request` is the request wherever it is; other parameters come from the client only in a handler.
    if (REQUEST_OBJECT.test(p.spec)) requestNames.push(p.name);
    else if (handler) {
      const origin = /\bUploadFile\b/.test(p.spec) ? `UploadFile ${p.name}` : `request parameter ${p.name}`;
      taint.set(p.name, def?.added ? { origin, line: def.line } : { origin });
    }
  }
  const scope = { taint, source: sourceRe(requestNames) };
  for (let i = defIndex + 1; i < upto; i++) {
    const l = lines[i];
    if (!l || commentLine(l.text, true)) continue;
    for (const [targets, value] of bindings(l.text)) {
      const t = taintIn(value, scope);
      if (!t) continue;
      for (const target of targets) scope.taint.set(target, l.added ? { origin: t.origin, line: l.line } : t);
    }
  }
  return scope;
}

/** The names a line binds and the expression each gets: `a, b = …`, `with … as fh`, `for row in …`. */
function bindings(text: string): [string[], string][] {
  const out: [string[], string][] = [];
  const assign = /^\s*(\*?[A-Za-z_]\w*(?:\s*,\s*\*?[A-Za-z_]\w*)*)\s*(?::[^=]+)?[+]?=(?!=)(.*)$/.exec(text);
  if (assign) out.push([(assign[1] ?? '').split(',').map((t) => t.trim().replace(/^\*/, '')), assign[2] ?? '']);
  for (const m of text.matchAll(/\b(?:async\s+)?with\s+(.+?)\s+as\s+(\w+)/g)) out.push([[m[2] ?? ''], m[1] ?? '']);
  const loop = /^\s*(?:async\s+)?for\s+(.+?)\s+in\s+(.+):/.exec(text);
  if (loop) out.push([(loop[1] ?? '').split(',').map((t) => t.trim()), loop[2] ?? '']);
  return out;
}

interface Found {
  handler: Handler;
  taint: Taint;
  via?: string;
}

/** Whether the first argument of the load at `index` is client data, in its own handler or through a helper a handler calls. */
function clientData(lines: readonly HeadLine[], index: number, arg: string): Found | undefined {
  const defIndex = enclosingDef(lines, index);
  if (defIndex === undefined) return undefined;
  const handler = pythonHandler(lines, defIndex);
  const own = taintIn(arg, scopeAt(lines, defIndex, index));
  if (handler) return own ? { handler, taint: own } : undefined;
  const helper = PY_DEF.exec(lines[defIndex]?.text ?? '')?.[2] ?? '';
  // Flask's global `request` in a helper: it only exists while a request is served.
  if (own) return { handler: handlerCalling(lines, helper, defIndex) ?? { name: helper, async: false }, taint: own };
  // A helper: does a handler pass it client data in the parameter the load reads?
  const params = paramsOf(lines, defIndex).filter((p) => p.name !== 'self' && p.name !== 'cls');
  const position = params.findIndex((p) => new RegExp(`(?<![\\w.])${p.name}\\b`).test(arg));
  const param = params[position];
  if (!param) return undefined;
  const call = new RegExp(`(?<![\\w])${helper}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    const m = call.exec(lines[i]?.text ?? '');
    if (!m || i === defIndex) continue;
    const callerDef = enclosingDef(lines, i);
    const caller = callerDef === undefined ? undefined : pythonHandler(lines, callerDef);
    if (callerDef === undefined || !caller) continue;
    const args = argsOf(callText(lines, i, m.index));
    const given = args.find((a) => a.startsWith(`${param.name}=`)) ?? args.filter((a) => !/^\w+\s*=[^=]/.test(a))[position];
    const t = given === undefined ? undefined : taintIn(given, scopeAt(lines, callerDef, i));
    if (t) return { handler: caller, taint: lines[i]?.added ? { origin: t.origin, line: lines[i]?.line ?? 0 } : t, via: helper };
  }
  return undefined;
}

function loadAt(text: string): { re: RegExp; safe?: RegExp; unsafeOnly?: RegExp; index: number; name: string } | undefined {
  for (const loader of LOADERS) {
    const m = loader.re.exec(text);
    if (m) return { ...loader, index: m.index, name: m[0].replace(/\s*\($/, '') };
  }
  return undefined;
}

function hitsIn(lines: readonly HeadLine[]): RuleHit[] {
  const hits: RuleHit[] = [];
  lines.forEach((line, index) => {
    if (commentLine(line.text, true)) return;
    const load = loadAt(line.text);
    if (!load) return;
    const call = callText(lines, index, load.index);
    if (load.safe?.test(call) || (load.unsafeOnly && !load.unsafeOnly.test(call))) return;
    const arg = argsOf(call)[0];
    if (arg === undefined) return;
    const found = clientData(lines, index, arg);
    const at = line.added ? line.line : found?.taint.line;
    if (!found || at === undefined) return;
    const via = found.via ? ` through ${code(`${found.via}()`)}` : '';
    hits.push({
      line: at,
      title: `Model deserialised from client data in ${describe(found.handler)}`,
      message:
        `${code(`${load.name}(${arg})`)} in ${describe(found.handler)}${via} deserialises data the client controls ` +
        `(${code(found.taint.origin)}). Unpickling runs whatever code the payload carries: anyone who can reach this ` +
        'endpoint can execute commands in the serving process, read its credentials and reach everything it can.',
      remedy:
        'Never unpickle client data. Accept a data-only format (safetensors, ONNX, JSON, `np.load(..., allow_pickle=False)`) ' +
        'or let the client name a model version that you load from your own registry or bucket; for PyTorch use ' +
        '`torch.load(..., weights_only=True)`. If uploading models is a feature, scan and load them in an isolated sandbox, ' +
        'not in the serving process.',
    });
  });
  return hits;
}

/** Whether an added unsafe load's function (and so its parameters and handler) starts above its hunk. */
function wantsContent(file: ChangedFile): boolean {
  if (file.status === 'added' || !addsMention(file, MAY_DESERIALISE)) return false;
  return file.hunks.some((hunk) => {
    const lines = headLines(hunk);
    return lines.some((l, i) => l.added && !commentLine(l.text, true) && loadAt(l.text) !== undefined && contextCut(lines, i));
  });
}

export const untrustedModelDeserialization: Rule = {
  id: 'untrusted-model-deserialization',
  summary: 'pickle/joblib/dill/torch.load (without weights_only=True)/np.load(allow_pickle=True) applied to an upload, a request body or a path from the request',
  why: 'Unpickling runs whatever code the payload carries: anyone who can reach the endpoint can execute commands in the serving process.',
  remedy: 'Accept data-only formats (safetensors, ONNX, `allow_pickle=False`), load models only from your own registry by version, `torch.load(..., weights_only=True)`.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python files',
  appliesTo: (file) => file.language === 'python',
  wantsContent,
  check: (file) => (mentions(file, MAY_DESERIALISE) ? views(file).flatMap(hitsIn) : []),
};
