import { createHash } from 'node:crypto';
import { itemsOf, type Agent } from '../agents/types.js';
import type { ChangeSet, ChangedFile, Hunk } from '../changeset/types.js';
import type { Finding, Severity } from '../report/types.js';
import { RULES } from './registry.js';
import type { RuleHit } from './types.js';

/** What the rules found on one file, worked out ahead, with the hunks they saw. */
export interface WorkedOut {
  /** The file's hunks as the rules saw them: what was found stands only for a file with these very hunks. */
  hunks: readonly Hunk[];
  /** Rule id → the rule's hits on the file, or null when the rule does not apply to it (`appliesTo` said no). */
  rules: ReadonlyMap<string, readonly RuleHit[] | null>;
}

/** File path → what was worked out ahead on that file (see checkEarly and checkAhead in engine.ts). */
export type Precomputed = ReadonlyMap<string, WorkedOut>;

/** The same hunks (hunks are never changed in place: setting reformatting aside makes new ones). */
export function sameHunks(a: readonly Hunk[], b: readonly Hunk[]): boolean {
  return a === b || (a.length === b.length && a.every((hunk, i) => hunk === b[i]));
}

/** What was worked out ahead on this file, if it stands for the file as it is now. */
export function workedOut(precomputed: Precomputed | undefined, file: ChangedFile): WorkedOut | undefined {
  if (!precomputed || file.content !== undefined) return undefined;
  const ahead = precomputed.get(file.path);
  return ahead && sameHunks(ahead.hunks, file.hunks) ? ahead : undefined;
}

/** How a rule fared on one agent's files: how many it could read, what it found. */
export interface RuleRun {
  rule: string;
  /** The checklist items the rule's verdict counts for (a verify step and a gotcha can share a rule). */
  checklistItems: readonly string[];
  applicableFiles: number;
  findings: Finding[];
}

function lineText(file: ChangedFile, line: number | undefined): string {
  if (line === undefined) return '';
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) if (l.kind !== 'del' && l.newLine === line) return l.text.trim();
  }
  return '';
}

/** A fingerprint that survives the line moving: rule, file and the text of the line, not its number. */
export function fingerprint(rule: string, file: string, text: string, occurrence: number): string {
  return createHash('sha256').update(`${rule}\u0000${file}\u0000${text}\u0000${occurrence}`).digest('hex').slice(0, 16);
}

/**
 * Runs the rules an agent attaches to its checklist over the files routed to it. A rule that throws
 * is reported in `problems` and the others still run. `precomputed` holds what rules that judge a
 * file alone were found to say earlier, whether they apply (`appliesTo`) and their hits (`check`):
 * it stands for both on a file not read whole whose hunks are the ones it was worked out on.
 */
export function runAgentRules(
  agent: Agent,
  files: readonly ChangedFile[],
  changeSet: ChangeSet,
  severity: ReadonlyMap<string, Severity> = new Map(),
  precomputed?: Precomputed,
): { runs: RuleRun[]; problems: string[] } {
  const runs: RuleRun[] = [];
  const problems: string[] = [];
  const ahead = files.map((file) => workedOut(precomputed, file));
  for (const [ruleId, entry] of Object.entries(agent.review.rules)) {
    const items = itemsOf(entry);
    const rule = RULES.get(ruleId);
    if (!rule) {
      problems.push(`${agent.file}: review.rules names "${ruleId}", which is not a built-in rule (known: ${[...RULES.keys()].join(', ')}); it was ignored.`);
      continue;
    }
    const run: RuleRun = { rule: rule.id, checklistItems: items, applicableFiles: 0, findings: [] };
    const occurrences = new Map<string, number>();
    // A rule that reads the whole change is never worked out ahead: the review's change is the one it must see.
    const fromAhead = !rule.readsWholeChange;
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as ChangedFile;
      // Worked out ahead: whether the rule applies was asked then (null: it does not), and is not asked again.
      const known = fromAhead ? ahead[i]?.rules.get(rule.id) : undefined;
      if (known === null || (known === undefined && !rule.appliesTo(file))) continue;
      run.applicableFiles++;
      try {
        for (const hit of known ?? rule.check(file, changeSet)) {
          const text = lineText(file, hit.line);
          const key = `${file.path}\u0000${text}`;
          const occurrence = occurrences.get(key) ?? 0;
          occurrences.set(key, occurrence + 1);
          const finding: Finding = {
            id: fingerprint(rule.id, file.path, text, occurrence),
            agent: agent.name,
            rule: rule.id,
            severity: severity.get(rule.id) ?? rule.severity,
            kind: rule.kind,
            file: file.path,
            title: hit.title,
            message: hit.message,
            remedy: hit.remedy,
            checklistItem: items[0],
            source: 'check',
          };
          if (hit.line !== undefined) finding.line = hit.line;
          if (hit.suggestion !== undefined && hit.line !== undefined) finding.suggestion = hit.suggestion;
          run.findings.push(finding);
        }
      } catch (error) {
        problems.push(`Rule ${rule.id} failed on ${file.path} for agent ${agent.name}: ${(error as Error).message}. The rest of the review went on.`);
      }
    }
    runs.push(run);
  }
  return { runs, problems };
}
