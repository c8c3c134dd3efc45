import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AgentSource } from '../agents/catalog.js';
import { readAgentDir } from '../agents/load.js';
import { DEFAULT_AGENTS_PATH, agentEditNotice, assembleCatalog } from '../catalog.js';
import type { ChangeSet } from '../changeset/types.js';
import { parseUnifiedDiff } from '../changeset/diff.js';
import { contentWanted, review, withContent } from '../engine.js';
import { agentsAtCommit, assertGitRepository, changeSetFromGit, readFilesAt } from '../git/local.js';
import { renderMarkdown } from '../render/markdown.js';
import { gateFails } from '../settings.js';
import { USAGE, UsageError, parseCliArgs, type ReviewArgs } from './args.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function loadChangeSet(args: ReviewArgs, io: CliIo, repo: string): Promise<ChangeSet> {
  const title = args.titleFile ? (await readText(args.titleFile, 'title file')).trim() : args.title;
  const body = args.bodyFile ? await readText(args.bodyFile, 'body file') : args.body;
  if (args.source.kind === 'git') {
    await assertGitRepository(repo);
    return changeSetFromGit(repo, args.source.base, args.source.head, {
      ...(title === undefined ? {} : { title }),
      ...(body === undefined ? {} : { body }),
    });
  }
  const text = args.source.file === '-' ? await io.readStdin() : await readText(args.source.file, 'diff');
  const where = args.source.file === '-' ? 'standard input' : args.source.file;
  if (text.trim() === '') throw new UsageError(`the diff on ${where} is empty: nothing to review (check the refs that produced it)`);
  const { files, skipped } = parseUnifiedDiff(text);
  if (files.length === 0 && skipped.length === 0) throw new UsageError(`${where} is not a unified diff (no file headers or hunks found)`);
  return { pr: { title: title ?? '', body: body ?? '', labels: [], fork: false }, files, skipped };
}

/**
 * The repository's own agents: an explicit --agents folder; else, for git refs, the agents folder at
 * the base commit (the change cannot alter its reviewers); else the working tree's agents folder.
 */
async function ownAgents(args: ReviewArgs, repo: string, changeSet: ChangeSet): Promise<AgentSource[]> {
  if (args.agents !== undefined) {
    const dir = resolve(args.agents);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`--agents ${args.agents} is not a folder`);
    return readAgentDir(dir, 'repository', { displayDir: args.agents });
  }
  if (args.source.kind === 'git' && changeSet.pr.baseSha) {
    const files = await agentsAtCommit(repo, changeSet.pr.baseSha, DEFAULT_AGENTS_PATH);
    return files.map((f) => ({ ...f, origin: 'repository' as const }));
  }
  return readAgentDir(join(repo, DEFAULT_AGENTS_PATH), 'repository', { displayDir: DEFAULT_AGENTS_PATH });
}

async function writeReportFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new UsageError(`cannot write the report to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function reviewCommand(args: ReviewArgs, io: CliIo): Promise<number> {
  const repo = resolve(args.repo);
  const changeSet = await loadChangeSet(args, io, repo);
  const catalog = await assembleCatalog(await ownAgents(args, repo, changeSet), args.builtinAgents);
  for (const problem of catalog.problems) io.stderr(`warning: ${problem}`);
  const notices = [...catalog.problems, ...(args.agents === undefined ? agentEditNotice(changeSet, DEFAULT_AGENTS_PATH) : [])];
  // In git mode the head commit is at hand: rules that want whole files get them.
  const wanted = args.source.kind === 'git' && changeSet.pr.headSha ? contentWanted(changeSet, catalog.agents) : [];
  const contents = wanted.length > 0 ? await readFilesAt(repo, changeSet.pr.headSha ?? '', wanted) : new Map<string, string>();
  const report = review(withContent(changeSet, contents), catalog.agents, notices);
  if (args.output) await writeReportFile(args.output, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout(args.format === 'json' ? JSON.stringify(report, null, 2) : renderMarkdown(report, { maxLength: Number.MAX_SAFE_INTEGER, marker: false }));
  return gateFails(args.failOn, report.status) ? 1 : 0;
}

/** The CLI: returns the exit code; prints through `io`. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    return await reviewCommand(args, io);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'unknown error';
    io.stderr(`architect-review: ${message}`);
    return 2;
  }
}
