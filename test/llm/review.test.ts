import { describe, expect, it } from 'vitest';
import { assembleCatalog } from '../../src/catalog.js';
import { planReview, review } from '../../src/engine.js';
import { llmReview, type Caller } from '../../src/llm/review.js';
import { llmSettings, type CallOutcome, type LlmAnswer } from '../../src/llm/types.js';
import { changeSetOf } from '../changeset/git-diff.js';

/** A serving service of `n` handlers: each file big enough that an agent's files take several calls. */
function servingFile(i: number): string {
  const handlers = Array.from({ length: 60 }, (_, j) =>
    [`@app.post("/score_${i}_${j}")`, `def score_${i}_${j}(payload: dict) -> dict:`, `    return {"score": float(len(payload.get("items_${j}", [])))}`, ''].join('\n'),
  );
  return ['from fastapi import FastAPI', '', 'app = FastAPI()', '', ...handlers].join('\n');
}

async function setting(files: number) {
  const change = changeSetOf(Array.from({ length: files }, (_, i) => ({ path: `serving/api_${i}.py`, after: servingFile(i) })));
  const { agents } = await assembleCatalog([], true);
  const { routing } = planReview(change, agents);
  return { change, routing, report: review(change, agents, [], { routing }) };
}

const answer: LlmAnswer = { checklist: [], findings: [], questions: [] };
const usage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 };

describe('llmReview', () => {
  it("sends each agent's first chunk before its others, so they read the system prompt from cache", async () => {
    const { change, routing, report } = await setting(40);
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    const call: Caller = async (request) => {
      const agent = request.system.map((b) => b.text).join('').includes('ML') ? 'ml' : 'system';
      const part = /part (\d+) of/.exec(request.messages[0]?.content.map((c) => c.text).join('') ?? '')?.[1] ?? '?';
      inFlight++;
      most = Math.max(most, inFlight);
      events.push(`start ${agent} ${part}`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`end ${agent} ${part}`);
      inFlight--;
      return { kind: 'answer', answer, usage, calls: 1 } satisfies CallOutcome;
    };
    const settings = { ...llmSettings({ apiKey: 'k', concurrency: 3, maxInputTokens: 1_000_000 }, {}) };
    const out = await llmReview({ report, changeSet: change, routing, settings, call });
    const chunks = out.usage.llmCalls;
    expect(chunks).toBeGreaterThan(routing.assignments.length);
    expect(most).toBeLessThanOrEqual(3);
    // Every later chunk (part 2, 3, …) starts only after every first chunk has answered.
    const lastFirstEnd = Math.max(...events.map((e, i) => (/^end \w+ 1$/.test(e) ? i : -1)));
    const laterStarts = events.map((e, i) => (/^start \w+ ([2-9]|\d\d)$/.test(e) ? i : -1)).filter((i) => i >= 0);
    expect(events.filter((e) => /^start \w+ 1$/.test(e))).toHaveLength(routing.assignments.length);
    expect(laterStarts.length).toBe(chunks - routing.assignments.length);
    expect(Math.min(...laterStarts)).toBeGreaterThan(lastFirstEnd);
    expect(out.usage).toMatchObject({ llmCalls: chunks, inputTokens: chunks * 100, outputTokens: chunks * 20 });
    expect(out.usage.estimatedCostUsd).toBeGreaterThan(0);
    expect(out.coverage.llm?.sent.flatMap((s) => s.files).length).toBeGreaterThan(0);
  });

  it('keeps the offline review and says so when calls fail', async () => {
    const { change, routing, report } = await setting(3);
    const call: Caller = async () => ({ kind: 'failed', reason: 'Anthropic API 529 overloaded after 4 attempts', usage: { ...usage, inputTokens: 0, outputTokens: 0 }, calls: 0 });
    const out = await llmReview({ report, changeSet: change, routing, settings: llmSettings({ apiKey: 'k' }, {}), call });
    expect(out.status).toBe(report.status);
    expect(out.findings).toEqual(report.findings);
    expect(out.notices.some((n) => /LLM review by .* failed \(Anthropic API 529 overloaded/.test(n))).toBe(true);
    expect(out.coverage.llm?.notSent.map((n) => n.file).sort()).toEqual(routing.assignments.flatMap((a) => a.files.map((f) => f.path)).sort());
    expect(out.usage.llmCalls).toBe(0);
  });

  it('never throws: a failure inside the reviewer becomes a notice on the offline review', async () => {
    const { change, routing, report } = await setting(2);
    const call: Caller = () => { throw new Error('boom'); };
    const out = await llmReview({ report, changeSet: change, routing, settings: llmSettings({ apiKey: 'k' }, {}), call });
    expect(out.findings).toEqual(report.findings);
    expect(out.notices.at(-1)).toMatch(/The LLM review could not run \(boom\); this is the offline review/);
  });

  it('names a model it has no price for', async () => {
    const { change, routing, report } = await setting(1);
    const call: Caller = async () => ({ kind: 'answer', answer, usage, calls: 1 });
    const out = await llmReview({ report, changeSet: change, routing, settings: llmSettings({ apiKey: 'k', model: 'acme-llm-1' }, {}), call });
    expect(out.notices).toContain('No list price is known for acme-llm-1; the cost shown is estimated at Sonnet prices.');
  });
});
