/**
 * Workflow annotations: the fallback when the token cannot create a check run (fork pull requests).
 * GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per job;
 * the rest are dropped silently (https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations).
 */
import { SEVERITY_RANK, type Finding, type Severity } from '../report/types.js';

/** Where an annotation points; the shape of `@actions/core`'s `AnnotationProperties`. */
export interface AnnotationProps {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
}

type Emit = (message: string, properties: AnnotationProps) => void;

/** What `emitAnnotations` writes to: `@actions/core` itself in the action, a recorder in tests. */
export interface AnnotationSink {
  error: Emit;
  warning: Emit;
  notice: Emit;
}

export interface AnnotationLimits {
  /** Annotations of one level GitHub shows per step. */
  perLevel: number;
  /** Annotations GitHub shows per job, across all its steps. */
  perJob: number;
}

export const ANNOTATION_LIMITS: AnnotationLimits = Object.freeze({ perLevel: 10, perJob: 50 });

export interface AnnotationOutcome {
  emitted: number;
  /** Findings left out to stay within the limits: the summary should say how many. */
  omitted: number;
}

export type WorkflowLevel = keyof AnnotationSink;
export const WORKFLOW_LEVEL: Readonly<Record<Severity, WorkflowLevel>> = Object.freeze({ high: 'error', medium: 'warning', low: 'notice' });

const KIND_RANK: Record<Finding['kind'], number> = { problem: 0, question: 1 };

/** Findings most severe first (problems before questions on a tie), otherwise in their report order. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
}

/** The body of an annotation: what is wrong, then the remedy and where the finding came from. */
export function annotationMessage(finding: Finding): string {
  const parts = [finding.message.trim(), finding.remedy.trim() && `Remedy: ${finding.remedy.trim()}`, `${finding.agent} · ${finding.rule}`];
  return parts.filter(Boolean).join('\n\n');
}

/** The lines an annotation covers; a file-level finding is anchored on line 1 so GitHub shows it on the file. */
export function annotationLines(finding: Finding): { startLine: number; endLine: number } {
  const startLine = finding.line ?? 1;
  const endLine = finding.line !== undefined && finding.endLine !== undefined && finding.endLine > startLine ? finding.endLine : startLine;
  return { startLine, endLine };
}

/**
 * Writes the findings as workflow annotations, most severe first, within GitHub's per-step and per-job
 * limits (`limits.perJob` can be lowered when earlier steps of the job have annotated already).
 * The sink escapes the text: `@actions/core` encodes `%`, CR and LF, so untrusted text cannot start a command.
 */
export function emitAnnotations(findings: readonly Finding[], sink: AnnotationSink, limits: AnnotationLimits = ANNOTATION_LIMITS): AnnotationOutcome {
  const used: Record<WorkflowLevel, number> = { error: 0, warning: 0, notice: 0 };
  let emitted = 0;
  for (const finding of bySeverity(findings)) {
    const level = WORKFLOW_LEVEL[finding.severity];
    if (emitted >= limits.perJob || used[level] >= limits.perLevel) continue;
    const properties: AnnotationProps = { title: finding.title, file: finding.file, ...annotationLines(finding) };
    sink[level](annotationMessage(finding), properties);
    used[level] += 1;
    emitted += 1;
  }
  return { emitted, omitted: findings.length - emitted };
}
