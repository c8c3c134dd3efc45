/**
 * `npm run eval`: runs the engine on every fixture in test/fixtures/prs/, prints the figures and
 * the per-PR misses (so rule authors see what to fix, with file:line and rule), and writes
 * eval/last-results.json. `EVAL_RECORD=1 npm run eval` also records the figures as the new floor in
 * eval/baseline.json (rounded down to 3 decimals), which test/eval/floor.test.ts then enforces.
 * `EVAL_ALL_RULES=1 npm run eval` previews the figures with every built-in rule attached to its agent,
 * including rules no agent's `review.rules` lists yet (not compared with the floor, never recorded).
 */
import { describe, expect, it } from 'vitest';
import { checkFloor, formatMisses, formatSummary } from './evaluate.js';
import { BASELINE_PATH, RESULTS_PATH, ROOT, readBaseline, runEvaluation, writeBaseline, writeResults } from './harness.js';
import path from 'node:path';

const flag = (name: string): boolean => ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());
const record = flag('EVAL_RECORD');
const preview = flag('EVAL_ALL_RULES');

describe('evaluation on the PR fixtures', () => {
  it('runs, reports and writes eval/last-results.json', async () => {
    const evaluation = await runEvaluation(undefined, { attachAllRules: preview });
    const baseline = preview ? undefined : readBaseline();
    const out: string[] = [formatSummary(evaluation.metrics, baseline), '', formatMisses(evaluation.scores)];
    if (evaluation.notices.length > 0) out.push('', 'Notices:', ...evaluation.notices.map((n) => `  ${n}`));
    writeResults(evaluation);
    out.push('', `${evaluation.fixtures.length} fixtures evaluated in ${evaluation.millis.toFixed(0)} ms; details in ${path.relative(ROOT, RESULTS_PATH)}`);
    if (preview) {
      out.push('Preview with every built-in rule attached: not compared with the floor, not recorded.');
    } else if (record) {
      const recorded = writeBaseline(evaluation.metrics);
      out.push(`Recorded the floor in ${path.relative(ROOT, BASELINE_PATH)}: ${JSON.stringify(recorded)}`);
    } else if (baseline) {
      const below = checkFloor(evaluation.metrics, baseline).filter((c) => !c.ok);
      out.push(
        below.length === 0
          ? 'Every figure is at or above the recorded floor.'
          : `Below the recorded floor: ${below.map((c) => `${c.figure} ${c.actual.toFixed(4)} < ${c.floor}`).join(', ')} (npm test will fail)`,
      );
    } else {
      out.push('No floor recorded yet: run EVAL_RECORD=1 npm run eval');
    }
    console.log(`\n${out.join('\n')}\n`);
    expect(evaluation.fixtures.length).toBeGreaterThan(0);
  });
});
