import * as core from '@actions/core';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_LIMITS, emitAnnotations, type AnnotationProps, type AnnotationSink } from '../../src/github/annotations.js';
import type { Finding, Severity } from '../../src/report/types.js';

interface Recorded { level: keyof AnnotationSink; message: string; properties: AnnotationProps }

function recorder(): { sink: AnnotationSink; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const at = (level: keyof AnnotationSink) => (message: string, properties: AnnotationProps) => { calls.push({ level, message, properties }); };
  return { sink: { error: at('error'), warning: at('warning'), notice: at('notice') }, calls };
}

let n = 0;
function finding(severity: Severity, extra: Partial<Finding> = {}): Finding {
  n += 1;
  return {
    id: `f${n}`, agent: 'system-architect', rule: 'http-timeout', severity, kind: 'problem', file: `svc/m${n}.py`, line: n,
    title: `Finding ${n}`, message: `Message ${n}.`, remedy: `Remedy ${n}.`, source: 'check', ...extra,
  };
}

describe('emitAnnotations', () => {
  it('accepts @actions/core itself as the sink', () => {
    const sink: AnnotationSink = core;
    expect(typeof sink.notice).toBe('function');
  });

  it('maps severities to levels and carries the title, file, lines, message and remedy', () => {
    const { sink, calls } = recorder();
    const out = emitAnnotations([finding('low', { line: 3, endLine: 6 }), finding('high'), finding('medium', { line: undefined })], sink);
    expect(out).toEqual({ emitted: 3, omitted: 0 });
    expect(calls.map((c) => c.level)).toEqual(['error', 'warning', 'notice']);
    const [high, fileLevel, range] = calls;
    expect(high?.properties).toEqual({ title: expect.stringMatching(/^Finding \d+$/), file: expect.stringMatching(/^svc\/m\d+\.py$/), startLine: expect.any(Number), endLine: expect.any(Number) });
    expect(high?.message).toMatch(/^Message \d+\.\n\nRemedy: Remedy \d+\.\n\nsystem-architect · http-timeout$/);
    expect(fileLevel?.properties).toMatchObject({ startLine: 1, endLine: 1 });
    expect(range?.properties).toMatchObject({ startLine: 3, endLine: 6 });
  });

  it('keeps within 10 of each level per step, most severe first, and counts what it left out', () => {
    const findings = [
      ...Array.from({ length: 15 }, () => finding('low')),
      ...Array.from({ length: 12 }, () => finding('high', { kind: 'question' })),
      ...Array.from({ length: 3 }, () => finding('medium')),
      ...Array.from({ length: 2 }, () => finding('high')),
    ];
    const { sink, calls } = recorder();
    expect(emitAnnotations(findings, sink)).toEqual({ emitted: 23, omitted: 9 });
    const count = (level: string) => calls.filter((c) => c.level === level).length;
    expect([count('error'), count('warning'), count('notice')]).toEqual([10, 3, 10]);
    // The two high problems outrank the high questions that came before them in the report.
    const highProblems = findings.slice(-2).map((f) => f.title);
    expect(calls.slice(0, 2).map((c) => c.properties.title)).toEqual(highProblems);
    expect(calls.findIndex((c) => c.level === 'notice')).toBeGreaterThan(calls.findLastIndex((c) => c.level === 'warning'));
  });

  it('stops at the job limit, keeping the most severe', () => {
    const { sink, calls } = recorder();
    const findings = [...Array.from({ length: 5 }, () => finding('low')), ...Array.from({ length: 5 }, () => finding('medium')), ...Array.from({ length: 5 }, () => finding('high'))];
    expect(emitAnnotations(findings, sink, { ...ANNOTATION_LIMITS, perJob: 7 })).toEqual({ emitted: 7, omitted: 8 });
    expect(calls.map((c) => c.level)).toEqual(['error', 'error', 'error', 'error', 'error', 'warning', 'warning']);
  });

  it('emits nothing for no findings', () => {
    const { sink, calls } = recorder();
    expect(emitAnnotations([], sink)).toEqual({ emitted: 0, omitted: 0 });
    expect(calls).toEqual([]);
  });

  it('hands untrusted text to the sink unchanged, and @actions/core encodes it so it cannot start a command', () => {
    const { sink, calls } = recorder();
    const evil = finding('high', { message: 'x\n::error::forged\r\n%0A', title: 'a,b:c', file: 'we:ird,name.py' });
    emitAnnotations([evil], sink);
    expect(calls[0]?.message.startsWith('x\n::error::forged\r\n%0A')).toBe(true);
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      emitAnnotations([evil], core);
    } finally {
      process.stdout.write = original;
    }
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=a%2Cb%3Ac,file=we%3Aird%2Cname\.py,line=\d+,endLine=\d+::x%0A::error::forged%0D%0A%250A/);
  });
});
