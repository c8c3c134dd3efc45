import { describe, expect, it } from 'vitest';
import {
  baselineOf,
  checkFloor,
  computeMetrics,
  floorTo,
  formatMisses,
  formatSummary,
  matchFindings,
  scorePr,
  statusOfExpected,
  type ActualFinding,
  type ExpectedFinding,
  type PrOutcome,
} from '../../eval/evaluate.js';

const exp = (rule: string, file: string, line: number | undefined, severity: ExpectedFinding['severity'] = 'medium'): ExpectedFinding =>
  line === undefined ? { rule, file, severity } : { rule, file, line, severity };
const act = (rule: string, file: string, line: number | undefined, severity: ActualFinding['severity'] = 'medium'): ActualFinding =>
  line === undefined ? { rule, file, severity, kind: 'problem' } : { rule, file, line, severity, kind: 'problem' };

function outcome(over: Partial<PrOutcome> & { slug: string }): PrOutcome {
  return {
    expectedAgents: ['system-architect'],
    actualAgents: ['system-architect'],
    expected: [],
    actual: [],
    expectedStatus: 'ok',
    actualStatus: 'ok',
    ...over,
  };
}

describe('matchFindings', () => {
  it('matches on rule, file and a line within ±1', () => {
    const r = matchFindings([exp('r', 'a.py', 10)], [act('r', 'a.py', 11)]);
    expect(r.matched).toHaveLength(1);
    expect(r.falseNegatives).toEqual([]);
    expect(r.falsePositives).toEqual([]);
  });

  it('does not match two lines away, another file or another rule', () => {
    const r = matchFindings([exp('r', 'a.py', 10)], [act('r', 'a.py', 12), act('r', 'b.py', 10), act('q', 'a.py', 10)]);
    expect(r.matched).toEqual([]);
    expect(r.falseNegatives).toHaveLength(1);
    expect(r.falsePositives).toHaveLength(3);
  });

  it('matches an expectation without a line to any finding of that rule on that file', () => {
    const r = matchFindings([exp('route-removed', 'api.py', undefined)], [act('route-removed', 'api.py', 40)]);
    expect(r.matched).toHaveLength(1);
  });

  it('does not match an expected line to a finding without a line', () => {
    const r = matchFindings([exp('r', 'a.py', 10)], [act('r', 'a.py', undefined)]);
    expect(r.matched).toEqual([]);
  });

  it('is one-to-one: a second finding for one expectation is a false positive', () => {
    const r = matchFindings([exp('r', 'a.py', 10)], [act('r', 'a.py', 10), act('r', 'a.py', 11)]);
    expect(r.matched).toHaveLength(1);
    expect(r.falsePositives).toEqual([act('r', 'a.py', 11)]);
  });

  it('finds as many pairs as it can when expectations sit on adjacent lines', () => {
    // Expected at 10 and 11, found at 11 and 12: pairing 11 with 11 first would leave 10 and 12 apart.
    const r = matchFindings([exp('r', 'a.py', 10), exp('r', 'a.py', 11)], [act('r', 'a.py', 11), act('r', 'a.py', 12)]);
    expect(r.matched.map((m) => [m.expected.line, m.actual.line]).sort()).toEqual([[10, 11], [11, 12]]);
    expect(r.falseNegatives).toEqual([]);
  });

  it('prefers the exact line when there is a choice', () => {
    const r = matchFindings([exp('r', 'a.py', 10)], [act('r', 'a.py', 9), act('r', 'a.py', 10)]);
    expect(r.matched[0]?.actual.line).toBe(10);
    expect(r.falsePositives).toEqual([act('r', 'a.py', 9)]);
  });

  it('serves precise expectations before a line-less one takes their finding', () => {
    const r = matchFindings([exp('r', 'a.py', undefined), exp('r', 'a.py', 5)], [act('r', 'a.py', 5)]);
    expect(r.matched[0]?.expected.line).toBe(5);
    expect(r.falseNegatives).toEqual([exp('r', 'a.py', undefined)]);
  });
});

describe('computeMetrics', () => {
  const scores = [
    scorePr(outcome({ slug: '01', expected: [exp('a', 'x.py', 3, 'high')], actual: [act('a', 'x.py', 3, 'high')] })),
    scorePr(
      outcome({
        slug: '02',
        expectedAgents: ['ml-systems-architect', 'system-architect'],
        expected: [exp('b', 'y.py', 7, 'medium'), exp('c', 'y.py', 9, 'low')],
        actual: [act('d', 'y.py', 1, 'medium')],
      }),
    ),
    scorePr(outcome({ slug: '03', actual: [act('e', 'z.ts', 2, 'low')] })),
    scorePr(outcome({ slug: '04', actual: [act('f', 'z.ts', 2, 'medium')], actualAgents: ['system-architect', 'ml-systems-architect'] })),
  ];
  const m = computeMetrics(scores);

  it('computes routing accuracy and per-agent routing precision and recall', () => {
    expect(m.routingAccuracy).toEqual({ value: 0.5, hits: 2, total: 4 });
    expect(m.routingByAgent['ml-systems-architect']?.precision.value).toBe(0);
    expect(m.routingByAgent['ml-systems-architect']?.recall.value).toBe(0);
    expect(m.routingByAgent['system-architect']?.precision.value).toBe(1);
  });

  it('computes precision and recall overall and by severity', () => {
    expect(m.recall).toEqual({ value: 1 / 3, hits: 1, total: 3 });
    expect(m.precision).toEqual({ value: 1 / 4, hits: 1, total: 4 });
    expect(m.recallBySeverity.high.value).toBe(1);
    expect(m.recallBySeverity.low.value).toBe(0);
    expect(m.precisionBySeverity.medium).toEqual({ value: 0, hits: 0, total: 2 });
  });

  it('counts a quiet PR with only low findings as quiet', () => {
    expect(m.quietAccuracy).toEqual({ value: 0.5, hits: 1, total: 2 });
  });

  it('treats an empty denominator as 1', () => {
    const empty = computeMetrics([scorePr(outcome({ slug: '01' }))]);
    expect(empty.precision).toEqual({ value: 1, hits: 0, total: 0 });
    expect(empty.recallBySeverity.high.value).toBe(1);
  });

  it('tallies each rule', () => {
    expect(m.byRule.a).toEqual({ expected: 1, found: 1, reported: 1, correct: 1 });
    expect(m.byRule.b).toEqual({ expected: 1, found: 0, reported: 0, correct: 0 });
    expect(m.byRule.d).toEqual({ expected: 0, found: 0, reported: 1, correct: 0 });
  });

  it('prints a table and the misses with file:line and rule', () => {
    expect(formatSummary(m)).toContain('routing accuracy');
    const misses = formatMisses(scores);
    expect(misses).toContain('missed     b (medium) at y.py:7');
    expect(misses).toContain('unexpected d (medium) at y.py:1');
    expect(misses).toContain('04 (quiet PR)');
    expect(misses).not.toContain('01');
  });
});

describe('the floor', () => {
  it('rounds down to 3 decimals, without float artefacts', () => {
    expect(floorTo(0.29)).toBe(0.29);
    expect(floorTo(2 / 3)).toBe(0.666);
    expect(floorTo(1)).toBe(1);
  });

  it('flags a figure that drops below its floor by more than the tolerance, and names it', () => {
    const m = computeMetrics([scorePr(outcome({ slug: '01', expected: [exp('a', 'x.py', 3)], actual: [act('a', 'x.py', 3)] }))]);
    const floor = baselineOf(m);
    expect(checkFloor(m, floor).every((c) => c.ok)).toBe(true);
    const worse = computeMetrics([scorePr(outcome({ slug: '01', expected: [exp('a', 'x.py', 3)] }))]);
    const failing = checkFloor(worse, floor).filter((c) => !c.ok).map((c) => c.figure);
    expect(failing).toEqual(['recall', 'recallBySeverity.medium']);
    expect(checkFloor(m, { ...floor, recall: 1.00005 }).every((c) => c.ok)).toBe(true);
  });
});

describe('statusOfExpected', () => {
  const kind = (rule: string) => (rule === 'q' ? 'question' : 'problem') as 'problem' | 'question';
  it('follows the output contract', () => {
    expect(statusOfExpected([], kind)).toBe('ok');
    expect(statusOfExpected([exp('p', 'a', 1, 'low')], kind)).toBe('ok');
    expect(statusOfExpected([exp('q', 'a', 1, 'medium')], kind)).toBe('needs_info');
    expect(statusOfExpected([exp('p', 'a', 1, 'high')], kind)).toBe('blocked');
  });
});
