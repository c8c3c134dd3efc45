import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';

/** GitHub lists at most this many files in a comparison; a list this long may be cut. */
export const COMPARE_FILE_CAP = 300;

export type ChangedSince = { kind: 'ok'; files: string[] } | { kind: 'full'; reason: string };

const short = (sha: string): string => sha.slice(0, 7);

/** Why a status other than `ahead` needs a full review, in the words a PR author would use. */
function statusReason(status: string, fromSha: string): string {
  if (status === 'diverged') return `the branch was force-pushed since the last review (${short(fromSha)})`;
  if (status === 'behind') return `the branch was reset to an earlier commit since the last review (${short(fromSha)})`;
  return `GitHub compared the last reviewed commit ${short(fromSha)} with an unexpected status "${status}"`;
}

function errorReason(error: unknown, fromSha: string): string {
  const status = statusOf(error);
  if (status === 404) return `the last reviewed commit ${short(fromSha)} is no longer in the repository (the branch was probably force-pushed)`;
  if (status === 422) return `GitHub cannot compare the last reviewed commit ${short(fromSha)} with this one (no common history)`;
  return `the changes since the last review (${short(fromSha)}) could not be listed: ${(error as Error).message}`;
}

/**
 * The files changed between the last reviewed head and this one, with the old names of renamed files;
 * or, when that cannot be known for sure (a force-push, an unknown commit, a cut list, any error),
 * `full` with a reason to show: the caller then reviews everything. Never throws.
 */
export async function changedSince(
  client: GitHubClient,
  target: { owner: string; repo: string },
  fromSha: string,
  toSha: string,
): Promise<ChangedSince> {
  if (fromSha === '') return { kind: 'full', reason: 'no earlier reviewed commit is recorded' };
  if (fromSha === toSha) return { kind: 'ok', files: [] };
  try {
    // One commit a page: the file list (on the first page only) is what is wanted, not the commits.
    const { data } = await client.rest.repos.compareCommitsWithBasehead({ ...target, basehead: `${fromSha}...${toSha}`, per_page: 1 });
    if (data.status === 'identical') return { kind: 'ok', files: [] };
    if (data.status !== 'ahead') return { kind: 'full', reason: statusReason(data.status, fromSha) };
    const files = data.files ?? [];
    if (files.length >= COMPARE_FILE_CAP) {
      return { kind: 'full', reason: `${COMPARE_FILE_CAP} or more files changed since the last review (${short(fromSha)}), more than GitHub lists` };
    }
    const paths = files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
    return { kind: 'ok', files: [...new Set(paths)] };
  } catch (error) {
    return { kind: 'full', reason: errorReason(error, fromSha) };
  }
}
