import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { awaitedOrOffloaded, inferenceCall, MAY_INFER } from './inference-calls.js';
import { contextCut, describe, ownBody, PY_ASYNC_DEF, pythonHandler, views } from './serving-util.js';
import { addsMention, mentions } from '../text.js';

/** The inference calls in the body of the `async def` handler at `defIndex` that run on the event loop. */
function blockingCalls(lines: readonly HeadLine[], defIndex: number): { line: HeadLine; name: string }[] {
  const out: { line: HeadLine; name: string }[] = [];
  for (const i of ownBody(lines, defIndex)) {
    const line = lines[i];
    if (!line || commentLine(line.text, true)) continue;
    const call = inferenceCall(line.text);
    if (call && !awaitedOrOffloaded(lines, i, call.column)) out.push({ line, name: call.name });
  }
  return out;
}

function hitsIn(lines: readonly HeadLine[]): RuleHit[] {
  const hits: RuleHit[] = [];
  lines.forEach((def, defIndex) => {
    if (!PY_ASYNC_DEF.test(def.text)) return;
    const handler = pythonHandler(lines, defIndex);
    if (!handler) return;
    const calls = blockingCalls(lines, defIndex);
    // A new blocking call, or a handler just made `async` around an existing one.
    const added = calls.find((c) => c.line.added);
    const call = added ?? (def.added ? calls[0] : undefined);
    if (!call) return;
    const at = added ? added.line.line : def.line;
    hits.push({
      line: at,
      title: `Blocking inference in async handler ${describe(handler)}`,
      message:
        `${describe(handler)} is an \`async def\` but calls ${code(`${call.name}(…)`)} synchronously, so the model runs on ` +
        'the event loop thread: while it computes, this worker serves no other request (health checks included), and every ' +
        'concurrent caller waits for it; under load p99 latency grows with each queued inference and probes start failing.',
      remedy:
        'Make the handler a plain `def` (FastAPI and Starlette run those in a threadpool), or offload the call: ' +
        '`await run_in_threadpool(model.predict, x)`, `await asyncio.to_thread(model.predict, x)` or ' +
        '`await loop.run_in_executor(executor, model.predict, x)`; for large models, batch in a dedicated inference worker.',
    });
  });
  return hits;
}

/** Whether an added inference call's `def` (is it `async`, is it a route?) starts above its hunk. */
function wantsContent(file: ChangedFile): boolean {
  if (file.status === 'added' || !addsMention(file, MAY_INFER)) return false;
  return file.hunks.some((hunk) => {
    const lines = headLines(hunk);
    return lines.some((l, i) => {
      if (!l.added || commentLine(l.text, true)) return false;
      const call = inferenceCall(l.text);
      return call !== undefined && !awaitedOrOffloaded(lines, i, call.column) && contextCut(lines, i);
    });
  });
}

export const blockingInferenceInAsyncHandler: Rule = {
  id: 'blocking-inference-in-async-handler',
  summary: 'An async def request handler that runs model inference synchronously on the event loop (predict, generate, model(...), session.run) without offloading it',
  why: 'The model runs on the event loop thread: no other request on the worker is served while it computes, so latency and probe failures grow with load.',
  remedy: 'A plain `def` handler (run in the threadpool), or `await run_in_threadpool(...)` / `asyncio.to_thread(...)` around the inference call.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files',
  appliesTo: (file) => file.language === 'python',
  wantsContent,
  // A finding needs an `async def` handler in view (PY_ASYNC_DEF on a line; unanchored, the test over the text runs fast).
  check: (file) => (mentions(file, /async\s+def\s/) ? views(file).flatMap(hitsIn) : []),
};
