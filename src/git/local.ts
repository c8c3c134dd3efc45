import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChangeSet } from '../changeset/types.js';
import { parseUnifiedDiff } from '../changeset/diff.js';

const exec = promisify(execFile);
const MAX_BUFFER = 1024 * 1024 * 1024;

async function git(repo: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-C', repo, ...args], { maxBuffer: MAX_BUFFER, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    throw new Error(`git ${args[0]} failed in ${repo}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

async function verifyCommit(repo: string, ref: string): Promise<string> {
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch (error) {
    throw new Error(`"${ref}" is not a commit in ${repo}: check the ref name (and fetch it, in a shallow clone).`, { cause: error });
  }
}

/**
 * The change from `base` to `head` as a pull request would show it: the diff from their merge base
 * to `head`. Read from git objects only, so it works in a bare clone; user diff settings are overridden.
 */
export async function changeSetFromGit(
  repo: string,
  base: string,
  head: string,
  text: { title?: string; body?: string },
): Promise<ChangeSet> {
  const [baseSha, headSha] = await Promise.all([verifyCommit(repo, base), verifyCommit(repo, head)]);
  const diff = await git(repo, [
    '-c', 'core.quotepath=off', '-c', 'diff.noprefix=false', '-c', 'diff.mnemonicprefix=false',
    'diff', '--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', '--src-prefix=a/', '--dst-prefix=b/',
    `${baseSha}...${headSha}`,
  ]);
  const { files, skipped } = parseUnifiedDiff(diff);
  let title = text.title;
  let body = text.body;
  if (title === undefined || body === undefined) {
    const message = await git(repo, ['log', '-1', '--format=%s%n%b', headSha]);
    const [subject = '', ...rest] = message.split('\n');
    title ??= subject;
    body ??= rest.join('\n').trim();
  }
  return { pr: { title, body, labels: [], baseSha, headSha, fork: false }, files, skipped };
}

/** Whether `dir` is inside a git repository (a work tree or a bare one). */
export async function assertGitRepository(repo: string): Promise<void> {
  try {
    await git(repo, ['rev-parse', '--git-dir']);
  } catch (error) {
    throw new Error(`${repo} is not a git repository (or does not exist): pass --repo DIR, or review a diff with --diff FILE.`, { cause: error });
  }
}

/**
 * The agent files in `dir` as they are at `commit`, read from git objects: the change under review
 * cannot alter the agents that review it, as in the action.
 */
export async function agentsAtCommit(repo: string, commit: string, dir: string): Promise<{ file: string; text: string }[]> {
  const listing = await git(repo, ['ls-tree', '-z', '--name-only', `${commit}`, '--', `${dir}/`]);
  const paths = listing.split('\0').filter((p) => p.toLowerCase().endsWith('.md')).sort();
  return Promise.all(paths.map(async (file) => ({ file, text: await git(repo, ['cat-file', 'blob', `${commit}:${file}`]) })));
}

/**
 * The content of `paths` at `commit`, read in one `git cat-file --batch` run. Files that are missing,
 * binary (a NUL byte) or over 1 MiB are left out.
 */
export async function readFilesAt(repo: string, commit: string, paths: readonly string[]): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  if (paths.length === 0) return contents;
  const output = await new Promise<Buffer>((done, fail) => {
    const child = spawn('git', ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(Buffer.concat(chunks)) : fail(new Error(`git cat-file exited with ${code} in ${repo}`))));
    child.stdin.end(paths.map((p) => `${commit}:${p}\n`).join(''));
  });
  let at = 0;
  for (const path of paths) {
    const eol = output.indexOf(10, at);
    if (eol < 0) break;
    const header = output.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^\S+ (\w+) (\d+)$/.exec(header);
    if (!m) continue; // "<object> missing"
    const size = Number(m[2]);
    const body = output.subarray(at, at + size);
    at += size + 1;
    if (m[1] === 'blob' && size <= 1024 * 1024 && !body.includes(0)) contents.set(path, body.toString('utf8'));
  }
  return contents;
}
