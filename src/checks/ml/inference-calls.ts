/** Calls that run a model in this process, shared by the serving rules that look at request handlers. */
import type { HeadLine } from '../lines.js';

/** `method`: the receiver is read backwards from the dot the match starts after its first character. */
const CALLS: { re: RegExp; method?: boolean }[] = [
  { re: /[\w)\]]\.(?:predict|predict_proba|predict_log_proba|decision_function|generate)\s*\(/, method: true },
  // A model called directly: `model(x)`, `self.model(**inputs)`, `app.state.classifier(text)`.
  { re: /(?<![\w.])(?:(?:self|app\.state|request\.app\.state)\.)?(?:model|MODEL|\w+_model|\w+_MODEL|classifier|generator|summarizer|translator|embedder|reranker|pipe|nlp)\s*\(/ },
  { re: /(?<![\w.])(?:[\w.]*\.)?(?:session|sess|ort_session|\w+_session)\.run\s*\(/ },
  { re: /(?<![\w.])(?:[\w.]*\.)?(?:model|MODEL|\w+_model|encoder|embedder|sentence_model)\.encode\s*\(/ },
  { re: /(?<![\w.])(?:transformers\.)?pipeline\s*\([^)]*\)\s*\(/ },
];
/**
 * A cheap first test for `inferenceCall`: every line one of `CALLS` matches contains one of these words
 * (`.predict…`/`.decision_function`/`.generate`; a callee name, `_model`/`_MODEL` and `pipeline` included;
 * `sess…` of `.run`; `.encode`), so a text it does not match has no inference call.
 */
export const MAY_INFER =
  /\.(?:predict|decision_function|generate|encode)|model|MODEL|classifier|generator|summarizer|translator|embedder|reranker|pipe|nlp|sess/;
/** `load_model(`, `get_model(`: loaders and factories, not inference. */
const NOT_INFERENCE = /(?<![\w.])(?:self\.)?(?:load|get|build|create|init|make|train|fit|register|save|set|select|choose|resolve|fetch|download|wrap|warm|warmup)_\w*\s*\($/;
/** Calls that move work off the event loop. */
const OFFLOAD = /\b(?:run_in_threadpool|run_in_executor|to_thread|run_sync|iterate_in_threadpool|submit|map_in_executor)\s*\(/g;

export interface InferenceCall {
  /** The call as written up to its parenthesis: `model.predict`. */
  name: string;
  column: number;
}

/** The first in-process inference call on a line, if any. */
export function inferenceCall(text: string): InferenceCall | undefined {
  let best: InferenceCall | undefined;
  for (const { re, method } of CALLS) {
    const m = re.exec(text);
    if (!m) continue;
    const start = method ? calleeStart(text, m.index + 1) : m.index;
    const open = m.index + m[0].length - 1;
    const name = /pipeline\s*\(/.test(m[0]) ? 'pipeline(…)' : text.slice(start, open).trim();
    if (NOT_INFERENCE.test(`${name}(`)) continue;
    if (!best || start < best.column) best = { name, column: start };
  }
  return best;
}

/** Where the receiver chain ending before `dot` starts: `self.model` in `self.model.predict`. */
function calleeStart(text: string, dot: number): number {
  let i = dot;
  let depth = 0;
  while (i > 0) {
    const ch = text[i - 1] ?? '';
    if (ch === ')' || ch === ']') depth++;
    else if ((ch === '(' || ch === '[') && depth > 0) depth--;
    else if (depth === 0 && !/[\w.]/.test(ch)) break;
    i--;
  }
  return i;
}

/** Whether the call at `column` of `lines[index]` is awaited (an async client) or passed to a thread offload. */
export function awaitedOrOffloaded(lines: readonly HeadLine[], index: number, column: number): boolean {
  const line = lines[index]?.text ?? '';
  if (/\bawait\s+$/.test(line.slice(0, column))) return true;
  // An offload call opened earlier on this line or the three before and not yet closed: `to_thread(lambda: model(x))`.
  const before = [...lines.slice(Math.max(0, index - 3), index).map((l) => l.text), line.slice(0, column)].join('\n');
  for (const m of before.matchAll(OFFLOAD)) {
    let depth = 0;
    for (const ch of before.slice(m.index + m[0].length - 1)) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
    if (depth > 0) return true;
  }
  return false;
}
