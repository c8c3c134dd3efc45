import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, headLines, indentOf, type HeadLine } from '../lines.js';
import { SERVING_POLICY, scriptRequestPath, type RequestPath } from '../handlers.js';
import { code } from '../../render/escape.js';
import {
  contextCut,
  describe,
  MAY_LOAD_PY,
  mayLoadModel,
  pythonRequestPath,
  PY_LOADS,
  requestPathUnknown,
  views,
} from './serving-util.js';
import { addsMention } from '../text.js';

const JS_LOADS: RegExp[] = [
  /\btf\.(?:loadLayersModel|loadGraphModel|node\.loadSavedModel)\s*\(/,
  /\bInferenceSession\.create\s*\(/,
  /\bAutoModel\w*\.from_pretrained\s*\(/,
  /\bpipeline\s*\(\s*['"]/,
];

/** The JS/TS request handler (the serving rules' policy) around the line at `index`. */
function jsRequestPath(lines: readonly HeadLine[], index: number): RequestPath | undefined {
  return scriptRequestPath(lines, index, false, SERVING_POLICY);
}

/** What every pattern of JS_LOADS needs on its line: a cheap first test. */
const MAY_LOAD_JS = /load(?:LayersModel|GraphModel|SavedModel)|InferenceSession|from_pretrained|pipeline\s*\(/;
/** A cheaper one before it: each JS_LOADS pattern names a `Model` (`loadLayersModel`, `AutoModel`), `InferenceSession` or `pipeline`. */
const MAY_LOAD_JS_WORD = /Model|InferenceSession|pipeline/;

/** Whether some added line may load a model: the test over the whole text, shared with other rules, first in Python. */
function mayAddLoad(file: ChangedFile, python: boolean): boolean {
  if (python) return mayLoadModel(file) && addsMention(file, MAY_LOAD_PY);
  return addsMention(file, MAY_LOAD_JS_WORD) && addsMention(file, MAY_LOAD_JS);
}

/** The first model-load call on a line, by its pattern list. */
function loadOn(text: string, python: boolean): RegExpExecArray | undefined {
  return (python ? PY_LOADS : JS_LOADS).map((re) => re.exec(text)).find((m) => m !== null) ?? undefined;
}

/**
 * Whether the hunks cannot say if an added load runs per request: its `def` or the `def`'s
 * decorators or class are above the hunk, or it sits in a plain helper whose callers may be anywhere
 * in the file. A new file's one hunk is the whole file, so it never needs more.
 */
function wantsContent(file: ChangedFile): boolean {
  if (file.status === 'added') return false;
  const python = file.language === 'python';
  if (!mayAddLoad(file, python)) return false;
  return file.hunks.some((hunk) => {
    const lines = headLines(hunk);
    return lines.some((line, index) => {
      if (!line.added || commentLine(line.text, python) || !loadOn(line.text, python)) return false;
      if (!python) return indentOf(line.text) > 0 && jsRequestPath(lines, index) === undefined && contextCut(lines, index);
      return requestPathUnknown(lines, index);
    });
  });
}

function check(file: ChangedFile): RuleHit[] {
  const python = file.language === 'python';
  if (!mayAddLoad(file, python)) return [];
  const hits: RuleHit[] = [];
  for (const lines of views(file)) {
    lines.forEach((line, index) => {
      if (!line.added || commentLine(line.text, python)) return;
      const match = loadOn(line.text, python);
      if (!match) return;
      const path = python ? pythonRequestPath(lines, index) : jsRequestPath(lines, index);
      if (!path) return;
      const call = match[0].replace(/\s*\(.*$/, '');
      const via = 'via' in path && path.via ? ` through ${code(`${path.via}()`)}` : '';
      hits.push({
        line: line.line,
        title: `Model loaded on every request in ${describe(path.handler)}`,
        message:
          `${code(`${call}(…)`)} runs inside request handler ${describe(path.handler)}${via}, so every request loads the model again: ` +
          'latency grows by the load time (often seconds), memory multiplies under concurrent requests, and the first ' +
          'requests after a deploy or scale-out time out.',
        remedy:
          'Load the model once at start-up (module level, a FastAPI lifespan/startup hook, or a cached loader such as ' +
          '`functools.lru_cache`), warm it up with one prediction, and report ready only after that; handlers then reuse it.',
      });
    });
  }
  return hits;
}

export const modelLoadInRequestPath: Rule = {
  id: 'model-load-in-request-path',
  summary: 'A model loaded (joblib/pickle/torch.load, from_pretrained, mlflow load_model, ONNX session) inside a request handler or a helper it calls',
  why: 'Every request pays the load (often seconds), memory multiplies under concurrency, and the first requests after a deploy or scale-out time out.',
  remedy: 'Load once at start-up (module level, lifespan hook or cached loader), warm up, and report ready only after that.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python or JS/TS files',
  appliesTo: (file) => ['python', 'typescript', 'javascript'].includes(file.language),
  wantsContent,
  check,
};
