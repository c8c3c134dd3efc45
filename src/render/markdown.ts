import type { Status } from '../agents/types.js';
import type { AgentReport, Finding, Report, RoutingReason, Verdict } from '../report/types.js';
import { cell, code, safeMarkdown } from './escape.js';

/** The hidden marker that finds the sticky comment again on the next run. */
export const SUMMARY_MARKER = '<!-- architect-review:summary -->';
/** GitHub rejects an issue comment longer than this (counted in UTF-16 code units, like String.length). */
export const COMMENT_LIMIT = 65_536;

const STATUS_ICON: Record<Status, string> = { ok: '✅ ok', needs_info: '🟡 needs_info', blocked: '🔴 blocked' };
const VERDICT_ICON: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ fail', needs_info: '❓ needs_info', not_applicable: '➖ n/a' };
const SEVERITY_ICON = { high: '🔴 High', medium: '🟠 Medium', low: '🔵 Low' } as const;

export interface RenderOptions {
  /** The largest the result may be, in String.length units. */
  maxLength: number;
  /** Start with the hidden marker (the sticky comment does; the CLI does not). */
  marker: boolean;
  /** Where the full report can be read, named in the note when the comment had to be cut. */
  fullReportHint?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function reasonText(reason: RoutingReason): string {
  const label = { path: 'path', import: 'imports', content: 'content matches', trigger: 'trigger' }[reason.kind];
  if (reason.kind === 'trigger') return `${label} ${safeMarkdown(reason.detail)}`;
  const files = reason.files.length === 1 ? code(reason.files[0] ?? '') : plural(reason.files.length, 'file');
  return `${label} ${code(reason.detail)} (${files})`;
}

function agentRow(agent: AgentReport): string {
  const why = agent.reasons.slice(0, 4).map(reasonText).join('; ');
  const more = agent.reasons.length > 4 ? `; +${agent.reasons.length - 4} more` : '';
  return `| **${cell(agent.name)}** | ${STATUS_ICON[agent.status]} | ${agent.files.length} | ${why.replace(/\|/g, '\\|')}${more} |`;
}

function location(f: Finding): string {
  return code(f.line === undefined ? f.file : `${f.file}:${f.line}`);
}

function findingBlock(f: Finding): string {
  const kind = f.kind === 'question' ? ' · question' : '';
  return [
    `#### ${SEVERITY_ICON[f.severity]}${kind} — ${safeMarkdown(f.title)}`,
    `${location(f)} · ${cell(f.agent)} · ${code(f.rule)}${f.source === 'llm' ? ' · LLM' : ''}`,
    '',
    safeMarkdown(f.message),
    '',
    `**Remedy:** ${safeMarkdown(f.remedy)}`,
  ].join('\n');
}

function checklistBlock(agent: AgentReport): string {
  const rows = agent.checklist.map((c) => {
    const verdict = c.checkedBy.length === 0 ? '⬜ not checked' : VERDICT_ICON[c.verdict];
    return `| ${cell(c.title)} | ${verdict} | ${cell(c.evidence)} |`;
  });
  return [
    `<details><summary><b>${cell(agent.name)}</b> — ${STATUS_ICON[agent.status]} — checklist</summary>`,
    '',
    '| Item | Verdict | Evidence |',
    '|---|---|---|',
    ...rows,
    '',
    '</details>',
  ].join('\n');
}

function listBlock(title: string, items: string[], cap: number): string {
  const shown = items.slice(0, cap).map((i) => `- ${i}`);
  if (items.length > cap) shown.push(`- … and ${items.length - cap} more (all in the JSON report)`);
  return [`<details><summary>${title}</summary>`, '', ...shown, '', '</details>'].join('\n');
}

function coverageBlock(report: Report, cap: number): string {
  const { reviewed, skipped } = report.coverage;
  const parts = [`**Coverage:** ${plural(reviewed.length, 'file')} reviewed, ${skipped.length} not reviewed.`];
  if (reviewed.length > 0) parts.push(listBlock('Reviewed files', reviewed.map(code), cap));
  if (skipped.length > 0) {
    parts.push(listBlock('Not reviewed, and why', skipped.map((s) => `${code(s.file)} — ${safeMarkdown(s.reason)}`), cap));
  }
  return parts.join('\n\n');
}

function headline(report: Report): string {
  const counts = (['high', 'medium', 'low'] as const)
    .map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const found = counts.length > 0 ? `${plural(report.findings.length, 'finding')} (${counts.join(', ')})` : 'no findings';
  if (report.agents.length === 0) {
    return 'No agent applies to this change (documentation, tests or lockfiles only, or no matching files): nothing to review.';
  }
  return `${plural(report.agents.length, 'agent')} reviewed ${plural(report.coverage.reviewed.length, 'file')}: ${found}.`;
}

/** Everything but the findings and checklists: always shown, whatever the length. */
function frame(report: Report, options: RenderOptions): { head: string; tail: (coverageCap: number) => string } {
  const head = [
    ...(options.marker ? [SUMMARY_MARKER] : []),
    `## 🏛️ Architect Review — ${STATUS_ICON[report.status]}`,
    '',
    headline(report),
    ...report.notices.map((n) => `\n> [!NOTE]\n> ${safeMarkdown(n).replace(/\n/g, '\n> ')}`),
    ...(report.agents.length > 0
      ? ['', '| Agent | Status | Files | Why it was picked |', '|---|---|---|---|', ...report.agents.map(agentRow)]
      : []),
  ].join('\n');
  const sha = report.pr.headSha ? ` · head ${code(report.pr.headSha.slice(0, 7))}` : '';
  const tail = (cap: number): string =>
    [coverageBlock(report, cap), `<sub>Architect Review · offline checks${sha}</sub>`].join('\n\n');
  return { head, tail };
}

/**
 * The review as Markdown for a PR comment, the job summary or a terminal. Fits `maxLength`: when the
 * whole does not fit, checklists shrink to their summary line first, then findings are cut, with a
 * note saying how many were left out and where to read them.
 */
export function renderMarkdown(report: Report, options: RenderOptions): string {
  const { head, tail } = frame(report, options);
  const findings = report.findings.map(findingBlock);
  const checklists = report.agents.map(checklistBlock);
  const assemble = (shownFindings: string[], lists: string[], cap: number, note?: string): string =>
    [
      head,
      ...(shownFindings.length > 0 ? ['### Findings', ...shownFindings] : []),
      ...(note ? [`> [!WARNING]\n> ${note}`] : []),
      ...(lists.length > 0 ? ['### Checklists', ...lists] : []),
      tail(cap),
    ].join('\n\n');

  const full = assemble(findings, checklists, 100);
  if (full.length <= options.maxLength) return full;

  const where = options.fullReportHint ? ` See ${options.fullReportHint}.` : '';
  const shortLists = report.agents.map((a) => {
    const counts = a.checklist.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.verdict]: (acc[c.verdict] ?? 0) + 1 }), {});
    const summary = Object.entries(counts).map(([v, n]) => `${n} ${v}`).join(', ');
    return `- **${cell(a.name)}** — ${STATUS_ICON[a.status]}: ${summary}`;
  });
  const budget = options.maxLength - 400;
  const shown: string[] = [];
  let length = assemble([], shortLists, 20, 'x'.repeat(200)).length;
  for (const block of findings) {
    if (length + block.length + 2 > budget) break;
    shown.push(block);
    length += block.length + 2;
  }
  const left = findings.length - shown.length;
  const note = `This review was shortened to fit GitHub's comment size limit: checklists are summarised` +
    (left > 0 ? ` and ${plural(left, 'finding')} ${left === 1 ? 'is' : 'are'} not shown.` : '.') + where;
  const result = assemble(shown, shortLists, 20, note);
  return result.length <= options.maxLength ? result : `${result.slice(0, options.maxLength - 80)}\n\n… (cut to fit the size limit)`;
}
