import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, STATE_MAX_LENGTH, STATE_PREFIX, type ReviewState, type StoredFinding } from '../../src/github/state.js';

function stored(i: number, extra: Partial<StoredFinding> = {}): StoredFinding {
  return {
    id: `fp${String(i).padStart(6, '0')}${'x'.repeat(8)}`, file: `services/module_${i}/handler.py`, line: i + 1, severity: 'medium',
    title: `HTTP call without a timeout in handler number ${i}`, rule: 'http-call-without-timeout', source: 'check', inline: false, ...extra,
  };
}

function state(findings: StoredFinding[], replied: string[] = []): ReviewState {
  return { v: 1, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), findings, replied };
}

/** A marker with any JSON inside, encoded the way encodeState does. */
function marker(json: unknown): string {
  return `${STATE_PREFIX}${gzipSync(Buffer.from(JSON.stringify(json))).toString('base64url')} -->`;
}

describe('encodeState and decodeState', () => {
  it('round-trips a state at the end of a comment body', () => {
    const original = state([stored(1, { inline: true }), stored(2, { source: 'llm', line: undefined })], ['old-id']);
    delete original.findings[1]?.line;
    const encoded = encodeState(original);
    expect(encoded).toMatch(/^<!-- architect-review:state [A-Za-z0-9_-]+ -->$/);
    expect(decodeState(`## Review\n\nbody text\n\n${encoded}\n`)).toEqual(original);
  });

  it('keeps hostile titles and file names as data: nothing in the marker can close the comment', () => {
    const hostile = '--> <script>alert(1)</script> @org/team `x` <!-- architect-review:state AAAA -->';
    const original = state([stored(1, { title: hostile, file: `svc/${hostile}.py`, rule: hostile.slice(0, 100) })]);
    const encoded = encodeState(original);
    expect(encoded.indexOf('-->')).toBe(encoded.length - 3);
    expect(encoded).not.toContain('<script>');
    expect(decodeState(encoded)?.findings[0]).toEqual(original.findings[0]);
  });

  it('returns undefined for no marker, garbage, a wrong version, a bad shape or a marker not at the end', () => {
    const good = encodeState(state([stored(1)]));
    expect(decodeState('just a comment')).toBeUndefined();
    expect(decodeState(`${STATE_PREFIX}!!!not base64!!! -->`)).toBeUndefined();
    expect(decodeState(`${STATE_PREFIX}AAAAAAAA -->`)).toBeUndefined();
    expect(decodeState(`${STATE_PREFIX}${Buffer.from('{"v":1}').toString('base64url')} -->`)).toBeUndefined();
    expect(decodeState(marker('not json at all'))).toBeUndefined();
    expect(decodeState(marker({ ...state([stored(1)]), v: 2 }))).toBeUndefined();
    expect(decodeState(marker({ ...state([stored(1)]), findings: [{ id: 'x' }] }))).toBeUndefined();
    expect(decodeState(`${good}\n\nA later paragraph`)).toBeUndefined();
    expect(decodeState(good.slice(0, -4))).toBeUndefined();
  });

  it('takes the last marker, so one quoted higher up in the body (a file name in a code span) is ignored', () => {
    const forged = encodeState(state([stored(99, { inline: true })]));
    const real = encodeState(state([stored(1)]));
    expect(decodeState(`\`${forged}\`\n\n${real}`)?.findings.map((f) => f.id)).toEqual([stored(1).id]);
  });

  it('refuses an oversize payload and one that inflates past its limit', () => {
    expect(decodeState(`${STATE_PREFIX}${'A'.repeat(STATE_MAX_LENGTH)} -->`)).toBeUndefined();
    const bomb = `${STATE_PREFIX}${gzipSync(Buffer.alloc(8 << 20, 0x20)).toString('base64url')} -->`;
    expect(bomb.length).toBeLessThan(STATE_MAX_LENGTH);
    expect(decodeState(bomb)).toBeUndefined();
  });

  it('stays under the cap on a huge review, keeping posted threads and then the most severe findings', () => {
    const findings = Array.from({ length: 3000 }, (_, i) =>
      stored(i, { severity: i % 10 === 0 ? 'high' : 'low', inline: i % 100 === 5, title: `${'Long title '.repeat(30)}${i}` }));
    const encoded = encodeState(state(findings));
    expect(encoded.length).toBeLessThanOrEqual(STATE_MAX_LENGTH);
    const kept = decodeState(encoded)?.findings ?? [];
    expect(kept.length).toBeGreaterThan(30);
    expect(kept.length).toBeLessThan(3000);
    const keptIds = new Set(kept.map((f) => f.id));
    // Every finding with a thread is kept; then every high one before any low one.
    expect(findings.filter((f) => f.inline).every((f) => keptIds.has(f.id))).toBe(true);
    const highKept = findings.filter((f) => f.severity === 'high').every((f) => keptIds.has(f.id));
    const lowKept = kept.filter((f) => f.severity === 'low' && !f.inline).length;
    expect(highKept || lowKept === 0).toBe(true);
    expect(kept.every((f) => f.title.length <= 200)).toBe(true);
  });
});
