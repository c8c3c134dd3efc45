/**
 * The review as a check run with line annotations. GitHub takes at most 50 annotations per request:
 * the run is created completed with the first 50 and updated with the rest, 50 at a time.
 * Neither write is idempotent (a second POST makes a second run, a second PATCH appends the batch twice),
 * so neither is retried blindly: after a 5xx we look whether the write landed before sending it again.
 */
import { randomUUID } from 'node:crypto';
import type { Status } from '../agents/types.js';
import type { Finding } from '../report/types.js';
import { capChars } from '../render/escape.js';
import { gateFails, type FailOn } from '../settings.js';
import { annotationLines, annotationMessage, bySeverity } from './annotations.js';
import { NO_RETRY, isForbidden, writeOnce, type GitHubClient } from './client.js';

export const CHECK_NAME = 'Architect Review';
export const ANNOTATIONS_PER_REQUEST = 50;
/** `output.summary` and `output.text`: 65535 characters each. */
export const MAX_OUTPUT_TEXT = 65_535;
/** An annotation's `title`: 255 characters. */
export const MAX_ANNOTATION_TITLE = 255;
/** An annotation's `message` and `raw_details`: 64 KB each (counted here in UTF-8 bytes, the stricter reading). */
export const MAX_ANNOTATION_BYTES = 65_535;
const TRUNCATED = '\n\n… (truncated to fit GitHub\'s check run limit)';

export type CheckConclusion = 'success' | 'failure' | 'neutral';
export type CheckAnnotationLevel = 'failure' | 'warning' | 'notice';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: CheckAnnotationLevel;
  title: string;
  message: string;
  raw_details?: string;
}

export interface CheckRunTarget {
  owner: string;
  repo: string;
}

export interface CheckRunInput {
  /** The pull request's head commit (not the merge commit `GITHUB_SHA` points at). */
  headSha: string;
  name?: string;
  conclusion: CheckConclusion;
  title: string;
  /** Markdown; cut to 65535 characters. */
  summary: string;
  text?: string;
  findings: readonly Finding[];
}

export type CheckRunResult =
  | { kind: 'created'; id: number; url: string; annotations: number }
  | { kind: 'forbidden'; message: string };

interface Output {
  title: string;
  summary: string;
  text?: string;
}

const LEVEL: Record<Finding['severity'], CheckAnnotationLevel> = { high: 'failure', medium: 'warning', low: 'notice' };

/** The check run's conclusion: `failure` when the gate fails the run, `success` when all is well, `neutral` otherwise. */
export function checkConclusion(failOn: FailOn, status: Status): CheckConclusion {
  if (gateFails(failOn, status)) return 'failure';
  return status === 'ok' ? 'success' : 'neutral';
}

/** One finding as a check-run annotation, its text cut to GitHub's limits; a file-level finding sits on line 1. */
export function toCheckAnnotation(finding: Finding): CheckAnnotation {
  const { startLine, endLine } = annotationLines(finding);
  const annotation: CheckAnnotation = {
    path: finding.file,
    start_line: startLine,
    end_line: endLine,
    annotation_level: LEVEL[finding.severity],
    title: capChars(finding.title, MAX_ANNOTATION_TITLE, '…'),
    message: capBytes(annotationMessage(finding), MAX_ANNOTATION_BYTES),
  };
  if (finding.suggestion !== undefined) annotation.raw_details = capBytes(`Suggested replacement:\n${finding.suggestion}`, MAX_ANNOTATION_BYTES);
  return annotation;
}

/**
 * Creates the completed check run on `headSha` with every finding as an annotation, most severe first.
 * A 403 on creation (a read-only token, as on fork pull requests) is returned as `forbidden`, not thrown:
 * the caller falls back to workflow annotations.
 */
export async function publishCheckRun(client: GitHubClient, target: CheckRunTarget, input: CheckRunInput): Promise<CheckRunResult> {
  const name = input.name ?? CHECK_NAME;
  const output: Output = { title: input.title, summary: capChars(input.summary, MAX_OUTPUT_TEXT, TRUNCATED) };
  if (input.text !== undefined) output.text = capChars(input.text, MAX_OUTPUT_TEXT, TRUNCATED);
  const batches = chunk(bySeverity(input.findings).map(toCheckAnnotation), ANNOTATIONS_PER_REQUEST);
  let run: { id: number; html_url: string | null };
  try {
    run = await createRun(client, target, { name, headSha: input.headSha, conclusion: input.conclusion, output, annotations: batches[0] ?? [] });
  } catch (error) {
    if (isForbidden(error)) return { kind: 'forbidden', message: (error as Error).message };
    throw new Error(`Could not create the check run "${name}" on ${input.headSha}: ${(error as Error).message}`, { cause: error });
  }
  let sent = batches[0]?.length ?? 0;
  for (const batch of batches.slice(1)) {
    try {
      await appendAnnotations(client, target, { id: run.id, output, batch, before: sent });
    } catch (error) {
      throw new Error(`Created the check run "${name}" (${run.id}) but could not add annotations ${sent + 1}–${sent + batch.length}: ${(error as Error).message}`, { cause: error });
    }
    sent += batch.length;
  }
  return { kind: 'created', id: run.id, url: run.html_url ?? '', annotations: sent };
}

interface CreateParams {
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  output: Output;
  annotations: CheckAnnotation[];
}

/** POSTs the run once; after a 5xx, finds it by its `external_id` among the commit's runs of that name before re-posting. */
async function createRun(client: GitHubClient, target: CheckRunTarget, params: CreateParams): Promise<{ id: number; html_url: string | null }> {
  const externalId = randomUUID();
  const send = async () => {
    const { data } = await client.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      name: params.name,
      head_sha: params.headSha,
      external_id: externalId,
      status: 'completed',
      conclusion: params.conclusion,
      completed_at: new Date().toISOString(),
      output: { ...params.output, annotations: params.annotations },
      request: NO_RETRY,
    });
    return data;
  };
  const landed = async () => {
    const runs = await client.paginate(client.rest.checks.listForRef, {
      owner: target.owner, repo: target.repo, ref: params.headSha, check_name: params.name, filter: 'all', per_page: 100,
    });
    return runs.find((r) => r.external_id === externalId && r.head_sha === params.headSha);
  };
  return writeOnce(send, landed);
}

/** PATCHes one batch once; after a 5xx, reads the run's annotation count to tell whether the batch landed. */
async function appendAnnotations(
  client: GitHubClient,
  target: CheckRunTarget,
  params: { id: number; output: Output; batch: CheckAnnotation[]; before: number },
): Promise<void> {
  const send = async () => {
    await client.rest.checks.update({
      owner: target.owner, repo: target.repo, check_run_id: params.id, output: { ...params.output, annotations: params.batch }, request: NO_RETRY,
    });
    return true;
  };
  const landed = async () => {
    const { data } = await client.rest.checks.get({ owner: target.owner, repo: target.repo, check_run_id: params.id });
    const count = data.output.annotations_count;
    if (count === params.before + params.batch.length) return true;
    if (count === params.before) return undefined;
    throw new Error(`the run has ${count} annotations, expected ${params.before} or ${params.before + params.batch.length}; not re-sending`);
  };
  await writeOnce(send, landed);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** At most `max` UTF-8 bytes, ending in an ellipsis when cut, never splitting a character. */
function capBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  return `${bytes.subarray(0, max - 3).toString('utf8').replace(/\uFFFD+$/, '')}…`;
}
