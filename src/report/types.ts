import type { Status } from '../agents/types.js';

export type Severity = 'high' | 'medium' | 'low';
/** Most severe first: the one order findings are sorted, capped and kept in. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };
export type Verdict = 'pass' | 'fail' | 'needs_info' | 'not_applicable';
/** The rule id every LLM reviewer finding carries (SARIF gives it one generic rule entry). */
export const LLM_RULE_ID = 'llm-review';

export interface Finding {
  /** Stable fingerprint: the same problem on the same line gets the same id on every run. */
  id: string;
  agent: string;
  rule: string;
  severity: Severity;
  /** `problem`: something to fix. `question`: something the diff cannot settle, asked of the author. */
  kind: 'problem' | 'question';
  file: string;
  /** Head-side line; absent for file-level findings. */
  line?: number;
  /** Last head-side line of a range that starts at `line` (inside one hunk); absent for a single line. */
  endLine?: number;
  /**
   * The text that should replace lines `line`..`endLine` (or `line`), when the remedy is that small:
   * posted as a GitHub suggestion block on the inline comment.
   */
  suggestion?: string;
  title: string;
  message: string;
  remedy: string;
  /** The checklist item this finding gives a verdict on, if any. */
  checklistItem?: string;
  source: 'check' | 'llm';
}

export interface RoutingReason {
  /** A path glob matched, a module import was added, a content signal was seen, a trigger phrase was in the PR text. */
  kind: 'path' | 'import' | 'content' | 'trigger';
  /** The glob, module, pattern or phrase (with where it was seen, for a trigger). */
  detail: string;
  /** The files this reason routed; empty for a trigger phrase, which concerns the whole change. */
  files: string[];
}

export interface ChecklistResult {
  id: string;
  title: string;
  verdict: Verdict;
  evidence: string;
  /** The rules that judged this item; empty when nothing offline covers it (shown as "not checked"). */
  checkedBy: string[];
}

export interface AgentReport {
  name: string;
  description: string;
  status: Status;
  files: string[];
  reasons: RoutingReason[];
  checklist: ChecklistResult[];
}

/** A finding an earlier run posted that this run no longer sees: the author fixed it (or the code went). */
export interface ResolvedFinding {
  id: string;
  file: string;
  line?: number;
  severity: Severity;
  title: string;
  rule: string;
}

/** What the LLM reviewer was sent and what it was not, per agent. */
export interface LlmCoverage {
  model: string;
  /** Files whose hunks were sent, per agent. */
  sent: { agent: string; files: string[] }[];
  /** Files routed to an agent but not sent (budget, size, a failed call), with why. */
  notSent: { agent: string; file: string; reason: string }[];
}

export interface Usage {
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Estimated cost in US dollars from the model's list price; 0 without LLM calls. */
  estimatedCostUsd: number;
}

export interface Report {
  schemaVersion: 1;
  status: Status;
  pr: { number?: number; title: string; headSha?: string; baseSha?: string };
  agents: AgentReport[];
  findings: Finding[];
  coverage: { reviewed: string[]; skipped: { file: string; reason: string }[]; llm?: LlmCoverage };
  usage: Usage;
  /** Findings an earlier run on this pull request posted that this run no longer sees (incremental re-review). */
  resolved?: ResolvedFinding[];
  /** Things the reader should know about this run: an agent that failed to load, a cap that was hit. */
  notices: string[];
}
