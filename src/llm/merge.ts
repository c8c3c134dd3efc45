import { byImportance } from '../engine.js';
/**
 * Answers → report: the model's findings, questions and checklist verdicts folded into the offline
 * report. Pure. The model can add and make worse, never make better: an offline finding is never
 * dropped or downgraded, an offline checklist verdict never improved, a status never lowered. Every
 * string the model wrote is neutralised before it reaches the report.
 */
import type { ChangeSet } from '../changeset/types.js';
import { fingerprint } from '../checks/run.js';
import { headLines } from '../checks/lines.js';
import { capChars } from '../render/escape.js';
import { LLM_RULE_ID, type ChecklistResult, type Finding, type Report, type Verdict } from '../report/types.js';
import { neutraliseModelCode, neutraliseModelText } from '../security/sanitise.js';
import { statusOf, where, worst } from '../verdict/verdict.js';
import { compareText } from '../compare.js';
import type { LlmAnswer, ReviewChunk } from './types.js';

/** At most this many LLM findings per agent are kept (the most important); the rest are counted in a notice. */
export const MAX_LLM_FINDINGS_PER_AGENT = 20;

export interface ChunkAnswer {
  agent: string;
  chunk: ReviewChunk;
  answer: LlmAnswer;
}

/** Head-side lines of one file's diff: line number → its hunk and text. */
type HeadLines = Map<number, { hunk: number; text: string }>;

/** The head lines of the files the answers' chunks showed: the only files a model finding can sit on. */
function headLineIndex(changeSet: ChangeSet, answers: readonly ChunkAnswer[]): Map<string, HeadLines> {
  const files = new Map(changeSet.files.map((f) => [f.path, f]));
  const index = new Map<string, HeadLines>();
  for (const path of new Set(answers.flatMap((a) => a.chunk.files.map((f) => f.path)))) {
    const file = files.get(path);
    if (!file) continue;
    const lines: HeadLines = new Map();
    file.hunks.forEach((hunk, h) => {
      for (const l of headLines(hunk)) lines.set(l.line, { hunk: h, text: l.text.trim() });
    });
    index.set(path, lines);
  }
  return index;
}


/** Model text for a one-line field (title, evidence), neutralised; it can hold no code fence. */
function oneLine(text: string): string {
  return neutraliseModelText(text.replace(/\s+/g, ' ').replace(/`{3,}|~{3,}/g, '`').trim());
}

/**
 * Model prose neutralised, with a code fence it left open closed: an open fence would swallow what
 * follows in a comment, and the next fence would then turn another finding's code into live Markdown.
 */
function prose(text: string): string {
  let open: string | undefined;
  const neutral = neutraliseModelText(text);
  for (const line of neutral.split('\n')) {
    const run = /^\s*(`{3,}|~{3,})(.*)$/.exec(line);
    if (!run?.[1]) continue;
    if (open === undefined) open = run[1];
    else if (run[1][0] === open[0] && run[1].length >= open.length && (run[2] ?? '').trim() === '') open = undefined;
  }
  return open === undefined ? neutral : `${neutral}\n${open}`;
}

/** A suggestion is posted inside a code fence: kept verbatim (bar hidden characters) only when it cannot close it. */
function safeSuggestion(text: string): string | undefined {
  return /`{3,}|~{3,}/.test(text) ? undefined : neutraliseModelCode(text);
}

type Place = Pick<Finding, 'line' | 'endLine' | 'suggestion'>;

/** Where a model finding may sit: a head-side diff line, or the file when its line is not one. */
function placeOf(lines: HeadLines, line?: number, endLine?: number, suggestion?: string): Place {
  const start = line === undefined ? undefined : lines.get(line);
  if (line === undefined || !start) return {};
  const place: Place = { line };
  const end = endLine === undefined ? undefined : lines.get(endLine);
  if (endLine !== undefined && end && endLine > line && end.hunk === start.hunk) place.endLine = endLine;
  const safe = suggestion === undefined ? undefined : safeSuggestion(suggestion);
  if (safe !== undefined) place.suggestion = safe;
  return place;
}

/** The chunk's path the model meant: exact, or with a leading "./" dropped. */
function chunkPath(file: string | undefined, paths: ReadonlySet<string>): string | undefined {
  if (file === undefined) return undefined;
  const trimmed = file.trim().replace(/^\.\//, '');
  return paths.has(trimmed) ? trimmed : undefined;
}

/** The model's findings and questions of one answer, placed and neutralised (ids come later); `dropped` counts the rest. */
function modelFindings(input: ChunkAnswer, items: ReadonlySet<string>, index: Map<string, HeadLines>): { findings: Finding[]; dropped: number } {
  const paths = new Set(input.chunk.files.map((f) => f.path));
  const item = (id?: string) => (id !== undefined && items.has(id) ? { checklistItem: id } : {});
  const base = { id: '', agent: input.agent, rule: LLM_RULE_ID, source: 'llm' as const };
  const findings: Finding[] = [];
  let dropped = 0;
  for (const f of input.answer.findings) {
    const file = chunkPath(f.file, paths);
    if (file === undefined) {
      dropped++;
      continue;
    }
    const remedy = prose(f.remedy.trim()) || 'The reviewer gave no remedy.';
    findings.push({
      ...base, severity: f.severity, kind: 'problem', file,
      ...placeOf(index.get(file) ?? new Map(), f.line, f.endLine, f.suggestion),
      title: oneLine(f.title), message: prose(f.message), remedy, ...item(f.checklistItem),
    });
  }
  for (const q of input.answer.questions) {
    // A question about no file in particular is asked on the chunk's first (highest-priority) file.
    const file = q.file === undefined ? input.chunk.files[0]?.path : chunkPath(q.file, paths);
    if (file === undefined) {
      dropped++;
      continue;
    }
    const question = prose(q.question);
    const title = oneLine(q.question);
    findings.push({
      ...base, severity: 'medium', kind: 'question', file,
      ...placeOf(index.get(file) ?? new Map(), q.line),
      title: capChars(title, 120),
      message: question,
      remedy: 'Answer in the pull request, or change the code so the diff settles it.',
      ...item(q.checklistItem),
    });
  }
  return { findings, dropped };
}

/** Stable ids: rule + agent + checklist item (or normalised title), file, the head line's text; repeats dropped. */
function withIds(findings: readonly Finding[], index: Map<string, HeadLines>): Finding[] {
  const seen = new Set<string>();
  const occurrences = new Map<string, number>();
  const out: Finding[] = [];
  const ordered = [...findings].sort((a, b) => byImportance(a, b) || compareText(a.title, b.title));
  for (const f of ordered) {
    const text = f.line === undefined ? '' : index.get(f.file)?.get(f.line)?.text ?? '';
    const subject = f.checklistItem ?? normalisedTitle(f.title);
    const repeat = [f.agent, f.kind, f.file, f.line ?? '', normalisedTitle(f.title)].join('\u0000');
    if (seen.has(repeat)) continue;
    seen.add(repeat);
    const key = [f.agent, subject, f.file, text].join('\u0000');
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    out.push({ ...f, id: fingerprint(`${LLM_RULE_ID}\u0000${f.agent}\u0000${subject}`, f.file, text, occurrence) });
  }
  return out;
}

const STOP_WORDS = new Set(['the', 'and', 'for', 'with', 'without', 'from', 'into', 'that', 'this', 'not', 'are', 'was', 'has', 'have', 'its', 'can', 'may', 'will', 'when', 'all', 'any']);

/** The significant words of a text, crudely stemmed (a trailing "s" dropped), for comparing subjects. */
function words(text: string): Set<string> {
  const all = text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
  return new Set(all.map((w) => w.replace(/s$/, '')));
}

function normalisedTitle(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/**
 * Whether an LLM finding is about what an offline one says: its title names every word of the rule id
 * (`http-timeout` → "HTTP call has no timeout"), or the two titles share two thirds of their words.
 */
function sameSubject(offline: Finding, llm: Finding): boolean {
  const title = words(llm.title);
  const rule = words(offline.rule.replace(/-/g, ' '));
  if (rule.size >= 2 && [...rule].every((w) => title.has(w))) return true;
  const other = words(offline.title);
  const common = [...title].filter((w) => other.has(w)).length;
  const union = new Set([...title, ...other]).size;
  return union > 0 && common / union >= 2 / 3;
}

/** Whether `message` adds to `known`: several of its significant words, and a good share of them, are new. */
function saysSomethingNew(message: string, known: string): boolean {
  const knownWords = words(known);
  const all = [...words(message)];
  const fresh = all.filter((w) => !knownWords.has(w));
  return fresh.length >= 4 && fresh.length / all.length >= 0.4;
}

/** The offline finding an LLM finding repeats: same file, same or adjacent line, same item or subject. */
function repeated(f: Finding, offline: readonly Finding[]): Finding | undefined {
  return offline.find(
    (o) =>
      o.file === f.file &&
      (o.line === undefined || f.line === undefined ? o.line === f.line : Math.abs(o.line - f.line) <= 2) &&
      ((f.checklistItem !== undefined && o.agent === f.agent && o.checklistItem === f.checklistItem) || sameSubject(o, f)),
  );
}

/** Offline findings with the LLM's repeats folded in; the LLM findings that are not repeats. */
function foldRepeats(offline: readonly Finding[], llm: readonly Finding[]): { offline: Finding[]; fresh: Finding[] } {
  const merged = offline.map((o) => ({ ...o }));
  const added = new Set<Finding>();
  const fresh: Finding[] = [];
  for (const f of llm) {
    const o = repeated(f, merged);
    if (!o) {
      fresh.push(f);
      continue;
    }
    if (!added.has(o) && saysSomethingNew(f.message, `${o.title} ${o.message} ${o.remedy}`)) {
      o.message = `${o.message}\n\nThe LLM reviewer adds: ${f.message}`;
      added.add(o);
    }
  }
  return { offline: merged, fresh };
}

const VERDICT_RANK: Record<Verdict, number> = { not_applicable: 0, pass: 1, needs_info: 2, fail: 3 };

type ModelVerdict = { verdict: Verdict; evidence: string };

function worse(a: ModelVerdict | undefined, b: ModelVerdict): ModelVerdict {
  return a && VERDICT_RANK[a.verdict] >= VERDICT_RANK[b.verdict] ? a : b;
}

/** The model's verdict per item over all chunks of the agent (the worst), and what its kept findings imply. */
function modelVerdicts(answers: readonly ChunkAnswer[], findings: readonly Finding[], items: ReadonlySet<string>): Map<string, ModelVerdict> {
  const verdicts = new Map<string, ModelVerdict>();
  for (const { answer } of answers) {
    for (const c of answer.checklist) {
      if (!items.has(c.id)) continue;
      const evidence = oneLine(c.evidence) || 'no evidence given';
      verdicts.set(c.id, worse(verdicts.get(c.id), { verdict: c.verdict, evidence }));
    }
  }
  for (const f of findings) {
    if (f.checklistItem === undefined) continue;
    const implied: ModelVerdict = { verdict: f.kind === 'problem' ? 'fail' : 'needs_info', evidence: `${f.title} (${where(f)})` };
    verdicts.set(f.checklistItem, worse(verdicts.get(f.checklistItem), implied));
  }
  return verdicts;
}

/** An item no rule checked takes the model's verdict; a checked one can only be made worse, to needs_info or fail. */
function judged(item: ChecklistResult, model: ModelVerdict | undefined): ChecklistResult {
  if (!model) return item;
  if (item.checkedBy.length === 0) return { ...item, verdict: model.verdict, evidence: `LLM: ${model.evidence}`, checkedBy: [LLM_RULE_ID] };
  const worsens = (model.verdict === 'fail' || model.verdict === 'needs_info') && VERDICT_RANK[model.verdict] > VERDICT_RANK[item.verdict];
  if (!worsens) return item;
  return { ...item, verdict: model.verdict, evidence: `${item.evidence} LLM: ${model.evidence}`, checkedBy: [...item.checkedBy, LLM_RULE_ID] };
}

/** The agent's LLM findings, most important first, cut to the cap; how many were cut. */
function capped(findings: readonly Finding[]): { kept: Finding[]; cut: number } {
  const sorted = [...findings].sort(byImportance);
  return { kept: sorted.slice(0, MAX_LLM_FINDINGS_PER_AGENT), cut: Math.max(0, sorted.length - MAX_LLM_FINDINGS_PER_AGENT) };
}

/**
 * The offline report with the LLM reviewer's answers folded in (a new report; the input is not
 * changed). Findings on files outside their chunk are dropped; lines outside the diff become
 * file-level; repeats of offline findings are merged into them; statuses only ever get worse.
 */
export function mergeAnswers(report: Report, answers: readonly ChunkAnswer[], changeSet: ChangeSet): Report {
  const index = headLineIndex(changeSet, answers);
  const offline = report.findings.filter((f) => f.source !== 'llm');
  let pending: Finding[] = [];
  const notices: string[] = [];
  const items = new Map(report.agents.map((a) => [a.name, new Set(a.checklist.map((c) => c.id))]));
  const dropped = new Map<string, number>();
  for (const answer of answers) {
    const known = items.get(answer.agent);
    if (!known) continue;
    const result = modelFindings(answer, known, index);
    pending.push(...result.findings);
    dropped.set(answer.agent, (dropped.get(answer.agent) ?? 0) + result.dropped);
  }
  pending = withIds(pending, index);
  const folded = foldRepeats(offline, pending);

  const kept: Finding[] = [];
  const agents = report.agents.map((agentReport) => {
    const mine = capped(folded.fresh.filter((f) => f.agent === agentReport.name));
    kept.push(...mine.kept);
    const lost = dropped.get(agentReport.name) ?? 0;
    if (lost > 0) notices.push(`The LLM review by ${agentReport.name} put ${lost} finding(s) or question(s) on files it was not shown; they were dropped.`);
    if (mine.cut > 0) notices.push(`The LLM review by ${agentReport.name} made ${mine.cut} more finding(s) than the ${MAX_LLM_FINDINGS_PER_AGENT} shown; the least severe were left out.`);
    const known = items.get(agentReport.name) ?? new Set<string>();
    const verdicts = modelVerdicts(answers.filter((a) => a.agent === agentReport.name), mine.kept, known);
    return {
      ...agentReport,
      status: worst([agentReport.status, statusOf(mine.kept)]),
      checklist: agentReport.checklist.map((item) => judged(item, verdicts.get(item.id))),
    };
  });
  const others = report.findings.filter((f) => f.source === 'llm');
  return {
    ...report,
    status: worst([report.status, ...agents.map((a) => a.status)]),
    agents,
    findings: [...folded.offline, ...others, ...kept].sort(byImportance),
    notices: [...report.notices, ...notices],
  };
}
