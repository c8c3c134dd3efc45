import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readAgentDir } from '../agents/load.js';
import { DEFAULT_AGENTS_PATH } from '../catalog.js';
import type { ChangeSet } from '../changeset/types.js';
import { parseUnifiedDiff } from '../changeset/diff.js';
import { ConfigError } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { assertGitRepository, changeSetFromGit } from '../git/local.js';
import { GitObjectsReader, WorkingTreeReader } from '../git/reader.js';
import { llmSettings } from '../llm/types.js';
import { reviewChange, type RepositoryReader, type ReviewOptions } from '../pipeline.js';
import type { Report } from '../report/types.js';
import { sarifOptions, toSarif } from '../report/sarif.js';
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
 * Where the configuration and agents come from: git objects at the base commit for --base/--head (the
 * change cannot alter its own review), the working tree for --diff; --config and --agents name a
 * file and a folder on disk explicitly.
 */
async function readerFor(args: ReviewArgs, repo: string, changeSet: ChangeSet): Promise<RepositoryReader> {
  const inner: RepositoryReader =
    args.source.kind === 'git' && changeSet.pr.baseSha && changeSet.pr.headSha
      ? new GitObjectsReader(repo, changeSet.pr.baseSha, changeSet.pr.headSha)
      : new WorkingTreeReader(repo);
  const config = args.config === undefined ? undefined : await readText(args.config, 'config file');
  if (args.agents !== undefined) {
    const info = await stat(resolve(args.agents)).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`--agents ${args.agents} is not a folder`);
  }
  return {
    baseFile: (path) => (config !== undefined && path === args.config ? Promise.resolve(config) : inner.baseFile(path)),
    baseAgents: (dir) =>
      args.agents !== undefined && dir === args.agents
        ? readAgentDir(resolve(args.agents), 'repository', { displayDir: args.agents })
        : inner.baseAgents(dir),
    headFiles: (paths) => inner.headFiles(paths),
  };
}

async function writeReportFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new UsageError(`cannot write the report to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The LLM reviewer's settings when ANTHROPIC_API_KEY is set and --offline is not given; announced on stderr. */
function llmOption(args: ReviewArgs, io: CliIo, env: NodeJS.ProcessEnv): ReviewOptions['llm'] {
  const apiKey = env.ANTHROPIC_API_KEY?.trim() ?? '';
  if (args.offline || apiKey === '') return undefined;
  const settings = llmSettings(
    { apiKey, ...(args.model ? { model: args.model } : {}), ...(args.maxInputTokens ? { maxInputTokens: args.maxInputTokens } : {}) },
    env,
  );
  io.stderr(`LLM review on: ${settings.model}, at most ${settings.maxInputTokens} input tokens (ANTHROPIC_API_KEY is set; --offline turns it off).`);
  return { settings };
}

function formatReport(report: Report, format: ReviewArgs['format']): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'sarif') return JSON.stringify(toSarif(report, sarifOptions()), null, 2);
  return renderMarkdown(report, { maxLength: Number.MAX_SAFE_INTEGER, marker: false });
}

async function reviewCommand(args: ReviewArgs, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const repo = resolve(args.repo);
  const changeSet = await loadChangeSet(args, io, repo);
  const llm = llmOption(args, io, env);
  const report = await reviewChange(changeSet, await readerFor(args, repo, changeSet), {
    configPath: args.config ?? DEFAULT_CONFIG_PATH,
    agentsPath: args.agents ?? DEFAULT_AGENTS_PATH,
    builtinAgents: args.builtinAgents,
    warn: (m) => io.stderr(`warning: ${m}`),
    ...(llm ? { llm } : {}),
  });
  if (args.output) await writeReportFile(args.output, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout(formatReport(report, args.format));
  return gateFails(args.failOn, report.status) ? 1 : 0;
}

/** The CLI: returns the exit code; prints through `io`. */
export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    return await reviewCommand(args, io, env);
  } catch (error) {
    // A configuration error lists every problem, one per line; anything else is one line.
    const message = error instanceof ConfigError ? error.message : ((error as Error).message.split('\n')[0] ?? 'unknown error');
    io.stderr(`architect-review: ${message}`);
    return 2;
  }
}
