/**
 * The report as SARIF 2.1.0, the subset GitHub code scanning reads (`github/codeql-action/upload-sarif`):
 * https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support-for-code-scanning
 */
import { RULES } from '../checks/registry.js';
import type { Rule } from '../checks/types.js';
import { capChars, safeMarkdown } from '../render/escape.js';
import { LLM_RULE_ID, SEVERITY_RANK, type Finding, type Report, type Severity } from './types.js';
import { compareText } from '../compare.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'Architect Review';
/** The tool version SARIF reports by default; a test keeps it equal to package.json's. */
export const TOOL_VERSION = '0.1.0';
/** Our own fingerprint key. Code scanning matches alerts on `primaryLocationLineHash`, which upload-sarif adds from the checked-out file. */
export const FINGERPRINT_KEY = 'architectReview/v1';
/** Code scanning rejects a run with more results than this (and shows the 5,000 most severe). */
export const MAX_RESULTS = 25_000;
const MAX_NAME = 255;
const MAX_DESCRIPTION = 1024;

/** What a SARIF rule entry needs to know about a rule; built from the registry by `ruleMetaFromRegistry`. */
export type RuleMeta = Pick<Rule, 'id' | 'summary' | 'why' | 'remedy' | 'severity' | 'kind'>;

export type SarifLevel = 'error' | 'warning' | 'note';
export interface SarifText { text: string }
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifText;
  fullDescription: SarifText;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; precision: 'very-high' | 'high' | 'medium' | 'low'; 'problem.severity': 'error' | 'warning' | 'recommendation' };
}
export interface SarifDriver { name: string; version: string; informationUri?: string; rules: SarifRule[] }
export interface SarifRegion { startLine: number; endLine?: number }
export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' }; region: SarifRegion };
}
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifText;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: { agent: string; kind: Finding['kind']; source: Finding['source']; fileLevel?: true };
}
export interface SarifRun {
  tool: { driver: SarifDriver };
  originalUriBaseIds: Record<'%SRCROOT%', { description: SarifText }>;
  results: SarifResult[];
  properties?: { omittedResults: number };
}
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: [SarifRun];
}

export interface SarifOptions {
  toolVersion: string;
  /** Where users read about the tool (the action's repository); left out of the log when absent. */
  informationUri?: string;
  rules: ReadonlyMap<string, RuleMeta>;
}

/** The options for the built-in rules and this version of the tool; `overrides` wins (the action passes its repository URL). */
export function sarifOptions(overrides: Partial<SarifOptions> = {}): SarifOptions {
  return { toolVersion: TOOL_VERSION, rules: ruleMetaFromRegistry(), ...overrides };
}

const LEVEL: Record<Severity, SarifLevel> = { high: 'error', medium: 'warning', low: 'note' };
const PROBLEM_SEVERITY = { high: 'error', medium: 'warning', low: 'recommendation' } as const;

const LLM_RULE: RuleMeta = {
  id: LLM_RULE_ID,
  summary: 'An architecture concern raised by the LLM reviewer against an agent\'s checklist.',
  why: 'The model reads the diff with the agent\'s definition and reports what the offline rules cannot see; it can be wrong, so read the finding before acting on it.',
  remedy: 'Follow the remedy in the finding, or explain in the pull request why it does not apply.',
  severity: 'medium',
  kind: 'problem',
};

/** Every built-in rule (or those of `rules`) as the metadata SARIF rule entries are made of. */
export function ruleMetaFromRegistry(rules: ReadonlyMap<string, Rule> = RULES): ReadonlyMap<string, RuleMeta> {
  const meta = new Map<string, RuleMeta>();
  for (const rule of rules.values()) {
    const entry: RuleMeta = { id: rule.id, summary: rule.summary, severity: rule.severity, kind: rule.kind };
    if (rule.why !== undefined) entry.why = rule.why;
    if (rule.remedy !== undefined) entry.remedy = rule.remedy;
    meta.set(rule.id, entry);
  }
  return meta;
}

/**
 * The report as a SARIF log for `upload-sarif`: one rule entry per known rule (stable across runs, as code
 * scanning expects), the LLM reviewer's generic rule, and one result per finding, most severe first.
 */
export function toSarif(report: Report, options: SarifOptions): SarifLog {
  const metas = ruleEntries(report.findings, options.rules);
  const index = new Map(metas.map((meta, i) => [meta.id, i]));
  const ordered = [...report.findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const kept = ordered.slice(0, MAX_RESULTS);
  const uri = options.informationUri ? { informationUri: options.informationUri } : {};
  const driver: SarifDriver = { name: TOOL_NAME, version: options.toolVersion, ...uri, rules: metas.map(toRule) };
  const run: SarifRun = {
    tool: { driver },
    originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The root of the repository that was reviewed.' } } },
    results: kept.map((finding) => toResult(finding, index.get(finding.rule) ?? 0)),
  };
  if (ordered.length > kept.length) run.properties = { omittedResults: ordered.length - kept.length };
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}

/** The known rules sorted by id, the LLM rule, then any rule a finding names that the map does not know. */
function ruleEntries(findings: readonly Finding[], known: ReadonlyMap<string, RuleMeta>): RuleMeta[] {
  const metas = [...known.values()].filter((m) => m.id !== LLM_RULE_ID).sort((a, b) => compareText(a.id, b.id));
  metas.push(known.get(LLM_RULE_ID) ?? LLM_RULE);
  const seen = new Set(metas.map((m) => m.id));
  for (const finding of findings) {
    if (seen.has(finding.rule)) continue;
    seen.add(finding.rule);
    metas.push({ id: finding.rule, summary: `Findings of the rule ${finding.rule}.`, severity: finding.severity, kind: finding.kind });
  }
  return metas;
}

function toRule(meta: RuleMeta): SarifRule {
  const full = [meta.summary, meta.why].filter((s): s is string => Boolean(s)).join(' ');
  const textParts = [meta.summary, meta.why && `Why it matters: ${meta.why}`, meta.remedy && `Usual remedy: ${meta.remedy}`];
  const mdParts = [safeMarkdown(meta.summary), meta.why && `**Why it matters:** ${safeMarkdown(meta.why)}`, meta.remedy && `**Usual remedy:** ${safeMarkdown(meta.remedy)}`];
  return {
    id: meta.id,
    name: capChars(pascalCase(meta.id) || meta.id, MAX_NAME),
    shortDescription: { text: capChars(meta.summary, MAX_DESCRIPTION) },
    fullDescription: { text: capChars(full, MAX_DESCRIPTION) },
    help: { text: textParts.filter(Boolean).join('\n\n'), markdown: mdParts.filter(Boolean).join('\n\n') },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: {
      tags: ['architecture', meta.kind === 'question' ? 'needs-info' : 'design', meta.id === LLM_RULE_ID ? 'llm' : 'offline-check'],
      // The offline rules are narrow pattern detectors with tests against false positives; the model can be wrong.
      precision: meta.id === LLM_RULE_ID ? 'medium' : 'high',
      'problem.severity': PROBLEM_SEVERITY[meta.severity],
    },
  };
}

function toResult(finding: Finding, ruleIndex: number): SarifResult {
  const region: SarifRegion = { startLine: finding.line ?? 1 };
  if (finding.line !== undefined && finding.endLine !== undefined && finding.endLine > finding.line) region.endLine = finding.endLine;
  const result: SarifResult = {
    ruleId: finding.rule,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: messageText(finding) },
    // Code scanning needs a line to show a result; a file-level finding is anchored on line 1, like the check run's.
    locations: [{ physicalLocation: { artifactLocation: { uri: fileUri(finding.file), uriBaseId: '%SRCROOT%' }, region } }],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.id },
    properties: { agent: finding.agent, kind: finding.kind, source: finding.source },
  };
  if (finding.line === undefined) result.properties.fileLevel = true;
  return result;
}

/**
 * Plain text: the title first (code scanning shows the first sentence when space is short), then the
 * message and the remedy. Square brackets are escaped as SARIF requires, so untrusted text cannot
 * forge an embedded link (`[text](uri)`).
 */
function messageText(finding: Finding): string {
  const title = /[.!?]$/.test(finding.title.trim()) ? finding.title.trim() : `${finding.title.trim()}.`;
  return [title, finding.message.trim(), finding.remedy.trim() && `Remedy: ${finding.remedy.trim()}`]
    .filter(Boolean)
    .join('\n\n')
    .replace(/[[\]]/g, (c) => `\\${c}`);
}

/** A repository-relative path as a relative URI reference: each segment percent-encoded, `/` kept. */
export function fileUri(path: string): string {
  return path
    .replace(/^\.?\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%40/g, '@'))
    .join('/');
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
