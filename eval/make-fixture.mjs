#!/usr/bin/env node
/**
 * Builds the evaluation fixtures in test/fixtures/prs/<slug>/ (pr.diff + pr.json) from their sources
 * in eval/fixture-src/<slug>.txt. The diff is genuine `git diff` output: the base files are committed
 * in a throw-away repository, the head files on top, and `git diff -M <base> <head>` (3 lines of
 * context) is what is saved. Expected findings name the offending line by a piece of its text
 * (a "needle"), so the line numbers in pr.json always agree with the diff.
 *
 *   node eval/make-fixture.mjs                 # rebuild every fixture
 *   node eval/make-fixture.mjs 07-foo 12-bar   # rebuild these
 *   node eval/make-fixture.mjs --check         # rebuild in memory, fail if a committed fixture differs
 *
 * Source format: sections that each start with a banner line `==> NAME <==`:
 *   ==> title <==            the PR title (one line)
 *   ==> body <==             the PR description (Markdown)
 *   ==> why <==              one paragraph: what a senior architect would say
 *   ==> agents <==           the agents that should be picked, one a line (none: leave it empty)
 *   ==> findings <==         one expected finding a line: `rule | file | severity | needle [| occurrence]`;
 *                            needle `-` for a finding with no line (a removed route, a removed feature)
 *   ==> base PATH <==        the file before the change (absent: the PR adds it)
 *   ==> head PATH <==        the file after the change (absent: the PR deletes it)
 * In the findings section, a line starting with `#` is a comment.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC_DIR = path.join(ROOT, 'eval', 'fixture-src');
const OUT_DIR = path.join(ROOT, 'test', 'fixtures', 'prs');
const SEVERITIES = new Set(['high', 'medium', 'low']);

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
};

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The sections of a source file, in order. */
function parseSource(text, name) {
  const sections = [];
  let current;
  for (const line of text.split('\n')) {
    const banner = /^==> (.+?) <==$/.exec(line);
    if (banner) {
      current = { name: banner[1].trim(), lines: [] };
      sections.push(current);
    } else if (current) {
      current.lines.push(line);
    } else if (line.trim()) {
      throw new Error(`${name}: text before the first section: ${line}`);
    }
  }
  return sections.map((s) => {
    const lines = [...s.lines];
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return { name: s.name, text: lines.join('\n') };
  });
}

function fileText(text) {
  return text === '' ? '' : `${text}\n`;
}

/** Head-side numbers of the added lines of each file in a git diff. */
function addedLines(diff) {
  const added = new Map();
  let file;
  let next = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) file = undefined;
    else if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? undefined : line.slice(6);
      if (file !== undefined && !added.has(file)) added.set(file, new Set());
    } else if (line.startsWith('@@ ')) {
      next = Number(/\+(\d+)/.exec(line)[1]);
    } else if (file !== undefined && line.startsWith('+')) added.get(file).add(next++);
    else if (file !== undefined && line.startsWith(' ')) next++;
  }
  return added;
}

function changedPaths(diff) {
  const paths = new Set();
  for (const line of diff.split('\n')) {
    const m = /^(?:\+\+\+ b\/|--- a\/)(.+)$/.exec(line);
    if (m) paths.add(m[1]);
  }
  return paths;
}

function build(slug) {
  const sourcePath = path.join(SRC_DIR, `${slug}.txt`);
  const sections = parseSource(readFileSync(sourcePath, 'utf8'), slug);
  const one = (name) => sections.find((s) => s.name === name)?.text ?? '';
  const base = sections.filter((s) => s.name.startsWith('base ')).map((s) => ({ path: s.name.slice(5).trim(), text: s.text }));
  const head = sections.filter((s) => s.name.startsWith('head ')).map((s) => ({ path: s.name.slice(5).trim(), text: s.text }));
  if (base.length + head.length === 0) throw new Error(`${slug}: no files`);

  const root = mkdtempSync(path.join(tmpdir(), 'architect-review-fixture-'));
  let diff;
  try {
    git(root, 'init', '-q', '-b', 'main');
    const write = (file, text) => {
      const full = path.join(root, file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, fileText(text));
    };
    for (const f of base) write(f.path, f.text);
    writeFileSync(path.join(root, '.keep'), 'base\n'); // the base commit is never empty
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '--no-gpg-sign', '-m', 'base');
    const baseSha = git(root, 'rev-parse', 'HEAD').trim();
    for (const f of base) if (!head.some((h) => h.path === f.path)) rmSync(path.join(root, f.path));
    for (const f of head) write(f.path, f.text);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', 'head');
    const headSha = git(root, 'rev-parse', 'HEAD').trim();
    diff = git(root, 'diff', '-M', '--no-color', '--no-ext-diff', baseSha, headSha);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const added = addedLines(diff);
  const paths = changedPaths(diff);
  const findings = one('findings')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [rule, file, severity, needle, occurrence] = l.split(' | ').map((p) => p.trim());
      if (!rule || !file || !severity || needle === undefined) throw new Error(`${slug}: bad finding line: ${l}`);
      if (!SEVERITIES.has(severity)) throw new Error(`${slug}: bad severity in: ${l}`);
      if (!paths.has(file)) throw new Error(`${slug}: ${file} is not in the diff (finding ${rule})`);
      const finding = { rule, file, severity };
      if (needle !== '-') {
        const headFile = head.find((h) => h.path === file);
        if (!headFile) throw new Error(`${slug}: ${file} has no head side, so ${rule} cannot name a line`);
        const want = Number(occurrence ?? 1);
        let seen = 0;
        const index = headFile.text.split('\n').findIndex((t) => t.includes(needle) && ++seen === want);
        if (index < 0) throw new Error(`${slug}: "${needle}" (occurrence ${want}) not found in ${file}`);
        const line = index + 1;
        if (!added.get(file)?.has(line)) throw new Error(`${slug}: ${file}:${line} ("${needle}") is not an added line`);
        return { rule, file, line, severity };
      }
      return finding;
    });
  const agents = one('agents').split('\n').map((l) => l.trim()).filter(Boolean);
  const pr = {
    title: one('title').trim(),
    body: one('body'),
    expected: { agents, findings },
    why: one('why').split('\n').map((l) => l.trim()).join(' ').trim(),
  };
  if (!pr.title) throw new Error(`${slug}: no title`);
  if (!pr.why) throw new Error(`${slug}: no why`);
  return { diff, json: `${JSON.stringify(pr, null, 2)}\n` };
}

function main(argv) {
  const check = argv.includes('--check');
  const wanted = argv.filter((a) => !a.startsWith('--')).map((a) => a.replace(/\.txt$/, '').replace(/^.*\//, ''));
  const slugs = wanted.length > 0 ? wanted : readdirSync(SRC_DIR).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
  let stale = 0;
  for (const slug of slugs) {
    const { diff, json } = build(slug);
    const dir = path.join(OUT_DIR, slug);
    if (check) {
      const same = existsSync(dir) && readFileSync(path.join(dir, 'pr.diff'), 'utf8') === diff && readFileSync(path.join(dir, 'pr.json'), 'utf8') === json;
      if (!same) {
        stale++;
        console.error(`stale: ${slug} (run node eval/make-fixture.mjs ${slug})`);
      }
      continue;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'pr.diff'), diff);
    writeFileSync(path.join(dir, 'pr.json'), json);
    console.log(`wrote ${path.relative(ROOT, dir)}`);
  }
  if (check) {
    console.log(stale === 0 ? `${slugs.length} fixtures up to date` : `${stale} of ${slugs.length} fixtures are stale`);
    process.exitCode = stale === 0 ? 0 : 1;
  }
}

main(process.argv.slice(2));
