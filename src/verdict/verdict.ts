import type { Agent, Status } from '../agents/types.js';
import type { ChecklistResult, Finding } from '../report/types.js';
import type { RuleRun } from '../checks/run.js';

const RANK: Record<Status, number> = { ok: 0, needs_info: 1, blocked: 2 };

export function worst(statuses: readonly Status[]): Status {
  return statuses.reduce<Status>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/**
 * The output contract: `blocked` when a high-severity problem is found; `needs_info` when a
 * medium-severity problem needs the author's attention or a question needs the author's answer;
 * `ok` otherwise (low-severity notes only).
 */
export function statusOf(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.kind === 'problem' && f.severity === 'high')) return 'blocked';
  if (findings.some((f) => f.kind === 'question' || f.severity !== 'low')) return 'needs_info';
  return 'ok';
}

/** Where a finding points, as `file:line` or the file alone: the same text in the report, the checklist evidence and the prompt. */
export function where(f: Pick<Finding, 'file' | 'line'>): string {
  return f.line === undefined ? f.file : `${f.file}:${f.line}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A verdict for every checklist item of the agent, with the evidence behind it. */
export function checklistVerdicts(agent: Agent, runs: readonly RuleRun[], scopes: ReadonlyMap<string, string>): ChecklistResult[] {
  return agent.checklist.map((item) => {
    const mine = runs.filter((r) => r.checklistItems.includes(item.id));
    const base = { id: item.id, title: item.title, checkedBy: mine.map((r) => r.rule) };
    if (mine.length === 0) {
      return { ...base, verdict: 'not_applicable', evidence: 'No built-in rule covers this item yet.' };
    }
    const findings = mine.flatMap((r) => r.findings);
    if (findings.length > 0) {
      const problems = findings.filter((f) => f.kind === 'problem');
      const shown = findings.slice(0, 3).map((f) => `${f.title} (${where(f)})`).join('; ');
      const more = findings.length > 3 ? `; and ${findings.length - 3} more` : '';
      return { ...base, verdict: problems.length > 0 ? 'fail' : 'needs_info', evidence: `${shown}${more}.` };
    }
    const read = mine.filter((r) => r.applicableFiles > 0);
    if (read.length === 0) {
      const evidence = mine.length === 1
        ? `Nothing to check: the change has no ${scopes.get(mine[0]?.rule ?? '') ?? 'file this rule reads'}.`
        : `Nothing to check: no changed file is of a kind its rules read (${mine.map((r) => `\`${r.rule}\``).join(', ')}).`;
      return { ...base, verdict: 'not_applicable', evidence };
    }
    const evidence = read
      .map((r) => `\`${r.rule}\` found nothing in ${plural(r.applicableFiles, 'file')}`)
      .join('; ');
    return { ...base, verdict: 'pass', evidence: `${evidence}.` };
  });
}

/** One finding per rule, file and line: two agents that attach the same rule report it once, under the first. */
export function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.file}\u0000${f.line ?? ''}\u0000${f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
