import type { ChangeSet, ChangedFile } from '../changeset/types.js';
import type { Finding, Severity } from '../report/types.js';

/** What a rule says about one spot; the runner adds the agent, id, file and source. */
export interface RuleHit {
  line?: number;
  title: string;
  message: string;
  remedy: string;
  /** The replacement for the hit's line when the remedy is that one line (becomes a GitHub suggestion). */
  suggestion?: string;
}

export interface Rule {
  id: string;
  /** One line for the rules table: what it catches. */
  summary: string;
  /** One line for the rules table: what breaks in production, and when. */
  why?: string;
  /** One line for the rules table: the usual remedy. */
  remedy?: string;
  severity: Severity;
  kind: Finding['kind'];
  /** Whether the rule can say anything about this file at all; the checklist is `not_applicable` when no file qualifies. */
  appliesTo(file: ChangedFile): boolean;
  /** What the rule reads, for the checklist evidence: "Python, JS/TS and Go files". */
  scope: string;
  /**
   * Whether the rule would judge this file better with its whole head-side content: a cheap look at
   * the diff (say, an added model load whose enclosing function is outside the hunk). The sources
   * fetch content only for such files, once each.
   */
  wantsContent?(file: ChangedFile): boolean;
  /**
   * Set when `check` reads other files of the change (a twin definition, a file that still reads a
   * renamed variable, an ADR anywhere in the change). A rule without it judges a file from that file
   * alone, so its hits on a file not read whole can be worked out before the head files arrive.
   */
  readsWholeChange?: true;
  /** Finds problems in one file. Pure: reads the file's hunks and, where it must (readsWholeChange), the rest of the change. */
  check(file: ChangedFile, changeSet: ChangeSet): RuleHit[];
}
