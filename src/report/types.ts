import type { Status } from '../agents/types.js';

export type Severity = 'high' | 'medium' | 'low';
export type Verdict = 'pass' | 'fail' | 'needs_info' | 'not_applicable';

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

export interface Report {
  schemaVersion: 1;
  status: Status;
  pr: { number?: number; title: string; headSha?: string; baseSha?: string };
  agents: AgentReport[];
  findings: Finding[];
  coverage: { reviewed: string[]; skipped: { file: string; reason: string }[] };
  usage: { llmCalls: number; inputTokens: number; outputTokens: number; cacheReadTokens: number };
  /** Things the reader should know about this run: an agent that failed to load, a cap that was hit. */
  notices: string[];
}
