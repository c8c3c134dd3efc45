import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RULES } from '../../src/checks/registry.js';
import { LLM_RULE_ID, type Finding, type Report } from '../../src/report/types.js';
import {
  FINGERPRINT_KEY, MAX_RESULTS, TOOL_VERSION, fileUri, ruleMetaFromRegistry, sarifOptions, toSarif, type RuleMeta,
} from '../../src/report/sarif.js';

// No copy of the official SARIF 2.1.0 JSON schema (nor a JSON-schema validator) is installed, so this
// zod schema encodes the parts of it, and of GitHub's "SARIF support" page, that our output relies on.
const Text = z.object({ text: z.string().min(1) });
const SarifSchema = z.object({
  $schema: z.url(),
  version: z.literal('2.1.0'),
  runs: z.array(z.object({
    tool: z.object({ driver: z.object({
      name: z.string().min(1), version: z.string().min(1), informationUri: z.url().optional(),
      rules: z.array(z.object({
        id: z.string().min(1), name: z.string().min(1).max(255),
        shortDescription: Text.extend({ text: z.string().min(1).max(1024) }),
        fullDescription: Text.extend({ text: z.string().min(1).max(1024) }),
        help: z.object({ text: z.string().min(1), markdown: z.string().min(1) }),
        defaultConfiguration: z.object({ level: z.enum(['note', 'warning', 'error']) }),
        properties: z.object({
          tags: z.array(z.string()).max(10),
          precision: z.enum(['very-high', 'high', 'medium', 'low']),
          'problem.severity': z.enum(['error', 'warning', 'recommendation']),
        }),
      }).strict()),
    }).strict() }).strict(),
    originalUriBaseIds: z.record(z.string(), z.object({ description: Text })),
    results: z.array(z.object({
      ruleId: z.string().min(1), ruleIndex: z.int().nonnegative(), level: z.enum(['none', 'note', 'warning', 'error']),
      message: Text,
      locations: z.array(z.object({ physicalLocation: z.object({
        artifactLocation: z.object({ uri: z.string().min(1).regex(/^[^/ ?#][^ ?#]*$/), uriBaseId: z.literal('%SRCROOT%') }),
        region: z.object({ startLine: z.int().min(1), endLine: z.int().min(1).optional() }).strict(),
      }) })).length(1),
      partialFingerprints: z.record(z.string(), z.string().min(1)),
      properties: z.object({ agent: z.string(), kind: z.enum(['problem', 'question']), source: z.enum(['check', 'llm']), fileLevel: z.literal(true).optional() }).strict(),
    }).strict()),
    properties: z.object({ omittedResults: z.int().positive() }).optional(),
  }).strict()).length(1),
}).strict();

const OPTIONS = { toolVersion: '1.2.3', informationUri: 'https://github.com/example/architect-review', rules: ruleMetaFromRegistry() };
const ruleIds = [...RULES.keys()];

function finding(i: number, extra: Partial<Finding> = {}): Finding {
  return {
    id: `fp-${i}`, agent: 'system-architect', rule: ruleIds[i % ruleIds.length] ?? 'x', severity: (['high', 'medium', 'low'] as const)[i % 3] ?? 'low',
    kind: 'problem', file: `svc/mod_${i}.py`, line: 10 + i, title: `Problem ${i}`, message: `What breaks ${i}.`, remedy: `Fix ${i}.`, source: 'check', ...extra,
  };
}

function report(findings: Finding[]): Report {
  return {
    schemaVersion: 1, status: findings.length ? 'blocked' : 'ok', pr: { title: 't' }, agents: [], findings,
    coverage: { reviewed: [], skipped: [] },
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, estimatedCostUsd: 0 }, notices: [],
  };
}

const run = (r: Report) => {
  const log = SarifSchema.parse(JSON.parse(JSON.stringify(toSarif(r, OPTIONS))));
  return log.runs[0]!;
};

describe('ruleMetaFromRegistry', () => {
  it('carries every built-in rule with its summary, why, remedy and severity', () => {
    const meta = ruleMetaFromRegistry();
    expect(meta.size).toBe(RULES.size);
    for (const rule of RULES.values()) {
      expect(meta.get(rule.id)).toMatchObject({ id: rule.id, summary: rule.summary, severity: rule.severity, kind: rule.kind });
      expect(meta.get(rule.id)?.why).toBe(rule.why);
    }
  });
});

describe('sarifOptions', () => {
  it('defaults to the package version and the built-in rules, and leaves out an unknown informationUri', () => {
    const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')));
    expect(TOOL_VERSION).toBe(pkg.version);
    const options = sarifOptions();
    expect(options.rules.size).toBe(RULES.size);
    expect(toSarif(report([]), options).runs[0].tool.driver).not.toHaveProperty('informationUri');
    expect(sarifOptions({ informationUri: 'https://github.com/o/r' }).informationUri).toBe('https://github.com/o/r');
  });
});

describe('toSarif', () => {
  it('describes the tool with one stable rule entry per built-in rule plus the LLM rule', () => {
    const r = run(report([finding(1)]));
    expect(r.tool.driver).toMatchObject({ name: 'Architect Review', version: '1.2.3', informationUri: OPTIONS.informationUri });
    const ids = r.tool.driver.rules.map((x) => x.id);
    expect(ids).toEqual([...[...RULES.keys()].sort(), LLM_RULE_ID]);
    expect(run(report([])).tool.driver.rules).toEqual(r.tool.driver.rules);
    const first = [...RULES.values()].sort((a, b) => a.id.localeCompare(b.id))[0]!;
    const entry = r.tool.driver.rules[0]!;
    expect(entry.shortDescription.text).toBe(first.summary);
    expect(entry.defaultConfiguration.level).toBe({ high: 'error', medium: 'warning', low: 'note' }[first.severity]);
    expect(entry.help.markdown).toContain(first.summary.slice(0, 20));
  });

  it('maps severities to levels and points each result at its rule by id and index', () => {
    const findings = [finding(0, { severity: 'low' }), finding(1, { severity: 'high' }), finding(2, { severity: 'medium' })];
    const r = run(report(findings));
    expect(r.results.map((x) => [x.partialFingerprints[FINGERPRINT_KEY], x.level])).toEqual([['fp-1', 'error'], ['fp-2', 'warning'], ['fp-0', 'note']]);
    for (const result of r.results) expect(r.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
  });

  it('gives LLM findings the generic rule and unknown rules an entry of their own', () => {
    const r = run(report([finding(1, { rule: LLM_RULE_ID, source: 'llm' }), finding(2, { rule: 'custom-rule', severity: 'low' })]));
    const llm = r.results.find((x) => x.ruleId === LLM_RULE_ID)!;
    expect(r.tool.driver.rules[llm.ruleIndex]?.properties.precision).toBe('medium');
    expect(llm.properties).toEqual({ agent: 'system-architect', kind: 'problem', source: 'llm' });
    const custom = r.results.find((x) => x.ruleId === 'custom-rule')!;
    expect(r.tool.driver.rules[custom.ruleIndex]).toMatchObject({ id: 'custom-rule', name: 'CustomRule', defaultConfiguration: { level: 'note' } });
  });

  it('keeps fingerprints and output stable across runs', () => {
    const findings = [finding(1), finding(2, { line: 99 })];
    const a = toSarif(report(findings), OPTIONS);
    const b = toSarif(report(structuredClone(findings)), OPTIONS);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.runs[0].results.map((x) => x.partialFingerprints)).toEqual([{ [FINGERPRINT_KEY]: 'fp-1' }, { [FINGERPRINT_KEY]: 'fp-2' }]);
  });

  it('locates a range, a single line and a file-level finding', () => {
    const r = run(report([finding(1, { line: 5, endLine: 9 }), finding(2, { line: 7, endLine: 7 }), finding(3, { line: undefined })]));
    const regions = Object.fromEntries(r.results.map((x) => [x.partialFingerprints[FINGERPRINT_KEY], x.locations[0]!.physicalLocation.region]));
    expect(regions).toEqual({ 'fp-1': { startLine: 5, endLine: 9 }, 'fp-2': { startLine: 7 }, 'fp-3': { startLine: 1 } });
    expect(r.results.find((x) => x.partialFingerprints[FINGERPRINT_KEY] === 'fp-3')?.properties.fileLevel).toBe(true);
    expect(r.results.find((x) => x.partialFingerprints[FINGERPRINT_KEY] === 'fp-1')?.properties.fileLevel).toBeUndefined();
  });

  it('writes repository-relative paths as relative URI references', () => {
    expect(fileUri('src/my file#1?.py')).toBe('src/my%20file%231%3F.py');
    expect(fileUri('./node_modules/@scope/ünï.ts')).toBe('node_modules/@scope/%C3%BCn%C3%AF.ts');
    const r = run(report([finding(1, { file: 'a b/c.py' })]));
    expect(r.results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'a%20b/c.py', uriBaseId: '%SRCROOT%' });
    expect(decodeURIComponent('a%20b/c.py')).toBe('a b/c.py');
  });

  it('carries untrusted text verbatim through JSON, with SARIF link brackets escaped', () => {
    const evil = finding(1, {
      title: 'Model "x" </script>\\', message: 'Line one\nline two\t"quoted" \u0000 [click](https://evil.example) {0}', remedy: 'Use `a[b]`.',
      agent: 'agent"<x>', file: 'svc/"quoted".py',
    });
    const text = JSON.stringify(toSarif(report([evil]), OPTIONS));
    const back = run(report([evil])).results[0]!;
    expect(JSON.parse(text)).toBeTruthy();
    expect(back.message.text).toBe(
      'Model "x" </script>\\.\n\nLine one\nline two\t"quoted" \u0000 \\[click\\](https://evil.example) {0}\n\nRemedy: Use `a\\[b\\]`.',
    );
    expect(back.message.text).not.toMatch(/(?<!\\)\[click/);
    expect(back.properties.agent).toBe('agent"<x>');
    expect(back.locations[0]!.physicalLocation.artifactLocation.uri).toBe('svc/%22quoted%22.py');
  });

  it('escapes Markdown in rule help and caps descriptions at GitHub\'s 1024 characters', () => {
    const rules = new Map<string, RuleMeta>([['long', { id: 'long', summary: 'x'.repeat(2000), why: '<img src=x> @org/team', severity: 'high', kind: 'question' }]]);
    const log = SarifSchema.parse(toSarif(report([]), { ...OPTIONS, rules }));
    const entry = log.runs[0]?.tool.driver.rules[0];
    if (!entry) throw new Error('no rule entry');
    expect(entry.shortDescription.text).toHaveLength(1024);
    expect(entry.help.markdown).not.toContain('<img');
    expect(entry.help.markdown).toContain('@\u2060org/team');
    expect(entry.properties.tags).toContain('needs-info');
  });

  it('is a valid log for an empty report', () => {
    const r = run(report([]));
    expect(r.results).toEqual([]);
    expect(r.properties).toBeUndefined();
  });

  it('keeps the most severe results when a run would exceed code scanning\'s limit', () => {
    const many = Array.from({ length: MAX_RESULTS + 2 }, (_, i) => finding(i, { severity: i < 2 ? 'low' : 'high', rule: 'custom-rule' }));
    const [r] = toSarif(report(many), OPTIONS).runs;
    expect(r.results).toHaveLength(MAX_RESULTS);
    expect(r.results.every((x) => x.level === 'error')).toBe(true);
    expect(r.properties).toEqual({ omittedResults: 2 });
  });
});
