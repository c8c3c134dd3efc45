/**
 * Budget → chunks: which routed files each agent's LLM review is sent, in how many calls, and what
 * is left out and why. Pure. Every estimate is `estimateTokens`, and the whole run's estimated input
 * (every call's system prompt in full, since cached tokens are still input) stays within the budget.
 *
 * A file larger than a chunk is sent truncated: whole hunks while they fit, and when even the first
 * hunk does not fit, its first lines. The cut is said in the text the model sees and the file is also
 * listed in `notSent` as "partly sent", so coverage never claims more than was reviewed.
 */
import type { Agent } from '../agents/types.js';
import type { ChangedFile, Hunk } from '../changeset/types.js';
import type { RoutingReason } from '../report/types.js';
import { compareText } from '../compare.js';
import type { Assignment } from '../router/route.js';
import { findSecrets, lineStarts, redactSecrets } from '../security/secrets.js';
import { sanitiseUntrusted } from '../security/sanitise.js';
import { estimateTokens } from './tokens.js';
import type { ChunkFile, PackResult, ReviewChunk } from './types.js';

/**
 * The tokens reserved in every call for the user message's parts other than the files: the PR title
 * and body, the offline findings, the checklist, the delimiters and instructions. prompt.ts caps each
 * of those parts so that together they never exceed this.
 */
export const FRAMING_TOKENS = 5_000;

export interface PackOptions {
  /** The most estimated input tokens of the whole run, over all calls. */
  maxInputTokens: number;
  /** The most estimated input tokens of one call: system prompt, framing and files together. */
  maxChunkTokens: number;
  /** The estimated tokens of an agent's system prompt and tool definition (see prompt.ts `systemTokensOf`). */
  systemTokens: (agent: Agent) => number;
  /** Pack only these paths (incremental re-review); the others are neither sent nor listed as not sent. */
  onlyFiles?: ReadonlySet<string>;
}

const REASON_WEIGHT: Record<RoutingReason['kind'], number> = { trigger: 0, path: 2, import: 3, content: 3 };

/** Each file the routing reasons name, with the kinds of reason naming it; and whether a trigger phrase routed the agent. */
function reasonKinds(reasons: readonly RoutingReason[]): { byPath: Map<string, Set<RoutingReason['kind']>>; trigger: boolean } {
  const byPath = new Map<string, Set<RoutingReason['kind']>>();
  for (const reason of reasons) {
    for (const path of reason.files) {
      const kinds = byPath.get(path) ?? new Set();
      kinds.add(reason.kind);
      byPath.set(path, kinds);
    }
  }
  return { byPath, trigger: reasons.some((r) => r.kind === 'trigger') };
}

/** The score of a file named by reasons of `kinds` (none: a trigger phrase alone ranks it above nothing). */
function score(kinds: ReadonlySet<RoutingReason['kind']> | undefined, trigger: boolean): number {
  if (!kinds) return trigger ? 1 : 0;
  let sum = 0;
  for (const kind of kinds) sum += REASON_WEIGHT[kind];
  return sum;
}

/**
 * How strongly the routing reasons point at `file`: a content or import signal weighs more than a
 * path glob, both together more than either, and a trigger phrase alone (which names no file) least.
 */
export function filePriority(file: ChangedFile, reasons: readonly RoutingReason[]): number {
  const { byPath, trigger } = reasonKinds(reasons);
  return score(byPath.get(file.path), trigger);
}

/** The agent's files, strongest reasons first; ties go to the bigger change, then to the path (stable). */
function byPriority(assignment: Assignment): ChangedFile[] {
  const { byPath, trigger } = reasonKinds(assignment.reasons);
  const scored = assignment.files.map((file) => ({ file, score: score(byPath.get(file.path), trigger) }));
  scored.sort((a, b) => b.score - a.score || b.file.additions - a.file.additions || compareText(a.file.path, b.file.path));
  return scored.map((s) => s.file);
}

/** One line of untrusted text, made safe to show: hidden markup and invisible characters gone, on one line. */
function cleanLine(text: string): string {
  return sanitiseUntrusted(text).replace(/[\r\n]+/g, ' ');
}

/**
 * Secrets redacted in place, line by line: found in the lines as one text (so a secret spanning
 * lines, a PEM key, is caught whole), then each line's share of it replaced, so numbering stays true.
 */
function redactLines(lines: readonly string[]): string[] {
  const out = [...lines];
  const starts = lineStarts(lines);
  const spans = findSecrets(lines.join('\n')).sort((a, b) => b.start - a.start);
  for (const { kind, start, end } of spans) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const from = Math.max(start, starts[i] ?? 0) - (starts[i] ?? 0);
      const to = Math.min(end, (starts[i] ?? 0) + (lines[i]?.length ?? 0)) - (starts[i] ?? 0);
      if (to <= from) continue;
      const line = out[i] ?? '';
      out[i] = `${line.slice(0, from)}[REDACTED:${kind}]${line.slice(to)}`;
    }
  }
  return out;
}

/** One line of untrusted text made safe to show, secrets redacted: a path, a hunk's header. */
function cleanText(text: string): string {
  return redactSecrets(cleanLine(text)).text;
}

/** Lines made safe to show: each sanitised on its own, then secrets redacted. */
function cleanLines(lines: readonly string[]): string[] {
  return redactLines(lines.map(cleanLine));
}

function hunkHeading(hunk: Hunk): string {
  const header = hunk.header ? ` ${cleanText(hunk.header)}` : '';
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@${header}`;
}

function lineLabel(kind: 'add' | 'del' | 'context', oldLine?: number, newLine?: number): string {
  if (kind === 'del') return `-${oldLine ?? '?'} -`;
  return `${newLine ?? '?'} ${kind === 'add' ? '+' : ' '}`;
}

/** One hunk as numbered text, or its first `maxLines` lines. */
function renderHunk(hunk: Hunk, maxLines = hunk.lines.length): string {
  const lines = hunk.lines.slice(0, maxLines);
  const texts = cleanLines(lines.map((l) => l.text));
  const labels = lines.map((l) => lineLabel(l.kind, l.oldLine, l.newLine));
  const width = Math.max(0, ...labels.map((l) => l.length));
  const body = lines.map((_, i) => `${(labels[i] ?? '').padStart(width)} ${texts[i] ?? ''}`);
  return [hunkHeading(hunk), ...body].join('\n');
}

/**
 * The file's hunks as the model sees them, sanitised and secret-redacted: a `@@` header per hunk, then
 * each line labelled with its head line number and `+` (added) or ` ` (context), or with `-` and its
 * base line number for a removed line, so the model can only cite lines that exist.
 */
export function renderHunks(file: ChangedFile): string {
  return file.hunks.map((h) => renderHunk(h)).join('\n');
}

/** Each file's hunks rendered once and kept: a file routed to several agents, or cut to fit, reuses them. */
type RenderedHunks = (file: ChangedFile) => readonly string[];

function renderedHunks(): RenderedHunks {
  const rendered = new Map<ChangedFile, string[]>();
  return (file) => {
    let hunks = rendered.get(file);
    if (!hunks) {
      hunks = file.hunks.map((h) => renderHunk(h));
      rendered.set(file, hunks);
    }
    return hunks;
  };
}

/** The line that opens a file in the diff block: its path (sanitised) and what happened to it. */
function fileHeading(file: ChangedFile): string {
  const from = file.previousPath === undefined ? '' : ` from ${cleanText(file.previousPath)}`;
  return `### File: ${cleanText(file.path)} (${file.status}${from})`;
}

/** A file's share of a call, estimated with the blank line prompt.ts puts between files. */
function chunkFile(path: string, text: string): ChunkFile {
  return { path, text, estimatedTokens: estimateTokens(`${text}\n\n`) };
}

/** The whole file as one chunk's share: heading and every hunk (`hunks`, its hunks rendered). */
function wholeFile(file: ChangedFile, hunks: readonly string[]): ChunkFile {
  return chunkFile(file.path, `${fileHeading(file)}\n${hunks.join('\n')}`);
}

interface Prepared {
  file: ChunkFile;
  /** Set when the file was cut to fit a chunk: what was left out. */
  cut?: string;
}

/** The largest n in 1..count whose text fits `room` (binary search: text grows with n), or 0. */
function longestFitting(count: number, room: number, textOf: (n: number) => string): number {
  const fits = (n: number) => estimateTokens(`${textOf(n)}\n\n`) <= room;
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The file cut to fit `room` tokens: whole hunks while they fit, else the first hunk's first lines. */
function truncated(file: ChangedFile, rendered: readonly string[], room: number): Prepared | undefined {
  const heading = fileHeading(file);
  const hunks = file.hunks.length;
  const cutNote = (shown: string) => `[… the rest of this file was not sent: it is larger than one review call. ${shown}]`;
  const withHunks = (n: number) =>
    `${heading}\n${rendered.slice(0, n).join('\n')}\n${cutNote(`Only the first ${n} of ${hunks} hunks are shown.`)}`;
  const n = longestFitting(hunks - 1, room, withHunks);
  if (n > 0) return { file: chunkFile(file.path, withHunks(n)), cut: `partly sent: only the first ${n} of ${hunks} hunks fit in one review call` };
  const first = file.hunks[0];
  if (!first) return undefined;
  const lastShown = (m: number) => first.lines.slice(0, m).reduce((acc, l) => l.newLine ?? acc, first.newStart);
  const withLines = (m: number) => `${heading}\n${renderHunk(first, m)}\n${cutNote(`Shown up to head line ${lastShown(m)}.`)}`;
  const m = longestFitting(first.lines.length, room, withLines);
  if (m === 0) return undefined;
  return { file: chunkFile(file.path, withLines(m)), cut: `partly sent: cut after head line ${lastShown(m)} to fit in one review call` };
}

interface AgentState {
  agent: Agent;
  /** Per call: system prompt and framing. */
  overhead: number;
  /** Room for files in one call. */
  room: number;
  queue: Prepared[];
  chunks: ChunkFile[][];
  /** Its turns so far, in tokens: what it was sent, plus the files that did not fit (so turns move on). */
  spent: number;
}

function chunkTokens(files: readonly ChunkFile[]): number {
  return files.reduce((sum, f) => sum + f.estimatedTokens, 0);
}

/** The agent's files in priority order, prepared (and cut where too big); the unsendable ones in `notSent`. */
function prepare(assignment: Assignment, options: PackOptions, notSent: PackResult['notSent'], rendered: RenderedHunks): AgentState {
  const agent = assignment.agent;
  const overhead = options.systemTokens(agent) + FRAMING_TOKENS;
  const room = options.maxChunkTokens - overhead;
  const queue: Prepared[] = [];
  for (const file of byPriority(assignment)) {
    if (options.onlyFiles && !options.onlyFiles.has(file.path)) continue;
    if (room <= 0) {
      notSent.push({ agent: agent.name, file: file.path, reason: `the agent's prompt alone fills one review call (about ${overhead} of ${options.maxChunkTokens} tokens)` });
      continue;
    }
    const hunks = rendered(file);
    const whole = wholeFile(file, hunks);
    const prepared = whole.estimatedTokens <= room ? { file: whole } : truncated(file, hunks, room);
    if (prepared) queue.push(prepared);
    else notSent.push({ agent: agent.name, file: file.path, reason: `file larger than one review call (about ${whole.estimatedTokens} tokens; a call has room for ${room})` });
  }
  return { agent, overhead, room, queue, chunks: [], spent: 0 };
}

/** The agent that has spent least so far and still has files: agents share the budget, none takes it all. */
function nextAgent(states: readonly AgentState[]): AgentState | undefined {
  let pick: AgentState | undefined;
  for (const state of states) {
    if (state.queue.length === 0) continue;
    if (!pick || state.spent < pick.spent) pick = state;
  }
  return pick;
}

/**
 * Packs each agent's routed files into review calls: by priority, each call within `maxChunkTokens`,
 * the whole run within `maxInputTokens`. Agents take turns (the one that has spent least goes next), so
 * the budget is shared fairly. A file that does not fit is listed in `notSent` with why.
 */
export function packReview(assignments: readonly Assignment[], options: PackOptions): PackResult {
  const notSent: PackResult['notSent'] = [];
  const rendered = renderedHunks();
  const states = assignments.map((a) => prepare(a, options, notSent, rendered));
  let total = 0;
  for (let state = nextAgent(states); state; state = nextAgent(states)) {
    const next = state.queue.shift();
    if (!next) continue;
    const { file } = next;
    const open = state.chunks.find((c) => chunkTokens(c) + file.estimatedTokens <= state.room);
    const cost = open ? file.estimatedTokens : state.overhead + file.estimatedTokens;
    if (total + cost > options.maxInputTokens) {
      notSent.push({ agent: state.agent.name, file: file.path, reason: `over the max-input-tokens budget (${options.maxInputTokens} tokens for the whole run)` });
      // Nothing was sent, but the turn counts: the other agents go next; a smaller file may still fit later.
      state.spent += file.estimatedTokens;
      continue;
    }
    if (open) open.push(file);
    else state.chunks.push([file]);
    total += cost;
    state.spent += cost;
    if (next.cut) notSent.push({ agent: state.agent.name, file: file.path, reason: next.cut });
  }
  return { chunks: states.flatMap(toChunks), notSent: inAgentOrder(notSent, assignments) };
}

function toChunks(state: AgentState): ReviewChunk[] {
  return state.chunks.map((files, index) => ({
    agent: state.agent.name,
    index,
    of: state.chunks.length,
    files,
    estimatedTokens: state.overhead + chunkTokens(files),
  }));
}

function inAgentOrder(notSent: PackResult['notSent'], assignments: readonly Assignment[]): PackResult['notSent'] {
  const order = new Map(assignments.map((a, i) => [a.agent.name, i]));
  return notSent
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => (order.get(a.entry.agent) ?? 0) - (order.get(b.entry.agent) ?? 0) || a.i - b.i)
    .map(({ entry }) => entry);
}

/**
 * What a naive reviewer would send: one call per routed file per agent, each with the agent's full
 * prompt and framing and the whole file. The benchmark's point of comparison.
 */
export function naiveBaselineTokens(assignments: readonly Assignment[], systemTokens: (agent: Agent) => number): number {
  const rendered = renderedHunks();
  let total = 0;
  for (const { agent, files } of assignments) {
    const overhead = systemTokens(agent) + FRAMING_TOKENS;
    for (const file of files) total += overhead + wholeFile(file, rendered(file)).estimatedTokens;
  }
  return total;
}
