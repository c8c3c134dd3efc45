/**
 * The I/O side of the evaluation: reads the fixtures in test/fixtures/prs/, runs the engine on each
 * exactly as the CLI does on a unified diff (parseUnifiedDiff → ChangeSet → review with the bundled
 * agents), and reads and writes the recorded floor. The arithmetic is in eval/evaluate.ts.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Agent } from '../src/agents/types.js';
import { assembleCatalog } from '../src/catalog.js';
import { parseUnifiedDiff } from '../src/changeset/diff.js';
import type { ChangeSet } from '../src/changeset/types.js';
import { RULES } from '../src/checks/registry.js';
import { review } from '../src/engine.js';
import type { Report } from '../src/report/types.js';
import { PLANNED } from './catalogue.js';
import {
  baselineOf,
  computeMetrics,
  scorePr,
  statusOfExpected,
  type ActualFinding,
  type Baseline,
  type Metrics,
  type PrOutcome,
  type PrScore,
} from './evaluate.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = path.join(ROOT, 'test', 'fixtures', 'prs');
export const BASELINE_PATH = path.join(ROOT, 'eval', 'baseline.json');
export const RESULTS_PATH = path.join(ROOT, 'eval', 'last-results.json');

const SeveritySchema = z.enum(['high', 'medium', 'low']);

export const PrJsonSchema = z
  .object({
    title: z.string().min(1),
    body: z.string(),
    expected: z
      .object({
        agents: z.array(z.string().min(1)),
        findings: z.array(
          z
            .object({
              rule: z.string().min(1),
              file: z.string().min(1),
              line: z.number().int().positive().optional(),
              severity: SeveritySchema,
            })
            .strict(),
        ),
      })
      .strict(),
    why: z.string().min(1),
  })
  .strict();
export type PrJson = z.infer<typeof PrJsonSchema>;

export interface Fixture extends PrJson {
  slug: string;
  diff: string;
}

const BaselineSchema = z
  .object({
    routingAccuracy: z.number(),
    precision: z.number(),
    recall: z.number(),
    precisionBySeverity: z.object({ high: z.number(), medium: z.number(), low: z.number() }).strict(),
    recallBySeverity: z.object({ high: z.number(), medium: z.number(), low: z.number() }).strict(),
    quietAccuracy: z.number(),
  })
  .strict();

/** Every fixture folder (`NN-slug/` with pr.diff and pr.json), in name order. */
export function loadFixtures(dir: string = FIXTURES_DIR): Fixture[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((slug) => {
      const folder = path.join(dir, slug);
      const parsed = PrJsonSchema.safeParse(JSON.parse(readFileSync(path.join(folder, 'pr.json'), 'utf8')));
      if (!parsed.success) throw new Error(`${slug}/pr.json: ${parsed.error.message}`);
      return { slug, ...parsed.data, diff: readFileSync(path.join(folder, 'pr.diff'), 'utf8') };
    });
}

/** The ChangeSet the CLI would build from this fixture's diff, title and body. */
export function changeSetOf(fixture: Fixture): ChangeSet {
  const { files, skipped } = parseUnifiedDiff(fixture.diff);
  return { pr: { title: fixture.title, body: fixture.body, labels: [], fork: false }, files, skipped };
}

const kindOf = (rule: string): 'problem' | 'question' => PLANNED.get(rule)?.kind ?? 'problem';

export function outcomeOf(fixture: Fixture, report: Report): PrOutcome {
  return {
    slug: fixture.slug,
    expectedAgents: fixture.expected.agents,
    actualAgents: report.agents.map((a) => a.name),
    expected: fixture.expected.findings,
    actual: report.findings.map(
      (f): ActualFinding => ({
        rule: f.rule,
        file: f.file,
        ...(f.line === undefined ? {} : { line: f.line }),
        severity: f.severity,
        kind: f.kind,
        title: f.title,
      }),
    ),
    expectedStatus: statusOfExpected(fixture.expected.findings, kindOf),
    actualStatus: report.status,
  };
}

export interface Evaluation {
  fixtures: Fixture[];
  outcomes: PrOutcome[];
  scores: PrScore[];
  metrics: Metrics;
  /** Catalogue problems and engine notices worth showing (an unknown rule id, a rule that threw). */
  notices: string[];
  millis: number;
}

export interface EvaluationOptions {
  /**
   * Attach every built-in rule to the agent that owns it in eval/catalogue.ts, even when the agent's
   * `review.rules` does not list it yet: a preview for rule authors (`EVAL_ALL_RULES=1 npm run eval`).
   * The floor is always measured with the agents as shipped.
   */
  attachAllRules?: boolean;
}

/** The agents with every built-in rule their catalogue entry gives them attached. */
function withAllRules(agents: readonly Agent[]): Agent[] {
  return agents.map((agent) => {
    const extra = [...RULES.keys()].filter((id) => PLANNED.get(id)?.agent === agent.name && !(id in agent.review.rules));
    if (extra.length === 0) return agent;
    const rules = { ...agent.review.rules, ...Object.fromEntries(extra.map((id) => [id, 'eval-preview'])) };
    return { ...agent, review: { ...agent.review, rules } };
  });
}

/** Runs the engine over every fixture with the bundled agents and scores the result. */
export async function runEvaluation(fixtures: Fixture[] = loadFixtures(), options: EvaluationOptions = {}): Promise<Evaluation> {
  const started = performance.now();
  const catalog = await assembleCatalog([], true);
  const agents = options.attachAllRules ? withAllRules(catalog.agents) : catalog.agents;
  const attached = new Set(agents.flatMap((a) => Object.keys(a.review.rules)));
  const notices = [...catalog.problems, ...catalogueNotices(attached)];
  if (options.attachAllRules) notices.unshift('preview: every built-in rule is attached to its agent (EVAL_ALL_RULES); the floor is not compared or recorded');
  const outcomes: PrOutcome[] = [];
  for (const fixture of fixtures) {
    const report = review(changeSetOf(fixture), agents);
    notices.push(...report.notices.map((n) => `${fixture.slug}: ${n}`));
    outcomes.push(outcomeOf(fixture, report));
  }
  const scores = outcomes.map(scorePr);
  return { fixtures, outcomes, scores, metrics: computeMetrics(scores), notices, millis: performance.now() - started };
}

/** Where the built-in rules and the planned catalogue disagree, and which planned rules do not run yet. */
export function catalogueNotices(attached: ReadonlySet<string>): string[] {
  const notices: string[] = [];
  for (const rule of RULES.values()) {
    const planned = PLANNED.get(rule.id);
    if (!planned) notices.push(`rule ${rule.id} is not in eval/catalogue.ts: no fixture can expect it`);
    else if (planned.severity !== rule.severity || planned.kind !== rule.kind) {
      notices.push(`rule ${rule.id} is ${rule.severity}/${rule.kind} in src/checks, ${planned.severity}/${planned.kind} in eval/catalogue.ts`);
    }
    if (!attached.has(rule.id)) notices.push(`rule ${rule.id} is built in but no agent's review.rules attaches it, so it never runs`);
  }
  const missing = [...PLANNED.keys()].filter((id) => !RULES.has(id));
  if (missing.length > 0) notices.push(`${missing.length} planned rules are not built in yet: ${missing.join(', ')}`);
  return notices;
}

export function readBaseline(file: string = BASELINE_PATH): Baseline | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = BaselineSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${path.relative(ROOT, file)}: ${parsed.error.message}`);
  return parsed.data;
}

export function writeBaseline(metrics: Metrics, file: string = BASELINE_PATH): Baseline {
  const baseline = baselineOf(metrics);
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}

export function writeResults(evaluation: Evaluation, file: string = RESULTS_PATH): void {
  const results = {
    generatedAt: new Date().toISOString(),
    millis: Math.round(evaluation.millis),
    metrics: evaluation.metrics,
    notices: evaluation.notices,
    prs: evaluation.scores.map((s) => ({
      slug: s.slug,
      routing: { ok: s.routingOk, expected: s.expectedAgents, actual: s.actualAgents },
      status: { ok: s.statusOk, expected: s.expectedStatus, actual: s.actualStatus },
      quiet: s.quiet,
      matched: s.matched,
      falseNegatives: s.falseNegatives,
      falsePositives: s.falsePositives,
    })),
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
