/**
 * The evaluation floor: runs the same evaluation as `npm run eval` (the engine on every PR fixture in
 * test/fixtures/prs/) and fails when a guarded figure drops below the floor recorded in
 * eval/baseline.json (with a 0.0001 tolerance). When a figure rises, re-record the floor:
 * `EVAL_RECORD=1 npm run eval` (see eval/README.md). `npm run eval` prints the misses behind a drop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFloor, type FloorCheck } from '../../eval/evaluate.js';
import { readBaseline, runEvaluation, type Evaluation } from '../../eval/harness.js';

const baseline = readBaseline();

describe('evaluation floor (eval/baseline.json)', () => {
  let evaluation: Evaluation;
  let checks: Map<string, FloorCheck>;

  beforeAll(async () => {
    evaluation = await runEvaluation();
    checks = new Map(baseline ? checkFloor(evaluation.metrics, baseline).map((c) => [c.figure, c]) : []);
  });

  it('has a recorded floor', () => {
    expect(baseline, 'eval/baseline.json is missing: record it with EVAL_RECORD=1 npm run eval').toBeDefined();
  });

  const figures = [
    'routingAccuracy',
    'precision',
    'recall',
    'precisionBySeverity.high',
    'precisionBySeverity.medium',
    'precisionBySeverity.low',
    'recallBySeverity.high',
    'recallBySeverity.medium',
    'recallBySeverity.low',
    'quietAccuracy',
  ];
  it.each(figures)('%s stays at or above its recorded floor', (figure) => {
    const check = checks.get(figure);
    expect(check, `eval/baseline.json has no floor for ${figure}`).toBeDefined();
    if (!check) return;
    expect(
      check.ok,
      `${figure} dropped to ${check.actual.toFixed(4)}, below its recorded floor ${check.floor} ` +
        '(run `npm run eval` for the false positives and negatives behind it)',
    ).toBe(true);
  });
});
