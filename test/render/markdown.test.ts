import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, SUMMARY_MARKER, renderMarkdown } from '../../src/render/markdown.js';
import { safeMarkdown } from '../../src/render/escape.js';
import type { Finding, Report } from '../../src/report/types.js';

function finding(i: number, file = `svc/module_${i}.py`): Finding {
  return {
    id: `f${i}`, agent: 'system-architect', rule: 'http-call-without-timeout', severity: i % 3 === 0 ? 'high' : 'medium', kind: 'problem',
    file, line: i + 1, title: `\`requests.get\` without a timeout #${i}`, message: 'Waits forever when the upstream stalls. '.repeat(4),
    remedy: 'Pass `timeout=(3.05, 10)`.', source: 'check',
  };
}

function report(findings: Finding[], extra: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1, status: 'blocked', pr: { title: 't', headSha: 'abcdef1234567' },
    agents: [{
      name: 'system-architect', description: 'd', status: 'blocked', files: findings.map((f) => f.file),
      reasons: [{ kind: 'path', detail: '**/*.py', files: findings.map((f) => f.file) }],
      checklist: [{ id: 'plan-for-failure', title: 'Plan for failure', verdict: 'fail', evidence: 'e', checkedBy: ['http-call-without-timeout'] },
        { id: 'avoid-over-engineering', title: 'Avoid over-engineering', verdict: 'not_applicable', evidence: 'No built-in rule covers this item yet.', checkedBy: [] }],
    }],
    findings, coverage: { reviewed: findings.map((f) => f.file), skipped: [] },
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, estimatedCostUsd: 0 }, notices: [], ...extra,
  };
}

describe('renderMarkdown', () => {
  it('starts with the hidden marker only when asked', () => {
    expect(renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: true }).startsWith(SUMMARY_MARKER)).toBe(true);
    expect(renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: false })).not.toContain(SUMMARY_MARKER);
  });

  it('shows "not checked" for checklist items no rule covers, not a verdict', () => {
    const md = renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: false });
    expect(md).toContain('| Avoid over-engineering | ⬜ not checked |');
    expect(md).toContain('| Plan for failure | ❌ fail |');
  });

  it('fits GitHub\'s comment limit on a huge review and says what it left out', () => {
    const many = Array.from({ length: 3000 }, (_, i) => finding(i));
    const md = renderMarkdown(report(many, { coverage: { reviewed: many.map((f) => f.file), skipped: [{ file: 'a.bin', reason: 'binary file' }] } }), {
      maxLength: COMMENT_LIMIT, marker: true, fullReportHint: 'the job summary of this run',
    });
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).toMatch(/shortened to fit GitHub's comment size limit: checklists are summarised and \d+ findings are not shown\. See the job summary of this run\./);
    expect(md).toContain('… and 2980 more (all in the JSON report)');
    expect(md).toContain('### Findings');
  });

  it('renders untrusted file names and route strings without HTML or mentions', () => {
    const evil = finding(1, 'svc/<img src=x onerror=alert(1)>@octocat|x.py');
    evil.title = 'Model loaded in `handler` for @org/team <script>';
    const md = renderMarkdown(report([evil]), { maxLength: COMMENT_LIMIT, marker: false });
    // GitHub shows code spans literally, so only the text outside them can carry HTML or mentions.
    const outsideCode = md.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<img');
    expect(outsideCode).not.toContain('<script>');
    expect(outsideCode).not.toMatch(/@org\/team/);
    expect(md).toContain('@\u2060org/team');
    expect(md).toContain('`svc/<img src=x onerror=alert(1)>@octocat|x.py:2`');
  });
});

describe('safeMarkdown', () => {
  it('escapes HTML and mentions outside code spans and keeps code spans literal', () => {
    expect(safeMarkdown('hi @alice <b>x</b> `@bob <i>`')).toBe('hi @\u2060alice &lt;b&gt;x&lt;/b&gt; `@bob <i>`');
  });
  it('leaves e-mail-like text and entities alone where harmless', () => {
    expect(safeMarkdown('a &amp; b & c')).toBe('a &amp; b &amp; c');
  });
});
