import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepTempDirsUntil, makeTempDir } from './temp-dir.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const ACTION = join(REPO_ROOT, 'dist/index.js');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  tempDir: string;
}

/** Reads a GITHUB_OUTPUT file: `name<<DELIMITER` … `DELIMITER` blocks, as @actions/core writes them. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    outputs[m[1]] = value.join('\n');
  }
  return outputs;
}

/**
 * Runs the built action the way the Actions runner does: `node dist/index.js` with the runner's
 * environment variables, inputs as `INPUT_<NAME>`, the event payload in a file. Its temp dir
 * outlives the run (tests read files in it): call `afterAll(removeTempDirs)` in the test file.
 */
export async function runAction(options: {
  apiUrl: string;
  eventName?: string;
  event?: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<ActionRun> {
  const tempDir = makeTempDir('architect-review-e2e-');
  const eventPath = join(tempDir, 'event.json');
  const outputPath = join(tempDir, 'output.txt');
  const summaryPath = join(tempDir, 'summary.md');
  await writeFile(eventPath, JSON.stringify(options.event ?? {}));
  await writeFile(outputPath, '');
  await writeFile(summaryPath, '');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_') && !k.startsWith('INPUT_') && !k.startsWith('RUNNER_')),
  );
  const inputs = { 'github-token': 'test-token', 'fail-on': 'none', comment: 'true', 'builtin-agents': 'true', ...options.inputs };
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: options.apiUrl,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: tempDir,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...options.env,
  };
  const child = spawn(process.execPath, [ACTION], { env, cwd: tempDir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((done) => child.on('close', done));
  keepTempDirsUntil(closed, () => child.kill());
  const code = await closed;
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
    summary: await readFile(summaryPath, 'utf8'),
    tempDir,
  };
}

/** A pull_request event payload as GitHub sends it (the fields the action reads, and a few it does not). */
export function pullRequestEvent(pr: { number: number; title: string; body?: string; headSha: string; baseSha: string; fork?: boolean; changedFiles?: number }, action = 'opened'): unknown {
  return {
    action,
    number: pr.number,
    pull_request: {
      number: pr.number,
      title: pr.title,
      body: pr.body ?? null,
      draft: false,
      user: { login: 'octocat' },
      labels: [],
      head: { sha: pr.headSha, ref: 'feature', repo: { full_name: pr.fork ? 'forker/shop' : 'acme/shop' } },
      base: { sha: pr.baseSha, ref: 'main', repo: { full_name: 'acme/shop' } },
      changed_files: pr.changedFiles ?? 0,
    },
    repository: { full_name: 'acme/shop' },
  };
}
