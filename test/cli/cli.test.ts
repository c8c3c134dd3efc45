import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { REPO_ROOT } from '../support/run-action.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dir.js';

const EXAMPLE = join(REPO_ROOT, 'examples/serving-pr');
const CLI = join(REPO_ROOT, 'dist/cli.js');

async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: (t) => (out += `${t}\n`),
    stderr: (t) => (err += `${t}\n`),
    readStdin: async () => stdin,
  });
  return { code, out, err };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** A repository whose `feature` branch adds a model server that loads the model per request. */
function makeRepo(): string {
  const dir = makeTempDir('architect-review-cli-');
  git(dir, 'init', '-q');
  mkdirSync(join(dir, 'serving'));
  writeFileSync(join(dir, 'serving/app.py'), 'from fastapi import FastAPI\n\napp = FastAPI()\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'feature');
  writeFileSync(
    join(dir, 'serving/app.py'),
    [
      'import torch',
      'from fastapi import FastAPI',
      '',
      'app = FastAPI()',
      '',
      '',
      '@app.post("/embed")',
      'def embed(text: str):',
      '    model = torch.load("weights/encoder.pt")',
      '    return {"vector": model.encode(text).tolist()}',
      '',
    ].join('\n'),
  );
  git(dir, 'commit', '-qam', 'Add embedding endpoint', '-m', 'Serves the encoder over HTTP.');
  return dir;
}

let repo: string;
beforeAll(() => {
  repo = makeRepo();
});
afterAll(removeTempDirs);

describe('architect-review review', () => {
  it('reviews a diff file and prints Markdown', async () => {
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--title-file', join(EXAMPLE, 'title.txt')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('## 🏛️ Architect Review — 🔴 blocked');
    expect(r.out).toContain('`serving/app.py:23`');
    expect(r.out).not.toContain('<!-- architect-review:summary -->');
  });

  it('prints the JSON report with schemaVersion 1 and the shape of the design', async () => {
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--format', 'json']);
    const report = JSON.parse(r.out);
    expect(report.schemaVersion).toBe(1);
    expect(report.status).toBe('blocked');
    expect(Object.keys(report).sort()).toEqual(['agents', 'coverage', 'findings', 'notices', 'pr', 'schemaVersion', 'status', 'usage']);
    expect(report.agents[0]).toEqual(
      expect.objectContaining({ name: expect.any(String), status: expect.any(String), files: expect.any(Array), reasons: expect.any(Array), checklist: expect.any(Array) }),
    );
    expect(report.findings[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), agent: 'ml-systems-architect', rule: 'model-load-in-request-path', severity: 'high', file: 'serving/app.py', line: 23, source: 'check' }),
    );
    expect(report.usage).toEqual({ llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, estimatedCostUsd: 0 });
  });

  it('reads the diff from standard input with --diff -', async () => {
    const r = await cli(['review', '--diff', '-', '--format', 'json'], readFileSync(join(EXAMPLE, 'pr.diff'), 'utf8'));
    expect(JSON.parse(r.out).findings).toHaveLength(5);
  });

  it('reviews local git refs, using the head commit message as title and body', async () => {
    const r = await cli(['review', '--repo', repo, '--base', 'main', '--head', 'feature', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.pr.title).toBe('Add embedding endpoint');
    expect(report.findings.map((f: { rule: string; line: number }) => [f.rule, f.line])).toEqual([
      ['model-load-in-request-path', 9],
      ['prediction-without-monitoring', 8],
    ]);
  });

  it('reviews from a bare clone, reading git objects only', async () => {
    const bare = makeTempDir('architect-review-bare-');
    git(bare, 'clone', '-q', '--bare', repo, 'repo.git');
    const r = await cli(['review', '--repo', join(bare, 'repo.git'), '--base', 'main', '--head', 'feature', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).findings).toHaveLength(2);
  });

  it('exits 1 when --fail-on is met and 0 when it is not', async () => {
    const diff = join(EXAMPLE, 'pr.diff');
    expect((await cli(['review', '--diff', diff, '--fail-on', 'blocked'])).code).toBe(1);
    expect((await cli(['review', '--diff', diff, '--fail-on', 'needs_info'])).code).toBe(1);
    expect((await cli(['review', '--diff', diff, '--fail-on', 'none'])).code).toBe(0);
  });

  it('writes the JSON report with --output as well as printing Markdown', async () => {
    const out = join(makeTempDir('architect-review-out-'), 'report.json');
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--output', out]);
    expect(r.out).toContain('## 🏛️ Architect Review');
    expect(JSON.parse(readFileSync(out, 'utf8')).schemaVersion).toBe(1);
  });

  it("loads the repository's own agents and reports a malformed one by file and field, still reviewing", async () => {
    const agents = makeTempDir('architect-review-agents-');
    writeFileSync(join(agents, 'bad.md'), '---\nname: bad\ndescription: x\nreview:\n  paths: "**/*.py"\n---\nbody\n');
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--agents', agents, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/bad\.md: review\.paths: /);
    expect(JSON.parse(r.out).notices.join('\n')).toMatch(/bad\.md: review\.paths/);
    expect(JSON.parse(r.out).findings).toHaveLength(5);
  });
});

describe("the repository's own agents", () => {
  const agent = (name: string, rule = 'http-call-without-timeout') =>
    `---\nname: ${name}\ndescription: Reviews the serving code.\nreview:\n  paths: ['serving/**']\n  rules:\n    ${rule}: plan-for-failure\n---\n# ${name}\n\n## Best Practices\n- ✅ **Plan for failure**: deadlines on every call\n`;

  it('are read at the base commit in git mode, so the change cannot alter its reviewers, and the review says so', async () => {
    const dir = makeRepo();
    mkdirSync(join(dir, '.github/architect-review/agents'), { recursive: true });
    git(dir, 'checkout', '-q', 'main');
    writeFileSync(join(dir, '.github/architect-review/agents/base-agent.md'), agent('base-agent'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'add base agent');
    git(dir, 'checkout', '-q', 'feature');
    git(dir, 'merge', '-q', '--no-edit', 'main');
    writeFileSync(join(dir, '.github/architect-review/agents/sneaky.md'), agent('sneaky-agent'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'add an agent in the PR');
    const r = await cli(['review', '--repo', dir, '--base', 'main', '--head', 'feature', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.agents.map((a: { name: string }) => a.name)).toContain('base-agent');
    expect(report.agents.map((a: { name: string }) => a.name)).not.toContain('sneaky-agent');
    expect(report.notices.join('\n')).toMatch(/edits agent definitions in \.github\/architect-review\/agents\/ \(\.github\/architect-review\/agents\/sneaky\.md\).*take effect once merged/);
  });

  it('report a misspelt rule id instead of silently not checking', async () => {
    const agents = makeTempDir('architect-review-agents-');
    writeFileSync(join(agents, 'typo.md'), agent('typo-agent', 'http-call-without-timout'));
    writeFileSync(join(agents, 'README.md'), '# Our agents\n\nHow we review.\n');
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--agents', agents, '--no-builtin-agents', '--format', 'json']);
    expect(r.err).toMatch(/typo\.md: review\.rules: "http-call-without-timout" is not a built-in rule \(known: [^)]*\bhttp-call-without-timeout\b[^)]*\); that line was ignored/);
    expect(r.err).not.toMatch(/README\.md/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('warn when no agent is loaded at all', async () => {
    const agents = makeTempDir('architect-review-empty-');
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--agents', agents, '--no-builtin-agents']);
    expect(r.err).toMatch(/No agents loaded/);
    expect(r.out).toMatch(/No agents loaded/);
  });
});

describe('--config', () => {
  it('applies a configuration file given on the command line', async () => {
    const dir = makeTempDir('architect-review-config-');
    writeFileSync(join(dir, 'review.yml'), "ignore: ['serving/**']\n");
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--config', join(dir, 'review.yml'), '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).findings.map((f: { rule: string }) => f.rule)).toEqual(['new-dependency-without-adr']);
  });

  it('reads .github/architect-review.yml at the base commit in git mode', async () => {
    const dir = makeRepo();
    git(dir, 'checkout', '-q', 'main');
    mkdirSync(join(dir, '.github'), { recursive: true });
    writeFileSync(join(dir, '.github/architect-review.yml'), 'rules:\n  model-load-in-request-path: off\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'config');
    git(dir, 'checkout', '-q', 'feature');
    git(dir, 'merge', '-q', '--no-edit', 'main');
    const r = await cli(['review', '--repo', dir, '--base', 'main', '--head', 'feature', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).findings.map((f: { rule: string }) => f.rule)).toEqual(['prediction-without-monitoring']);
  });

  it('exits 2 listing every problem of a malformed file, with line and key', async () => {
    const dir = makeTempDir('architect-review-config-');
    writeFileSync(join(dir, 'bad.yml'), "ignore: 'vendor/**'\nrules:\n  http-call-without-timeout: mediumm\n");
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--config', join(dir, 'bad.yml')]);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/bad\.yml:1: ignore: expected a list of glob strings/);
    expect(lines[1]).toMatch(/bad\.yml:3: rules\.http-call-without-timeout: expected off, on, low, medium or high/);
  });
});

describe('usage errors exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['review'], /say what to review/],
    [['review', '--diff', 'x.diff', '--base', 'main'], /either --diff or --base/],
    [['review', '--diff', 'x.diff', '--format', 'xml'], /--format must be markdown, json or sarif/],
    [['review', '--diff', 'x.diff', '--max-input-tokens', '0'], /--max-input-tokens must be a whole number of at least 1000, not "0"/],
    [['review', '--diff', 'x.diff', '--model', 'claude sonnet'], /--model must be a model id/],
    [['review', '--diff', 'x.diff', '--fail-on', 'always'], /--fail-on must be one of/],
    [['review', '--bogus'], /^architect-review: Unknown option '--bogus'\n$/],
    [['review', '--diff', join(EXAMPLE, 'pr.diff'), '--agents', '/nonexistent/agents'], /--agents \/nonexistent\/agents is not a folder/],
    [['review', '--repo', '/nonexistent/repo', '--base', 'main'], /\/nonexistent\/repo is not a git repository/],
    [['lint'], /unknown command "lint"/],
    [['review', '--diff', '/nonexistent/x.diff'], /cannot read diff \/nonexistent\/x\.diff: ENOENT/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    });
  }

  it('a file that is not a diff', async () => {
    const file = join(makeTempDir('architect-review-nd-'), 'notes.txt');
    writeFileSync(file, 'just some notes\n');
    const r = await cli(['review', '--diff', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a unified diff/);
  });

  it('an empty diff (as from a mistyped ref), which must not pass a --fail-on gate', async () => {
    const r = await cli(['review', '--diff', '-', '--fail-on', 'needs_info'], '');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the diff on standard input is empty: nothing to review/);
  });

  it('a report path that cannot be written', async () => {
    const r = await cli(['review', '--diff', join(EXAMPLE, 'pr.diff'), '--output', '/nonexistent/dir/r.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write the report to \/nonexistent\/dir\/r\.json: ENOENT/);
  });

  it('a ref that does not exist', async () => {
    const r = await cli(['review', '--repo', repo, '--base', 'no-such-branch']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"no-such-branch" is not a commit/);
  });
});

describe('the bundled CLI (dist/cli.js)', () => {
  it('runs as the package bin: review, exit code, help', () => {
    const review = spawnSync(process.execPath, [CLI, 'review', '--diff', join(EXAMPLE, 'pr.diff'), '--fail-on', 'blocked'], { encoding: 'utf8' });
    expect(review.status).toBe(1);
    expect(review.stdout).toContain('Model loaded on every request in `predict`');
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: architect-review review');
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('stops quietly when its reader closes the pipe early (`| head`)', () => {
    // `head -c 1` reads one byte and exits; the CLI then writes into a closed pipe.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" review --diff "${join(EXAMPLE, 'pr.diff')}" --format sarif | head -c 1 >/dev/null`], { encoding: 'utf8' });
    expect(piped.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
  });
});
