import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PullRequestInfo } from '../changeset/types.js';

/** The pull_request actions that change what there is to review. */
const REVIEW_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

const PullRequestPayload = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().optional(),
  draft: z.boolean().optional(),
  user: z.object({ login: z.string() }).optional(),
  labels: z.array(z.object({ name: z.string() })).optional(),
  head: z.object({ sha: z.string(), repo: z.object({ full_name: z.string() }).nullable().optional() }),
  base: z.object({ sha: z.string(), repo: z.object({ full_name: z.string() }) }),
  changed_files: z.number().int().optional(),
});

export type ActionEvent =
  | { kind: 'pull_request'; owner: string; repo: string; pr: PullRequestInfo & { number: number; baseSha: string; headSha: string }; changedFiles?: number }
  | { kind: 'ignored'; reason: string };

/**
 * The event that started the run, parsed once. Throws, with an actionable message, for an event
 * the action does not handle or a payload that is not what GitHub sends.
 */
export function readEvent(env: NodeJS.ProcessEnv): ActionEvent {
  const name = env.GITHUB_EVENT_NAME;
  const path = env.GITHUB_EVENT_PATH;
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!name || !path) {
    throw new Error('GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: run this as a GitHub Action step, or use the CLI (architect-review review) locally.');
  }
  if (name !== 'pull_request' && name !== 'pull_request_target') {
    throw new Error(`Architect Review does not handle the "${name}" event yet: trigger it on pull_request (types: opened, synchronize, reopened, ready_for_review).`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Could not read the event payload at ${path}: ${(error as Error).message}`, { cause: error });
  }
  const { action, changes } = payload as { action?: unknown; changes?: Record<string, unknown> };
  // An edited title or description can add an ADR link or a trigger phrase: review again.
  const textEdited = action === 'edited' && changes !== undefined && ('title' in changes || 'body' in changes || 'base' in changes);
  if (typeof action === 'string' && !(REVIEW_ACTIONS as readonly string[]).includes(action) && !textEdited) {
    return { kind: 'ignored', reason: `pull_request "${action}" does not change the code under review; nothing to do.` };
  }
  const parsed = PullRequestPayload.safeParse((payload as { pull_request?: unknown }).pull_request);
  if (!parsed.success) {
    throw new Error(`The ${name} event payload has no usable pull_request (${z.prettifyError(parsed.error).replace(/\n/g, ' ')}).`);
  }
  const pr = parsed.data;
  const [owner, repo] = (pr.base.repo.full_name || repository).split('/');
  if (!owner || !repo) throw new Error(`Cannot tell the repository from the event payload or GITHUB_REPOSITORY ("${repository}").`);
  return {
    kind: 'pull_request',
    owner,
    repo,
    ...(pr.changed_files === undefined ? {} : { changedFiles: pr.changed_files }),
    pr: {
      number: pr.number,
      title: pr.title,
      body: pr.body ?? '',
      labels: (pr.labels ?? []).map((l) => l.name),
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      ...(pr.user ? { author: pr.user.login } : {}),
      fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
    },
  };
}
