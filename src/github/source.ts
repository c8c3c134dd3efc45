import type { ChangeSet, FileStatus, PullRequestInfo, SkippedFile } from '../changeset/types.js';
import { buildChangedFile, parsePatch } from '../changeset/diff.js';
import type { GitHubClient } from './client.js';
import { mapConcurrently } from '../concurrency.js';

/** GitHub lists at most this many files of a pull request. */
export const FILE_LIST_CAP = 3000;
const PAGE_SIZE = 100;
/** Pages fetched at once: enough to hide GitHub's latency, few enough to stay clear of secondary limits. */
const PAGE_CONCURRENCY = 6;

const STATUSES: Record<string, FileStatus> = {
  added: 'added', modified: 'modified', changed: 'modified', removed: 'removed', renamed: 'renamed', copied: 'copied',
};

type ListedFile = Awaited<ReturnType<GitHubClient['rest']['pulls']['listFiles']>>['data'][number];
interface Target {
  owner: string;
  repo: string;
  changedFiles?: number;
}

/**
 * The pull request's files, 100 a page. When the event says how many files there are, the pages
 * are fetched a few at a time instead of one after another (the same number of requests); should
 * the last expected page be full (a push since the event), it reads on until a short page.
 */
async function listFiles(client: GitHubClient, target: Target, pullNumber: number): Promise<ListedFile[]> {
  const page = async (n: number): Promise<ListedFile[]> =>
    (await client.rest.pulls.listFiles({ owner: target.owner, repo: target.repo, pull_number: pullNumber, per_page: PAGE_SIZE, page: n })).data;
  const maxPages = FILE_LIST_CAP / PAGE_SIZE;
  const expected = Math.min(maxPages, Math.max(1, Math.ceil((target.changedFiles ?? 0) / PAGE_SIZE)));
  const pages = await mapConcurrently(Array.from({ length: expected }, (_, i) => i + 1), PAGE_CONCURRENCY, page);
  for (let n = expected + 1; n <= maxPages && pages[pages.length - 1]?.length === PAGE_SIZE; n++) pages.push(await page(n));
  return pages.flat();
}

/** The pull request's changes from the files API: 100 a page, up to GitHub's cap of 3000 files. */
export async function changeSetFromPullRequest(
  client: GitHubClient,
  target: Target,
  pr: PullRequestInfo,
): Promise<{ changeSet: ChangeSet; notices: string[] }> {
  const listed = await listFiles(client, target, pr.number ?? 0);
  const files: ChangeSet['files'] = [];
  const skipped: SkippedFile[] = [];
  for (const f of listed.slice(0, FILE_LIST_CAP)) {
    const status = STATUSES[f.status] ?? 'modified';
    if (f.patch === undefined || f.patch === '') {
      if (f.changes > 0) {
        skipped.push({ path: f.filename, reason: 'no patch from GitHub (binary, or the diff is too large to show)' });
        continue;
      }
      if (status !== 'renamed' && status !== 'removed') {
        skipped.push({ path: f.filename, reason: 'no patch from GitHub (binary or empty file)' });
        continue;
      }
    }
    files.push(buildChangedFile(f.filename, status, parsePatch(f.patch ?? ''), f.previous_filename));
  }
  const notices: string[] = [];
  const total = Math.max(target.changedFiles ?? 0, listed.length);
  if (total > FILE_LIST_CAP) {
    notices.push(`This pull request changes ${total} files; GitHub lists only the first ${FILE_LIST_CAP}, so ${total - FILE_LIST_CAP} were not reviewed.`);
  }
  return { changeSet: { pr, files, skipped }, notices };
}
