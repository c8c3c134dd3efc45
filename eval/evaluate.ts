/**
 * The evaluation's arithmetic: matching actual findings to expected ones, and the figures (routing
 * accuracy, precision and recall overall and by severity, quiet-PR accuracy) with the per-PR misses.
 * Pure: plain data in, plain data (or text) out. Loading fixtures and running the engine live in
 * eval/harness.ts.
 *
 * Conventions:
 * - An actual finding matches an expected one when rule and file are equal and the lines are within
 *   ±1; an expected finding without a line (a removed route, a question about a whole new service)
 *   matches any actual finding of that rule on that file. Matching is one-to-one and finds as many
 *   pairs as possible: a second finding for the same expected one is a false positive.
 * - A ratio whose denominator is zero (no finding was expected, or none was reported) is 1: there
 *   is nothing to miss and nothing wrong. The counts are kept next to each ratio.
 * - Recall by severity buckets by the expected finding's severity; precision by severity by the
 *   actual finding's severity.
 */
import type { Status } from '../src/agents/types.js';
import type { Severity } from '../src/report/types.js';

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export interface ExpectedFinding {
  rule: string;
  file: string;
  /** Head-side line of the offending added line; absent for a file-level finding. */
  line?: number;
  severity: Severity;
}

export interface ActualFinding {
  rule: string;
  file: string;
  line?: number;
  severity: Severity;
  kind: 'problem' | 'question';
  title?: string;
}

/** What the engine did with one fixture, next to what was expected of it. */
export interface PrOutcome {
  slug: string;
  expectedAgents: readonly string[];
  actualAgents: readonly string[];
  expected: readonly ExpectedFinding[];
  actual: readonly ActualFinding[];
  expectedStatus: Status;
  actualStatus: Status;
}

export interface MatchedPair {
  expected: ExpectedFinding;
  actual: ActualFinding;
}

export interface PrScore {
  slug: string;
  routingOk: boolean;
  expectedAgents: string[];
  actualAgents: string[];
  matched: MatchedPair[];
  falseNegatives: ExpectedFinding[];
  falsePositives: ActualFinding[];
  /** No finding is expected of this PR. */
  quiet: boolean;
  /** For a quiet PR: no actual finding of medium or high severity. */
  quietOk: boolean;
  statusOk: boolean;
  expectedStatus: Status;
  actualStatus: Status;
}

export interface Ratio {
  value: number;
  /** Numerator and denominator: matched / expected for recall, matched / reported for precision. */
  hits: number;
  total: number;
}

export interface AgentRouting {
  precision: Ratio;
  recall: Ratio;
}

export interface RuleFigures {
  expected: number;
  found: number;
  reported: number;
  correct: number;
}

export interface Metrics {
  prs: number;
  routingAccuracy: Ratio;
  routingByAgent: Record<string, AgentRouting>;
  precision: Ratio;
  recall: Ratio;
  precisionBySeverity: Record<Severity, Ratio>;
  recallBySeverity: Record<Severity, Ratio>;
  quietAccuracy: Ratio;
  statusAccuracy: Ratio;
  byRule: Record<string, RuleFigures>;
}

/** The recorded floor: every figure the floor test guards. */
export interface Baseline {
  routingAccuracy: number;
  precision: number;
  recall: number;
  precisionBySeverity: Record<Severity, number>;
  recallBySeverity: Record<Severity, number>;
  quietAccuracy: number;
}

export function ratio(hits: number, total: number): Ratio {
  return { value: total === 0 ? 1 : hits / total, hits, total };
}

function sameTarget(e: ExpectedFinding, a: ActualFinding): boolean {
  return e.rule === a.rule && e.file === a.file;
}

/**
 * Pairs actual findings with expected ones, one-to-one, as many pairs as possible (a maximum
 * bipartite matching): each expected finding prefers the closest line, and the expected findings
 * with a line are served before the line-less ones, so a loose expectation never takes a finding a
 * precise one needs.
 */
export function matchFindings(
  expected: readonly ExpectedFinding[],
  actual: readonly ActualFinding[],
): { matched: MatchedPair[]; falseNegatives: ExpectedFinding[]; falsePositives: ActualFinding[] } {
  const distance = (e: ExpectedFinding, a: ActualFinding): number =>
    e.line === undefined ? 0 : a.line === undefined ? Infinity : Math.abs(a.line - e.line);
  const candidates = expected.map((e) =>
    actual
      .map((a, j) => ({ j, d: distance(e, a) }))
      .filter(({ j, d }) => sameTarget(e, actual[j] as ActualFinding) && d <= 1)
      .sort((x, y) => x.d - y.d || x.j - y.j)
      .map(({ j }) => j),
  );
  const owner: number[] = actual.map(() => -1);
  const assign = (i: number, seen: Set<number>): boolean => {
    for (const j of candidates[i] ?? []) {
      if (seen.has(j)) continue;
      seen.add(j);
      const current = owner[j] ?? -1;
      if (current < 0 || assign(current, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  const order = expected.map((_, i) => i).sort((x, y) => Number(expected[x]?.line === undefined) - Number(expected[y]?.line === undefined) || x - y);
  for (const i of order) assign(i, new Set());

  const matchedExpected = new Set(owner.filter((i) => i >= 0));
  const matched: MatchedPair[] = [];
  owner.forEach((i, j) => {
    if (i >= 0) matched.push({ expected: expected[i] as ExpectedFinding, actual: actual[j] as ActualFinding });
  });
  return {
    matched,
    falseNegatives: expected.filter((_, i) => !matchedExpected.has(i)),
    falsePositives: actual.filter((_, j) => (owner[j] ?? -1) < 0),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** The status the agents' output contract gives these findings (the engine's `statusOf`, on expectations). */
export function statusOfExpected(findings: readonly ExpectedFinding[], kindOf: (rule: string) => 'problem' | 'question'): Status {
  if (findings.some((f) => f.severity === 'high' && kindOf(f.rule) === 'problem')) return 'blocked';
  if (findings.some((f) => kindOf(f.rule) === 'question' || f.severity !== 'low')) return 'needs_info';
  return 'ok';
}

export function scorePr(outcome: PrOutcome): PrScore {
  const { matched, falseNegatives, falsePositives } = matchFindings(outcome.expected, outcome.actual);
  const quiet = outcome.expected.length === 0;
  return {
    slug: outcome.slug,
    routingOk: sameSet(outcome.expectedAgents, outcome.actualAgents),
    expectedAgents: [...outcome.expectedAgents].sort(),
    actualAgents: [...outcome.actualAgents].sort(),
    matched,
    falseNegatives,
    falsePositives,
    quiet,
    quietOk: quiet && !outcome.actual.some((f) => f.severity !== 'low'),
    statusOk: outcome.expectedStatus === outcome.actualStatus,
    expectedStatus: outcome.expectedStatus,
    actualStatus: outcome.actualStatus,
  };
}

function bySeverity(pick: (s: Severity) => Ratio): Record<Severity, Ratio> {
  return { high: pick('high'), medium: pick('medium'), low: pick('low') };
}

export function computeMetrics(scores: readonly PrScore[]): Metrics {
  const matched = scores.flatMap((s) => s.matched);
  const misses = scores.flatMap((s) => s.falseNegatives);
  const extras = scores.flatMap((s) => s.falsePositives);
  const expectedAll = [...matched.map((m) => m.expected), ...misses];
  const actualAll = [...matched.map((m) => m.actual), ...extras];

  const agents = [...new Set(scores.flatMap((s) => [...s.expectedAgents, ...s.actualAgents]))].sort();
  const routingByAgent: Record<string, AgentRouting> = {};
  for (const agent of agents) {
    const picked = scores.filter((s) => s.actualAgents.includes(agent));
    const wanted = scores.filter((s) => s.expectedAgents.includes(agent));
    const both = picked.filter((s) => s.expectedAgents.includes(agent)).length;
    routingByAgent[agent] = { precision: ratio(both, picked.length), recall: ratio(both, wanted.length) };
  }

  const byRule: Record<string, RuleFigures> = {};
  const figures = (rule: string): RuleFigures => (byRule[rule] ??= { expected: 0, found: 0, reported: 0, correct: 0 });
  for (const e of expectedAll) figures(e.rule).expected++;
  for (const m of matched) {
    figures(m.expected.rule).found++;
    figures(m.actual.rule).correct++;
  }
  for (const a of actualAll) figures(a.rule).reported++;

  const quiet = scores.filter((s) => s.quiet);
  return {
    prs: scores.length,
    routingAccuracy: ratio(scores.filter((s) => s.routingOk).length, scores.length),
    routingByAgent,
    precision: ratio(matched.length, actualAll.length),
    recall: ratio(matched.length, expectedAll.length),
    precisionBySeverity: bySeverity((sev) =>
      ratio(matched.filter((m) => m.actual.severity === sev).length, actualAll.filter((a) => a.severity === sev).length),
    ),
    recallBySeverity: bySeverity((sev) =>
      ratio(matched.filter((m) => m.expected.severity === sev).length, expectedAll.filter((e) => e.severity === sev).length),
    ),
    quietAccuracy: ratio(quiet.filter((s) => s.quietOk).length, quiet.length),
    statusAccuracy: ratio(scores.filter((s) => s.statusOk).length, scores.length),
    byRule,
  };
}

/** Rounds down to `digits` decimals, so a floor recorded from a run never sits above that run's figure. */
export function floorTo(value: number, digits = 3): number {
  const scale = 10 ** digits;
  // The epsilon keeps 0.29 * 1000 = 289.99999999999994 from rounding down to 0.289.
  return Math.floor(value * scale + 1e-9) / scale;
}

export function baselineOf(metrics: Metrics): Baseline {
  return {
    routingAccuracy: floorTo(metrics.routingAccuracy.value),
    precision: floorTo(metrics.precision.value),
    recall: floorTo(metrics.recall.value),
    precisionBySeverity: bySeverityNumber((s) => floorTo(metrics.precisionBySeverity[s].value)),
    recallBySeverity: bySeverityNumber((s) => floorTo(metrics.recallBySeverity[s].value)),
    quietAccuracy: floorTo(metrics.quietAccuracy.value),
  };
}

function bySeverityNumber(pick: (s: Severity) => number): Record<Severity, number> {
  return { high: pick('high'), medium: pick('medium'), low: pick('low') };
}

/** Every guarded figure, by the name the floor test and the messages use: `recallBySeverity.high`. */
export function figuresOf(metrics: Metrics): Record<string, number> {
  const out: Record<string, number> = {
    routingAccuracy: metrics.routingAccuracy.value,
    precision: metrics.precision.value,
    recall: metrics.recall.value,
    quietAccuracy: metrics.quietAccuracy.value,
  };
  for (const s of SEVERITIES) {
    out[`precisionBySeverity.${s}`] = metrics.precisionBySeverity[s].value;
    out[`recallBySeverity.${s}`] = metrics.recallBySeverity[s].value;
  }
  return out;
}

export function baselineFigures(baseline: Baseline): Record<string, number> {
  const out: Record<string, number> = {
    routingAccuracy: baseline.routingAccuracy,
    precision: baseline.precision,
    recall: baseline.recall,
    quietAccuracy: baseline.quietAccuracy,
  };
  for (const s of SEVERITIES) {
    out[`precisionBySeverity.${s}`] = baseline.precisionBySeverity[s];
    out[`recallBySeverity.${s}`] = baseline.recallBySeverity[s];
  }
  return out;
}

export interface FloorCheck {
  figure: string;
  actual: number;
  floor: number;
  ok: boolean;
}

/** Each guarded figure against its floor; `ok` is false when it dropped more than `tolerance` below it. */
export function checkFloor(metrics: Metrics, baseline: Baseline, tolerance = 1e-4): FloorCheck[] {
  const actual = figuresOf(metrics);
  return Object.entries(baselineFigures(baseline)).map(([figure, floor]) => {
    const value = actual[figure] ?? 0;
    return { figure, actual: value, floor, ok: value >= floor - tolerance };
  });
}

// ---------------------------------------------------------------------------------------------
// Text output

function pct(r: Ratio): string {
  return `${(r.value * 100).toFixed(1).padStart(5)}%  (${r.hits}/${r.total})`;
}

function where(f: { file: string; line?: number }): string {
  return f.line === undefined ? f.file : `${f.file}:${f.line}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function formatSummary(metrics: Metrics, baseline?: Baseline): string {
  const floors = baseline ? baselineFigures(baseline) : {};
  const row = (name: string, key: string, r: Ratio): string[] => {
    const floor = floors[key];
    const mark = floor === undefined ? '' : r.value < floor - 1e-4 ? `BELOW floor ${floor.toFixed(3)}` : `floor ${floor.toFixed(3)}`;
    return [name, pct(r), mark];
  };
  const rows: string[][] = [
    ['figure', 'value', 'recorded floor'],
    row('routing accuracy', 'routingAccuracy', metrics.routingAccuracy),
    row('precision', 'precision', metrics.precision),
    row('recall', 'recall', metrics.recall),
    ...SEVERITIES.map((s) => row(`precision (${s})`, `precisionBySeverity.${s}`, metrics.precisionBySeverity[s])),
    ...SEVERITIES.map((s) => row(`recall (${s})`, `recallBySeverity.${s}`, metrics.recallBySeverity[s])),
    row('quiet-PR accuracy', 'quietAccuracy', metrics.quietAccuracy),
    ['status accuracy (info)', pct(metrics.statusAccuracy), ''],
  ];
  const agents: string[][] = [
    ['agent', 'routing precision', 'routing recall'],
    ...Object.entries(metrics.routingByAgent).map(([name, r]) => [name, pct(r.precision), pct(r.recall)]),
  ];
  const rules: string[][] = [
    ['rule', 'expected', 'found', 'reported', 'correct'],
    ...Object.entries(metrics.byRule)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([rule, f]) => [rule, String(f.expected), String(f.found), String(f.reported), String(f.correct)]),
  ];
  return [
    `Architect Review evaluation: ${metrics.prs} pull requests`,
    '',
    table(rows),
    '',
    table(agents),
    '',
    table(rules),
  ].join('\n');
}

export function formatMisses(scores: readonly PrScore[]): string {
  const lines: string[] = [];
  for (const s of scores) {
    const problems: string[] = [];
    if (!s.routingOk) {
      problems.push(`  routing: expected [${s.expectedAgents.join(', ')}], picked [${s.actualAgents.join(', ')}]`);
    }
    for (const e of s.falseNegatives) problems.push(`  missed     ${e.rule} (${e.severity}) at ${where(e)}`);
    for (const a of s.falsePositives) {
      const title = a.title ? `: ${a.title}` : '';
      problems.push(`  unexpected ${a.rule} (${a.severity}) at ${where(a)}${title}`);
    }
    for (const m of s.matched) {
      if (m.expected.severity !== m.actual.severity) {
        problems.push(`  severity   ${m.expected.rule} at ${where(m.actual)}: expected ${m.expected.severity}, reported ${m.actual.severity}`);
      }
    }
    if (!s.statusOk) problems.push(`  status: expected ${s.expectedStatus}, got ${s.actualStatus}`);
    if (problems.length > 0) lines.push(`${s.slug}${s.quiet ? ' (quiet PR)' : ''}`, ...problems);
  }
  return lines.length === 0 ? 'No misses: every PR routed and judged as expected.' : ['Per-PR misses:', ...lines].join('\n');
}
