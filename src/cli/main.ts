import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildCatalog } from '../agents/catalog.js';
import { bundledAgentsDir, readAgentDir } from '../agents/load.js';
import type { ChangeSet } from '../changeset/types.js';
import { parseUnifiedDiff } from '../changeset/diff.js';
import { review } from '../engine.js';
import { changeSetFromGit } from '../git/local.js';
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
    return changeSetFromGit(repo, args.source.base, args.source.head, {
      ...(title === undefined ? {} : { title }),
      ...(body === undefined ? {} : { body }),
    });
  }
  const text = args.source.file === '-' ? await io.readStdin() : await readText(args.source.file, 'diff');
  const { files, skipped } = parseUnifiedDiff(text);
  if (files.length === 0 && skipped.length === 0 && text.trim() !== '') {
    throw new UsageError(`${args.source.file === '-' ? 'standard input' : args.source.file} is not a unified diff (no file headers or hunks found)`);
  }
  return { pr: { title: title ?? '', body: body ?? '', labels: [], fork: false }, files, skipped };
}

async function reviewCommand(args: ReviewArgs, io: CliIo): Promise<number> {
  const repo = resolve(args.repo);
  const [changeSet, bundled, own] = await Promise.all([
    loadChangeSet(args, io, repo),
    args.builtinAgents ? readAgentDir(bundledAgentsDir(), 'bundled') : Promise.resolve([]),
    readAgentDir(args.agents ?? join(repo, '.github/architect-review/agents'), 'repository'),
  ]);
  const catalog = buildCatalog([...bundled, ...own]);
  for (const problem of catalog.problems) io.stderr(`warning: ${problem}`);
  const report = review(changeSet, catalog.agents, catalog.problems);
  if (args.output) await writeFile(args.output, `${JSON.stringify(report, null, 2)}\n`);
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
