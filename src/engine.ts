import type { Agent } from './agents/types.js';
import type { ChangeSet } from './changeset/types.js';
import type { AgentReport, Finding, Report } from './report/types.js';
import { route } from './router/route.js';
import { runAgentRules } from './checks/run.js';
import { RULES } from './checks/registry.js';
import { checklistVerdicts, dedupe, statusOf, worst } from './verdict/verdict.js';

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 } as const;
const SCOPES: ReadonlyMap<string, string> = new Map([...RULES.values()].map((r) => [r.id, r.scope]));

function byImportance(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    a.file.localeCompare(b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}

/**
 * The review of a change by the given agents, offline: route, check, judge. Pure: the change and the
 * agents in, a Report out. `notices` from earlier stages (agent files that failed to load, listing
 * caps) are carried into the report.
 */
export function review(changeSet: ChangeSet, agents: readonly Agent[], notices: readonly string[] = []): Report {
  const routing = route(changeSet, agents);
  const agentReports: AgentReport[] = [];
  const findings: Finding[] = [];
  const problems: string[] = [];
  for (const assignment of routing.assignments) {
    const { runs, problems: ruleProblems } = runAgentRules(assignment.agent, assignment.files, changeSet);
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
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 },
    notices: [...notices, ...problems],
  };
}
