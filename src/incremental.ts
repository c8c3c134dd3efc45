import type { ReviewState, StoredFinding } from './github/state.js';
import { code } from './render/escape.js';
import type { Finding, Report, ResolvedFinding } from './report/types.js';
import { byImportance } from './engine.js';
import { statusOf, worst } from './verdict/verdict.js';

/**
 * What this run looked at again. The offline checks always cover the whole PR; `incremental` says
 * the LLM reviewer saw only the files changed since the last reviewed head (old names of renames
 * included). `full` may carry the reason an incremental review was not possible (a force-push).
 */
/**
 * The files the LLM reviewer should see on this run: with an incremental scope after a run that had
 * the LLM, what changed since plus what it did not see last time; otherwise (undefined) all of them.
 */
export function llmFiles(previous: ReviewState | undefined, scope: ReviewScope): ReadonlySet<string> | undefined {
  if (scope.mode !== 'incremental' || previous?.llm !== true) return undefined;
  return new Set([...scope.changedFiles, ...(previous.llmPending ?? [])]);
}

export type ReviewScope =
  | { mode: 'full'; reason?: string }
  | { mode: 'incremental'; changedFiles: ReadonlySet<string> };

export interface Reconciled {
  /** The report with `resolved` and any notice about carried findings or a full re-review. */
  report: Report;
  /** Current findings without an inline thread yet: the ones to post inline (where they can be anchored). */
  toPost: Finding[];
  /** The state to hide in the sticky comment, once `recordPosted` and `recordReplied` have been applied. */
  state: ReviewState;
}

/** How many carried findings the notice names; the rest are counted. */
const NOTICE_LIST = 5;

function stored(f: Finding, inline: boolean): StoredFinding {
  return {
    id: f.id, file: f.file, ...(f.line === undefined ? {} : { line: f.line }), severity: f.severity, title: f.title, rule: f.rule,
    source: f.source, agent: f.agent, kind: f.kind, inline,
  };
}

/**
 * An earlier LLM finding on a file this run did not send to the model: still open, so it still counts
 * for the status, the gate, the check run and SARIF, though its full text is in the earlier review.
 */
function carriedFinding(f: StoredFinding): Finding {
  return {
    id: f.id, agent: f.agent ?? 'llm-review', rule: f.rule, severity: f.severity, kind: f.kind ?? 'problem', file: f.file,
    ...(f.line === undefined ? {} : { line: f.line }),
    title: f.title,
    message: 'Found by the LLM reviewer on an earlier push; this file has not changed since, so it was not sent again and the finding stands.',
    remedy: 'See the inline comment or the earlier review for the details and the remedy.',
    source: f.source,
  };
}

function resolvedFrom(f: StoredFinding): ResolvedFinding {
  return { id: f.id, file: f.file, ...(f.line === undefined ? {} : { line: f.line }), severity: f.severity, title: f.title, rule: f.rule };
}

/**
 * Whether this run could have found a finding again. The offline checks read every reviewed file;
 * the LLM only the files it was sent this time. A file that left the PR cannot hold a finding any more.
 */
function seenAgainBy(report: Report, scope: ReviewScope, prFiles: ReadonlySet<string>): (f: StoredFinding) => boolean {
  const skipped = new Set(report.coverage.skipped.map((s) => s.file));
  const llm = report.coverage.llm;
  const notSent = new Set(llm?.notSent.map((n) => n.file) ?? []);
  const sent = new Set(llm?.sent.flatMap((s) => s.files) ?? []);
  return (f) => {
    if (!prFiles.has(f.file)) return true;
    if (skipped.has(f.file)) return false;
    if (f.source === 'check') return true;
    if (!llm || notSent.has(f.file)) return false;
    // The model saw the file this time (a full review, a changed file, or one left over from before).
    return sent.has(f.file);
  };
}

function carriedNotice(carried: readonly StoredFinding[]): string {
  const allLlm = carried.every((f) => f.source === 'llm');
  const what = `${carried.length} earlier ${allLlm ? 'LLM ' : ''}finding${carried.length === 1 ? '' : 's'}`;
  const names = carried
    .slice(0, NOTICE_LIST)
    .map((f) => `${code(f.line === undefined ? f.file : `${f.file}:${f.line}`)} ${f.title.replace(/\s+/g, ' ').slice(0, 120)}`);
  const more = carried.length > NOTICE_LIST ? `; and ${carried.length - NOTICE_LIST} more` : '';
  return `${what} on files not reviewed again this time ${carried.length === 1 ? 'stays' : 'stay'} open (see the earlier inline comments): ${names.join('; ')}${more}.`;
}

/**
 * Compares this run's report with the state the last run left. Findings already given an inline
 * thread are not posted again; earlier findings this run could have seen but did not are resolved;
 * earlier findings on files this run did not look at again are carried, still open. The new state
 * holds this head, the current and carried findings, and the replies of findings still resolved.
 */
export function reconcile(
  previous: ReviewState | undefined,
  report: Report,
  scope: ReviewScope,
  prFiles: ReadonlySet<string>,
): Reconciled {
  const before = previous?.findings ?? [];
  const replied = previous?.replied ?? [];
  // A replied id had a thread too: a finding that comes back is not posted a second time.
  const threads = new Set([...before.filter((f) => f.inline).map((f) => f.id), ...replied]);
  const current = new Set(report.findings.map((f) => f.id));
  const gone = before.filter((f) => !current.has(f.id));
  const seenAgain = seenAgainBy(report, scope, prFiles);
  const resolved = gone.filter(seenAgain);
  const carried = gone.filter((f) => !seenAgain(f));

  const notices = [
    ...(previous && scope.mode === 'full' && scope.reason ? [`This push was reviewed in full: ${scope.reason}.`] : []),
    ...(carried.length > 0 ? [carriedNotice(carried)] : []),
  ];
  const stillOpen = carried.map(carriedFinding);
  const next: Report = {
    ...report,
    status: worst([report.status, statusOf(stillOpen)]),
    findings: [...report.findings, ...stillOpen].sort(byImportance),
    ...(previous ? { resolved: resolved.map(resolvedFrom) } : {}),
    notices: [...report.notices, ...notices],
  };
  const state: ReviewState = {
    v: 1,
    headSha: report.pr.headSha ?? '',
    baseSha: report.pr.baseSha ?? '',
    findings: [...report.findings.map((f) => stored(f, threads.has(f.id))), ...carried],
    replied: replied.filter((id) => !current.has(id)),
    llm: report.coverage.llm !== undefined,
    // Routed files the model did not see (over budget, a failed call): the next run sends them too.
    llmPending: [...new Set(report.coverage.llm?.notSent.map((n) => n.file) ?? [])],
  };
  return { report: next, toPost: report.findings.filter((f) => !threads.has(f.id)), state };
}

/** The state with the findings whose inline comments were just posted marked as having a thread. */
export function recordPosted(state: ReviewState, ids: Iterable<string>): ReviewState {
  const posted = new Set(ids);
  return { ...state, findings: state.findings.map((f) => (posted.has(f.id) ? { ...f, inline: true } : f)) };
}

/** The state with the resolved findings whose threads just got a reply remembered, so none gets two. */
export function recordReplied(state: ReviewState, ids: Iterable<string>): ReviewState {
  return { ...state, replied: [...new Set([...state.replied, ...ids])] };
}

/** The resolved findings that had an inline thread and have not had a reply on it yet. */
export function resolvedNeedingReply(previous: ReviewState | undefined, resolved: readonly ResolvedFinding[]): string[] {
  if (!previous) return [];
  const withThread = new Set(previous.findings.filter((f) => f.inline).map((f) => f.id));
  const replied = new Set(previous.replied);
  return resolved.map((r) => r.id).filter((id) => withThread.has(id) && !replied.has(id));
}
