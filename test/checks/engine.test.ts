import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/changeset/diff.js';
import { review } from '../../src/engine.js';
import type { Report } from '../../src/report/types.js';
import { prInfo } from '../changeset/git-diff.js';
import { REPO_ROOT, shippedAgents } from '../router/shipped-agents.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples/serving-pr');
const read = (name: string): string => readFileSync(path.join(EXAMPLE, name), 'utf8');

function reviewOf(diff: string): Report {
  const { files, skipped } = parseUnifiedDiff(diff);
  const pr = prInfo({ title: read('title.txt').trim(), body: read('body.md') });
  return review({ pr, files, skipped }, shippedAgents());
}

/** The diff with `lines` added at the top of `file`'s first hunk: everything after moves down. */
function insertAtTop(diff: string, file: string, lines: string[]): string {
  const section = diff.indexOf(`diff --git a/${file} b/${file}`);
  const header = /@@ -(\d+(?:,\d+)?) \+(\d+),(\d+) @@([^\n]*)\n/g;
  header.lastIndex = section;
  const m = header.exec(diff);
  if (section < 0 || !m) throw new Error(`no hunk for ${file}`);
  const replaced = `@@ -${m[1]} +${m[2]},${Number(m[3]) + lines.length} @@${m[4]}\n${lines.map((l) => `+${l}\n`).join('')}`;
  return diff.slice(0, m.index) + replaced + diff.slice(m.index + m[0].length);
}

describe('review of examples/serving-pr with the shipped agents', () => {
  const report = reviewOf(read('pr.diff'));

  it('is blocked', () => {
    expect(report.status).toBe('blocked');
    expect(report.agents.map((a) => [a.name, a.status])).toEqual([
      ['ml-systems-architect', 'blocked'],
      ['system-architect', 'needs_info'],
    ]);
  });

  it('has exactly five findings: model load, Redis question, monitoring question, missing HTTP and Redis timeouts', () => {
    expect(report.findings.map((f) => [f.rule, f.severity, f.kind, `${f.file}:${f.line}`, f.title])).toEqual([
      ['model-load-in-request-path', 'high', 'problem', 'serving/app.py:23', 'Model loaded on every request in `predict` (`POST /predict`)'],
      ['new-dependency-without-adr', 'medium', 'question', 'requirements.txt:6', 'New Redis dependency without a decision record'],
      ['prediction-without-monitoring', 'medium', 'question', 'serving/app.py:22', 'New prediction endpoint `predict` (`POST /predict`) without prediction logging or metrics'],
      ['http-call-without-timeout', 'medium', 'problem', 'serving/app.py:24', '`requests.get` without a timeout'],
      ['redis-client-without-timeout', 'medium', 'problem', 'serving/features.py:3', 'Redis client without a socket timeout (`redis.Redis`)'],
    ]);
    const [load, redis, monitoring, timeout] = report.findings;
    expect(monitoring?.message).toMatch(/\?$/);
    expect(load?.message).toContain('`joblib.load(…)`');
    expect(load?.agent).toBe('ml-systems-architect');
    expect(timeout?.message).toContain('`requests.get(…)`');
    expect(timeout?.agent).toBe('system-architect');
    expect(redis?.message).toContain('`redis`: Redis');
  });

  it('reviews the code and manifest, and says why the docs and tests were skipped', () => {
    expect(report.coverage.reviewed).toEqual(['requirements.txt', 'serving/app.py', 'serving/features.py']);
    expect(report.coverage.skipped).toEqual([
      { file: 'docs/README.md', reason: 'documentation: no agent reviews prose' },
      { file: 'tests/test_predict.py', reason: 'test code: no agent reviews tests' },
    ]);
  });

  it('gives the checklist verdicts the findings support', () => {
    const verdict = (agent: string, item: string): string | undefined =>
      report.agents.find((a) => a.name === agent)?.checklist.find((c) => c.id === item)?.verdict;
    expect(verdict('ml-systems-architect', 'test-inference-latency')).toBe('fail');
    expect(verdict('system-architect', 'plan-for-failure')).toBe('fail');
    expect(verdict('system-architect', 'document-all-decisions')).toBe('needs_info');
    expect(verdict('ml-systems-architect', 'check-monitoring-alerts')).toBe('needs_info');
    // Its rules read the Python files and found nothing: a pass, with that as the evidence.
    expect(verdict('system-architect', 'define-clear-interfaces')).toBe('pass');
  });

  it('gives a rule attached to a verify step and a gotcha the same verdict on both', () => {
    const ml = report.agents.find((a) => a.name === 'ml-systems-architect')?.checklist ?? [];
    const verdictOf = (id: string) => ml.find((c) => c.id === id)?.verdict;
    expect(verdictOf('cold-start-latency-for-model-loading')).toBe('fail');
    expect(verdictOf('model-predictions-without-monitoring-causing-silent')).toBe('needs_info');
    expect(ml.find((c) => c.id === 'check-monitoring-alerts')?.checkedBy).toEqual(['prediction-without-monitoring']);
  });

  it('keeps finding ids when the same lines move down by five', () => {
    let moved = read('pr.diff');
    moved = insertAtTop(moved, 'serving/app.py', ['import logging', 'import os', '', 'log = logging.getLogger(__name__)', 'ENV = os.environ.get("ENV", "dev")']);
    moved = insertAtTop(moved, 'requirements.txt', ['# serving', 'numpy==2.0.1', 'pandas==2.2.2', 'pydantic==2.8.2', 'httpx==0.27.0']);
    const after = reviewOf(moved);
    // serving/features.py did not move: its finding stays at line 3.
    expect(after.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['serving/app.py:28', 'requirements.txt:11', 'serving/app.py:27', 'serving/app.py:29', 'serving/features.py:3']);
    expect(after.findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
    expect(new Set(after.findings.map((f) => f.id)).size).toBe(5);
  });

  it('gives the same report for the same change twice', () => {
    expect(reviewOf(read('pr.diff'))).toEqual(report);
  });
});
