/**
 * Test helpers that turn realistic source into a ChangeSet the way production does: a real `git diff`
 * made in a throw-away repository, fed to `parseUnifiedDiff`. Nothing is hand-built, so every test
 * also exercises the diff parser and git's own hunk shapes (3 lines of context, like a PR patch).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseUnifiedDiff } from '../../src/changeset/diff.js';
import type { ChangeSet, ChangedFile, PullRequestInfo } from '../../src/changeset/types.js';

/** One file of a change: absent `before` means added, absent `after` means removed. */
export interface FileChange {
  path: string;
  before?: string | Buffer;
  after?: string | Buffer;
  /** For a rename: where the file was; `before` is its content there. */
  from?: string;
}

// Isolate git from the machine's configuration (aliases, external diff tools, colour, signing).
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

function write(root: string, file: string, content: string | Buffer): void {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}

/** The unified diff git prints for these changes (`git diff -M --cached`, 3 lines of context). */
export function gitDiff(changes: readonly FileChange[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'architect-review-diff-'));
  try {
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'config', 'core.quotePath', 'false');
    for (const change of changes) {
      if (change.before !== undefined) write(root, change.from ?? change.path, change.before);
    }
    // A placeholder so the base commit is never empty.
    write(root, '.base', 'base\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '--no-gpg-sign', '-m', 'base');
    for (const change of changes) {
      if (change.from !== undefined) unlinkSync(path.join(root, change.from));
      else if (change.after === undefined) unlinkSync(path.join(root, change.path));
      if (change.after !== undefined) write(root, change.path, change.after);
    }
    git(root, 'add', '-A');
    return git(root, 'diff', '--cached', '-M', '--no-color', '--no-ext-diff');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The PR description defaults: a neutral title that triggers no agent. */
export function prInfo(pr: Partial<PullRequestInfo> = {}): PullRequestInfo {
  return { title: 'Update service', body: '', labels: [], fork: false, ...pr };
}

/** A ChangeSet from real `git diff` output of these changes. */
export function changeSetOf(changes: readonly FileChange[], pr: Partial<PullRequestInfo> = {}): ChangeSet {
  const { files, skipped } = parseUnifiedDiff(gitDiff(changes));
  return { pr: prInfo(pr), files, skipped };
}

/** The one changed file of a one-file change. */
export function changedFile(change: FileChange): ChangedFile {
  const { files } = changeSetOf([change]);
  const file = files.find((f) => f.path === change.path);
  if (!file) throw new Error(`git diff produced no readable file for ${change.path}`);
  return file;
}

/** A new file with this content. */
export function addedFile(filePath: string, content: string): ChangedFile {
  return changedFile({ path: filePath, after: content });
}

/** Strips the common indentation of a template literal and its first newline, so fixtures read naturally. */
export function src(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** The 1-based line number of the first line of `text` containing `needle`: fixtures say where, not a magic number. */
export function lineOf(text: string, needle: string, occurrence = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.includes(needle) && ++seen === occurrence) return i + 1;
  }
  throw new Error(`"${needle}" not found in fixture`);
}
