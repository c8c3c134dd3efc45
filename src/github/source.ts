import type { ChangeSet, FileStatus, PullRequestInfo, SkippedFile } from '../changeset/types.js';
import { buildChangedFile, parsePatch } from '../changeset/diff.js';
import type { GitHubClient } from './client.js';

/** GitHub lists at most this many files of a pull request. */
export const FILE_LIST_CAP = 3000;

const STATUSES: Record<string, FileStatus> = {
  added: 'added', modified: 'modified', changed: 'modified', removed: 'removed', renamed: 'renamed', copied: 'copied',
};

/** The pull request's changes from the files API: 100 a page, up to GitHub's cap of 3000 files. */
export async function changeSetFromPullRequest(
  client: GitHubClient,
  target: { owner: string; repo: string; changedFiles?: number },
  pr: PullRequestInfo,
): Promise<{ changeSet: ChangeSet; notices: string[] }> {
  const listed = await client.paginate(client.rest.pulls.listFiles, {
    owner: target.owner,
    repo: target.repo,
    pull_number: pr.number ?? 0,
    per_page: 100,
  });
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
  const total = target.changedFiles ?? listed.length;
  if (total > FILE_LIST_CAP) {
    notices.push(`This pull request changes ${total} files; GitHub lists only the first ${FILE_LIST_CAP}, so ${total - FILE_LIST_CAP} were not reviewed.`);
  }
  return { changeSet: { pr, files, skipped }, notices };
}
