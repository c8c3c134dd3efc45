import type { ChangeSet, ChangedFile } from '../changeset/types.js';
import type { Finding, Severity } from '../report/types.js';

/** What a rule says about one spot; the runner adds the agent, id, file and source. */
export interface RuleHit {
  line?: number;
  title: string;
  message: string;
  remedy: string;
}

export interface Rule {
  id: string;
  /** One line for the rules table: what it catches. */
  summary: string;
  severity: Severity;
  kind: Finding['kind'];
  /** Whether the rule can say anything about this file at all; the checklist is `not_applicable` when no file qualifies. */
  appliesTo(file: ChangedFile): boolean;
  /** What the rule reads, for the checklist evidence: "Python, JS/TS and Go files". */
  scope: string;
  /** Finds problems in one file. Pure: reads the file's hunks and, where it must, the rest of the change. */
  check(file: ChangedFile, changeSet: ChangeSet): RuleHit[];
}
