import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { capChars } from '../render/escape.js';
import { SEVERITY_RANK } from '../report/types.js';

/**
 * What the sticky comment remembers between runs, hidden at its very end: the head reviewed and the
 * findings reported, so a new push posts only what is new and can say what was fixed. Data only: the
 * renderer escapes anything from here it shows, like any other finding text.
 */

/** Starts the hidden state comment; the payload is gzipped JSON in base64url, which cannot contain `-->`. */
export const STATE_PREFIX = '<!-- architect-review:state ';
const STATE_SUFFIX = ' -->';
/** The encoded state stays under this many characters (a quarter of GitHub's comment limit). */
export const STATE_MAX_LENGTH = 16_000;
/** A payload that inflates past this is refused rather than parsed. */
const MAX_INFLATED_BYTES = 1 << 20;
/** Longer titles are cut when stored: they are only shown again, struck through, once fixed. */
const STORED_TITLE_LENGTH = 200;
/** The most recent reply ids kept; older ones only guard against replying twice to long-fixed findings. */
const STORED_REPLIED = 500;

const StoredFindingSchema = z.object({
  id: z.string().min(1).max(200),
  file: z.string().max(4096),
  line: z.number().int().positive().optional(),
  severity: z.enum(['high', 'medium', 'low']),
  title: z.string().max(1000),
  rule: z.string().max(200),
  source: z.enum(['check', 'llm']),
  /** The agent that reported it (absent in states written before it was recorded). */
  agent: z.string().max(200).optional(),
  /** The kind of finding (absent in older states: taken as a problem). */
  kind: z.enum(['problem', 'question']).optional(),
  /** An inline comment (a review thread) was posted for it. */
  inline: z.boolean(),
});

const ReviewStateSchema = z.object({
  v: z.literal(1),
  headSha: z.string().max(100),
  baseSha: z.string().max(100),
  findings: z.array(StoredFindingSchema).max(10_000),
  /** Ids of resolved findings whose inline thread got a reply; kept while they stay resolved. */
  replied: z.array(z.string().max(200)).max(10_000),
  /** Whether that run had the LLM reviewer (absent in older states: unknown, so the next one is full). */
  llm: z.boolean().optional(),
  /** Routed files the LLM reviewer did not see on that run (budget, a failed call). */
  llmPending: z.array(z.string().max(4096)).max(3_000).optional(),
});

export type StoredFinding = z.infer<typeof StoredFindingSchema>;
export type ReviewState = z.infer<typeof ReviewStateSchema>;


function wrap(state: ReviewState): string {
  const json = JSON.stringify(state);
  return `${STATE_PREFIX}${gzipSync(Buffer.from(json, 'utf8')).toString('base64url')}${STATE_SUFFIX}`;
}

/** The findings' indexes in the order they are kept when the state must shrink: posted threads, then the most severe. */
function keepOrder(findings: readonly StoredFinding[]): number[] {
  return findings
    .map((f, index) => ({ f, index }))
    .sort((a, b) => Number(b.f.inline) - Number(a.f.inline) || SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.index - b.index)
    .map(({ index }) => index);
}

/** Only the stored fields, the title cut short; undefined for one that would make the whole state unreadable. */
function storable(f: StoredFinding): StoredFinding | undefined {
  const title = capChars(f.title, STORED_TITLE_LENGTH);
  const picked = {
    id: f.id, file: f.file, ...(f.line === undefined ? {} : { line: f.line }), severity: f.severity, title, rule: f.rule, source: f.source,
    ...(f.agent === undefined ? {} : { agent: f.agent }), ...(f.kind === undefined ? {} : { kind: f.kind }), inline: f.inline,
  };
  return StoredFindingSchema.safeParse(picked).success ? picked : undefined;
}

/**
 * The state as one hidden HTML comment for the end of the sticky comment, under STATE_MAX_LENGTH.
 * When it does not fit, findings with inline threads are kept first (forgetting one would post it
 * again), then the most severe; a forgotten finding is simply treated as new if it is seen again.
 */
export function encodeState(state: ReviewState): string {
  const base: ReviewState = {
    v: 1,
    headSha: state.headSha.slice(0, 100),
    baseSha: state.baseSha.slice(0, 100),
    findings: state.findings.flatMap((f) => storable(f) ?? []),
    replied: state.replied.slice(-STORED_REPLIED),
    ...(state.llm === undefined ? {} : { llm: state.llm }),
    ...(state.llmPending === undefined ? {} : { llmPending: state.llmPending.slice(0, 3_000) }),
  };
  const whole = wrap(base);
  if (whole.length <= STATE_MAX_LENGTH) return whole;
  // Compressed size grows with the count kept, so the largest count that fits is found by bisection.
  const order = keepOrder(base.findings);
  const fits = (n: number): string | undefined => {
    const kept = new Set(order.slice(0, n));
    const text = wrap({ ...base, findings: base.findings.filter((_, i) => kept.has(i)) });
    return text.length <= STATE_MAX_LENGTH ? text : undefined;
  };
  let best = fits(0) ?? wrap({ ...base, findings: [], replied: [] });
  let low = 1;
  let high = base.findings.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const text = fits(mid);
    if (text === undefined) {
      high = mid - 1;
    } else {
      best = text;
      low = mid + 1;
    }
  }
  return best;
}

/**
 * The state hidden at the very end of a comment body, or undefined when there is none or it is not
 * one this version wrote: garbage, another version, an oversize payload. Never throws. Only a state
 * that ends the body counts, so a file name quoting the marker higher up cannot pass for it.
 */
export function decodeState(body: string): ReviewState | undefined {
  const start = body.lastIndexOf(STATE_PREFIX);
  if (start < 0) return undefined;
  const rest = body.slice(start).trimEnd();
  if (rest.length > STATE_MAX_LENGTH || !rest.endsWith(STATE_SUFFIX)) return undefined;
  const payload = rest.slice(STATE_PREFIX.length, -STATE_SUFFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  let data: unknown;
  try {
    const json = gunzipSync(Buffer.from(payload, 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    data = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = ReviewStateSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
