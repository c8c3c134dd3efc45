import type { Status } from '../agents/types.js';
import type { AgentReport, Finding, Report, ResolvedFinding, RoutingReason, Verdict } from '../report/types.js';
import { where } from '../verdict/verdict.js';
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
  /**
   * Appended verbatim at the very end (the hidden review state), its length reserved inside
   * `maxLength` so shortening never cuts it.
   */
  state?: string;
}

/** The least room the review itself must keep beside the state. */
const MIN_BODY_LENGTH = 1_000;

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
  return code(where(f));
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

/** Text struck through: escaped, on one line, with its own tildes unable to close the strike early. */
function struck(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const safe = safeMarkdown(flat)
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\~]/g, '\\$&')))
    .join('');
  return safe === '' ? '' : `~~${safe}~~`;
}

function resolvedLine(r: ResolvedFinding): string {
  return `- ${struck(r.title) || code(r.rule)} — ${code(where(r))} · ${SEVERITY_ICON[r.severity]}`;
}

function resolvedBlock(resolved: readonly ResolvedFinding[], cap: number): string[] {
  if (resolved.length === 0) return [];
  const lines = resolved.slice(0, cap).map(resolvedLine);
  if (resolved.length > cap) lines.push(`- … and ${resolved.length - cap} more (all in the JSON report)`);
  return [['### Resolved since the last review', '', ...lines].join('\n')];
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
  const notSent = report.coverage.llm?.notSent ?? [];
  if (notSent.length > 0) {
    const items = notSent.map((n) => `${code(n.file)} (${cell(n.agent)}) — ${safeMarkdown(n.reason)}`);
    parts.push(listBlock('Not sent to the model (offline checks only), and why', items, cap));
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

/** What reviewed: the offline checks, and the model with what it cost when the LLM reviewer ran. */
function engines(report: Report): string {
  const llm = report.coverage.llm;
  if (!llm) return 'offline checks';
  const u = report.usage;
  const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  return `offline checks + ${code(llm.model)} (${plural(u.llmCalls, 'call')}, ${input} input tokens of which ${u.cacheReadTokens} from cache, ${u.outputTokens} output, ≈ $${u.estimatedCostUsd.toFixed(2)})`;
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
    [coverageBlock(report, cap), `<sub>Architect Review · ${engines(report)}${sha}</sub>`].join('\n\n');
  return { head, tail };
}

/**
 * The review as Markdown for a PR comment, the job summary or a terminal. Fits `maxLength`: when the
 * whole does not fit, checklists shrink to their summary line first, then findings are cut, with a
 * note saying how many were left out and where to read them. Findings resolved since the last review
 * are listed struck through; `state`, when given, ends the result whatever the shortening.
 */
export function renderMarkdown(report: Report, options: RenderOptions): string {
  if (options.state === undefined) return renderBody(report, options.maxLength, options);
  const limit = options.maxLength - options.state.length - 2;
  if (limit < MIN_BODY_LENGTH) {
    throw new Error(`The review state (${options.state.length} characters) leaves too little room in a ${options.maxLength}-character comment; encode a smaller state.`);
  }
  return `${renderBody(report, limit, options)}\n\n${options.state}`;
}

function renderBody(report: Report, maxLength: number, options: RenderOptions): string {
  const { head, tail } = frame(report, options);
  const findings = report.findings.map(findingBlock);
  const checklists = report.agents.map(checklistBlock);
  const assemble = (shownFindings: string[], lists: string[], cap: number, note?: string): string =>
    [
      head,
      ...(shownFindings.length > 0 ? ['### Findings', ...shownFindings] : []),
      ...(note ? [`> [!WARNING]\n> ${note}`] : []),
      ...resolvedBlock(report.resolved ?? [], cap),
      ...(lists.length > 0 ? ['### Checklists', ...lists] : []),
      tail(cap),
    ].join('\n\n');

  const full = assemble(findings, checklists, 100);
  if (full.length <= maxLength) return full;

  const seeFull = options.fullReportHint ? ` See ${options.fullReportHint}.` : '';
  const shortLists = report.agents.map((a) => {
    const counts = a.checklist.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.verdict]: (acc[c.verdict] ?? 0) + 1 }), {});
    const summary = Object.entries(counts).map(([v, n]) => `${n} ${v}`).join(', ');
    return `- **${cell(a.name)}** — ${STATUS_ICON[a.status]}: ${summary}`;
  });
  const budget = maxLength - 400;
  const shown: string[] = [];
  let length = assemble([], shortLists, 20, 'x'.repeat(200)).length;
  for (const block of findings) {
    if (length + block.length + 2 > budget) break;
    shown.push(block);
    length += block.length + 2;
  }
  const left = findings.length - shown.length;
  const note = `This review was shortened to fit GitHub's comment size limit: checklists are summarised` +
    (left > 0 ? ` and ${plural(left, 'finding')} ${left === 1 ? 'is' : 'are'} not shown.` : '.') + seeFull;
  const result = assemble(shown, shortLists, 20, note);
  return result.length <= maxLength ? result : `${result.slice(0, maxLength - 80)}\n\n… (cut to fit the size limit)`;
}
