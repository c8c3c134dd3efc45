import type { Agent } from './agents/types.js';
import type { ChangeSet, ChangedFile, Hunk } from './changeset/types.js';
import { kindOf } from './changeset/kind.js';
import { SEVERITY_RANK, type AgentReport, type Finding, type Report, type Severity } from './report/types.js';
import { route, type Routing } from './router/route.js';
import { ignoreReformatting } from './changeset/formatting.js';
import { runAgentRules, sameHunks, type Precomputed } from './checks/run.js';
import type { Rule, RuleHit } from './checks/types.js';
import { RULES } from './checks/registry.js';
import { compareText } from './compare.js';
import { checklistVerdicts, dedupe, statusOf, worst } from './verdict/verdict.js';

const SCOPES: ReadonlyMap<string, string> = new Map([...RULES.values()].map((r) => [r.id, r.scope]));

/** The order findings are shown in: severity, then file, line and rule. */
export function byImportance(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareText(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareText(a.rule, b.rule)
  );
}

/** At most this many files are read whole for one review: reading is I/O, and an API call each on GitHub. */
export const CONTENT_FILE_CAP = 40;

/**
 * The files whose whole head-side content some rule would judge better with (`Rule.wantsContent`),
 * among the files the routing gives an agent that runs that rule, at most CONTENT_FILE_CAP. Deleted
 * files have no head content.
 */
export function contentWanted(routing: Routing): string[] {
  const wanted = new Set<string>();
  for (const { agent, files } of routing.assignments) {
    const rules = Object.keys(agent.review.rules).map((id) => RULES.get(id)).filter((r) => r?.wantsContent !== undefined);
    for (const file of files) {
      // The first CONTENT_FILE_CAP in this order are the answer: asking the rules about more files changes nothing.
      if (wanted.size >= CONTENT_FILE_CAP) return [...wanted];
      if (file.status === 'removed' || file.content !== undefined || wanted.has(file.path)) continue;
      if (rules.some((rule) => rule?.appliesTo(file) && rule.wantsContent?.(file))) wanted.add(file.path);
    }
  }
  return [...wanted];
}

/** The change with each file's head-side content attached where `contents` has it. */
export function withContent(changeSet: ChangeSet, contents: ReadonlyMap<string, string>): ChangeSet {
  if (contents.size === 0) return changeSet;
  return {
    ...changeSet,
    files: changeSet.files.map((f) => {
      const content = contents.get(f.path);
      return content === undefined ? f : { ...f, content };
    }),
  };
}

export interface ReviewSettings {
  /** Rule id → the severity its findings get instead of the rule's own (from the configuration file). */
  severity?: ReadonlyMap<string, Severity>;
  /** A routing of the same change and agents made earlier (see planReview): it is not made again. */
  routing?: Routing;
  /**
   * What the rules that judge a file alone say of each file (whether they apply, and their hits),
   * worked out while the configuration, agents and head files were read (checkEarly, checkAhead).
   */
  precomputed?: Precomputed;
}

/** A routing made ahead (checkEarly) for the agents it expected, on the change as the review sees it. */
export interface Forecast {
  change: ChangeSet;
  agents: readonly Agent[];
  routing: Routing;
}

/** Everything of an agent that route() reads: two agents alike in this route every change alike. */
function routingKey(agent: Agent): string {
  const { paths, exclude, imports, content } = agent.review;
  return JSON.stringify([agent.name, paths, exclude, imports, content, agent.triggers]);
}

/**
 * The forecast's routing, pointed at these agents, when it is the routing route() would make: the
 * same files (the very objects) and PR text, and agents that route alike in the same order (the
 * configuration may have changed their rules: routing does not read them). Otherwise undefined.
 */
function adopt(forecast: Forecast | undefined, change: ChangeSet, agents: readonly Agent[]): Routing | undefined {
  if (!forecast) return undefined;
  const before = forecast.change;
  const sameChange =
    before.pr.title === change.pr.title &&
    before.pr.body === change.pr.body &&
    before.files.length === change.files.length &&
    before.files.every((file, i) => file === change.files[i]);
  const expected = forecast.agents;
  if (!sameChange || expected.length !== agents.length || agents.some((agent, i) => !expected[i] || routingKey(agent) !== routingKey(expected[i]))) return undefined;
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  return { ...forecast.routing, assignments: forecast.routing.assignments.map((a) => ({ ...a, agent: byName.get(a.agent.name) ?? a.agent })) };
}

/**
 * Routing and the files to read whole, worked out once before the I/O that reads them. A routing
 * made ahead for agents that route alike (checkEarly's forecast) is taken instead of routing again.
 */
export function planReview(changeSet: ChangeSet, agents: readonly Agent[], forecast?: Forecast): { routing: Routing; wanted: string[] } {
  const change = ignoreReformatting(changeSet);
  const routing = adopt(forecast, change, agents) ?? route(change, agents);
  return { routing, wanted: contentWanted(routing) };
}

/** How long the work ahead (checkEarly, checkAhead) goes on before it lets the event loop run (the reads it waits beside). */
const AHEAD_SLICE_MS = 1;

/** The rules that judge a file alone (no `readsWholeChange`): the ones worked out ahead. */
const ALONE: readonly Rule[] = [...RULES.values()].filter((rule) => !rule.readsWholeChange);

/** Precomputed while it is being filled in. */
export type Worked = Map<string, Working>;

/** A file's record (WorkedOut) while it is being filled in. */
interface Working {
  hunks: readonly Hunk[];
  rules: Map<string, readonly RuleHit[] | null>;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The record of what is worked out on `file` as it is now: a record for other hunks is replaced (it stood for nothing). */
function recordOf(into: Worked, file: ChangedFile): Working {
  let record = into.get(file.path);
  if (!record || !sameHunks(record.hunks, file.hunks)) into.set(file.path, (record = { hunks: file.hunks, rules: new Map() }));
  return record;
}

/**
 * Works out `rule` on `file` into its record, unless done already. A rule that throws is left for
 * the review, which runs it again and reports the failure, naming the agent.
 */
function workOut(record: Working, rule: Rule, file: ChangedFile, changeSet: ChangeSet): void {
  if (record.rules.has(rule.id)) return;
  try {
    record.rules.set(rule.id, rule.appliesTo(file) ? rule.check(file, changeSet) : null);
  } catch {
    // Not recorded: see above.
  }
}

/**
 * Works out each job's rules on its file into `into`, letting the event loop run every AHEAD_SLICE_MS
 * (the reads this work waits beside go out and come back meanwhile), and ending at a pause once
 * `stopped` says so.
 */
async function workOutAll(
  into: Worked,
  jobs: readonly (readonly [ChangedFile, readonly Rule[]])[],
  changeSet: ChangeSet,
  stopped: () => boolean = () => false,
): Promise<void> {
  let sliceStart = performance.now();
  for (const [file, rules] of jobs) {
    if (stopped()) return;
    const record = recordOf(into, file);
    for (const rule of rules) workOut(record, rule, file, changeSet);
    // The clock is read once a file, not once a rule (tens of thousands of calls on a large change): a file's rules take about a slice or less.
    if (performance.now() - sliceStart > AHEAD_SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
}

/**
 * Work ahead that runs beside I/O: `stop` ends it at its next pause, `finished` lets it run to the
 * end; both give what it worked out, `peek` what it has so far. `forecast` is the routing it made
 * for the agents it was told to expect, once made.
 */
export interface EarlyChecks {
  stop(): Promise<Worked>;
  finished(): Promise<Worked>;
  peek(): Precomputed;
  forecast(): Forecast | undefined;
}

/** Each routed file with the rules its agents run that judge a file alone, but for the files `skip` says. */
function aloneJobs(routing: Routing, skip: (file: ChangedFile) => boolean): (readonly [ChangedFile, readonly Rule[]])[] {
  const jobs: (readonly [ChangedFile, readonly Rule[]])[] = [];
  for (const { agent, files } of routing.assignments) {
    const rules = Object.keys(agent.review.rules).flatMap((id) => {
      const rule = RULES.get(id);
      return rule && !rule.readsWholeChange ? [rule] : [];
    });
    if (rules.length === 0) continue;
    for (const file of files) if (!skip(file)) jobs.push([file, rules]);
  }
  return jobs;
}

/**
 * Starts working out the built-in rules that judge a file alone (no `readsWholeChange`) before the
 * configuration and agents are read: the reads that follow (the configuration, the agents, and the
 * previous review if it is still on its way) leave the process waiting, and this fills the wait.
 *
 * Given the agents the review will most likely have (`expected`: the bundled ones, which a repository
 * rarely changes), it routes the change for them first and works out only what that routing asks,
 * each routed file with its agents' rules, and planReview takes the routing if the agents turn out
 * to route alike. Without them (or should they fail to load), every such rule on every source file.
 *
 * Nothing here depends on the reads: a rule's hits on a file are the same whichever agent runs it, a
 * rule turned off is simply never asked for its hits, and hits worked out on hunks that the review
 * later sees otherwise (reformatting set aside, the whole file read) stand for nothing (workedOut).
 * It yields to the event loop every few milliseconds, so a read's answer waits at most that long.
 */
export function checkEarly(changeSet: ChangeSet, expected?: Promise<readonly Agent[]>): EarlyChecks {
  const hits: Worked = new Map();
  let stopped = false;
  let forecast: Forecast | undefined;
  // Caught at once: a failure to load them only means working without a forecast, never an unhandled rejection.
  const expecting = expected?.catch(() => undefined);
  const work = async (): Promise<void> => {
    await yieldToLoop(); // the caller's next read goes out first
    const agents = await expecting;
    if (agents && agents.length > 0 && !stopped) {
      const change = ignoreReformatting(changeSet);
      forecast = { change, agents, routing: route(change, agents) };
      await workOutAll(hits, aloneJobs(forecast.routing, (file) => file.content !== undefined), change, () => stopped);
      return;
    }
    const sources = changeSet.files.filter((file) => kindOf(file.path) === 'source' && file.content === undefined);
    await workOutAll(hits, sources.map((file) => [file, ALONE] as const), changeSet, () => stopped);
  };
  // Nothing in the loop throws (workOut catches); should it, the review runs every rule itself.
  const done = work().catch(() => undefined);
  return {
    stop: async () => {
      stopped = true;
      await done;
      return hits;
    },
    finished: async () => {
      await done;
      return hits;
    },
    peek: () => hits,
    forecast: () => forecast,
  };
}

/**
 * While the head files of `reading` are on their way, the hits of every rule that judges a file from
 * that file alone (no `readsWholeChange`), on the routed files not being read: those files look the
 * same to the rule now as in the review, which takes the hits instead of running the rule again. It
 * adds to `into` (what checkEarly worked out: kept where it still stands, not worked out again) and returns it. The work
 * yields to the event loop every few milliseconds so the reads go out and come in meanwhile.
 */
export async function checkAhead(change: ChangeSet, routing: Routing, reading: ReadonlySet<string>, into: Worked = new Map()): Promise<Precomputed> {
  // The routing's files are the change with reformatting set aside (planReview): the hunks the review sees.
  await workOutAll(into, aloneJobs(routing, (file) => reading.has(file.path) || file.content !== undefined), change);
  return into;
}

/** An earlier routing, pointed at this change's file objects (they gain content after routing). */
function rebind(routing: Routing, changeSet: ChangeSet): Routing {
  const byPath = new Map(changeSet.files.map((f) => [f.path, f]));
  return { ...routing, assignments: routing.assignments.map((a) => ({ ...a, files: a.files.map((f) => byPath.get(f.path) ?? f) })) };
}

/**
 * The review of a change by the given agents, offline: route, check, judge. Pure: the change and the
 * agents in, a Report out. `notices` from earlier stages (agent files that failed to load, listing
 * caps) are carried into the report.
 */
export function review(change: ChangeSet, agents: readonly Agent[], notices: readonly string[] = [], settings: ReviewSettings = {}): Report {
  const changeSet = ignoreReformatting(change);
  const routing = settings.routing ? rebind(settings.routing, changeSet) : route(changeSet, agents);
  const agentReports: AgentReport[] = [];
  const findings: Finding[] = [];
  const problems: string[] = [];
  for (const assignment of routing.assignments) {
    const { runs, problems: ruleProblems } = runAgentRules(assignment.agent, assignment.files, changeSet, settings.severity, settings.precomputed);
    problems.push(...ruleProblems);
    const own = runs.flatMap((r) => r.findings);
    findings.push(...own);
    agentReports.push({
      name: assignment.agent.name,
      description: assignment.agent.description,
      status: statusOf(own),
      files: assignment.files.map((f) => f.path),
      reasons: assignment.reasons,
      checklist: checklistVerdicts(assignment.agent, runs, SCOPES),
    });
  }
  const reviewed = new Set(routing.assignments.flatMap((a) => a.files.map((f) => f.path)));
  return {
    schemaVersion: 1,
    status: worst(agentReports.map((a) => a.status)),
    pr: {
      title: changeSet.pr.title,
      ...(changeSet.pr.number === undefined ? {} : { number: changeSet.pr.number }),
      ...(changeSet.pr.headSha === undefined ? {} : { headSha: changeSet.pr.headSha }),
      ...(changeSet.pr.baseSha === undefined ? {} : { baseSha: changeSet.pr.baseSha }),
    },
    agents: agentReports,
    findings: dedupe(findings).sort(byImportance),
    coverage: {
      reviewed: changeSet.files.map((f) => f.path).filter((p) => reviewed.has(p)),
      skipped: [
        ...changeSet.skipped.map((s) => ({ file: s.path, reason: s.reason })),
        ...routing.unrouted.map((u) => ({ file: u.path, reason: u.reason })),
      ],
    },
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, estimatedCostUsd: 0 },
    notices: [...notices, ...problems],
  };
}
