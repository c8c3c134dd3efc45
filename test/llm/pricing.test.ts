import { describe, expect, it } from 'vitest';
import { estimateCostUsd, isPriced } from '../../src/llm/pricing.js';
import type { CallUsage } from '../../src/llm/types.js';

const MILLION = 1_000_000;
const only = (part: Partial<CallUsage>): CallUsage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...part });

describe('estimateCostUsd', () => {
  it('prices each kind of token at its own list rate', () => {
    expect(estimateCostUsd('claude-sonnet-5-5', only({ inputTokens: MILLION }))).toBeCloseTo(2);
    expect(estimateCostUsd('claude-sonnet-5-5', only({ outputTokens: MILLION }))).toBeCloseTo(10);
    expect(estimateCostUsd('claude-sonnet-5-5', only({ cacheWriteTokens: MILLION }))).toBeCloseTo(2.5);
    expect(estimateCostUsd('claude-sonnet-5-5', only({ cacheReadTokens: MILLION }))).toBeCloseTo(0.2);
  });

  it('adds the parts up', () => {
    const usage = { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 5_000 };
    // 10k × $5 + 2k × $25 + 50k × $0.50 + 5k × $6.25, per million
    expect(estimateCostUsd('claude-opus-4-8', usage)).toBeCloseTo((50_000 + 50_000 + 25_000 + 31_250) / MILLION, 10);
  });

  it('tells the families apart', () => {
    const input = only({ inputTokens: MILLION });
    expect(estimateCostUsd('claude-fable-5-2', input)).toBeCloseTo(8);
    expect(estimateCostUsd('claude-fable-5-1', input)).toBeCloseTo(10);
    expect(estimateCostUsd('claude-opus-5-5', input)).toBeCloseTo(4);
    expect(estimateCostUsd('claude-sonnet-4-6', input)).toBeCloseTo(3);
    expect(estimateCostUsd('claude-haiku-4-5', input)).toBeCloseTo(1);
    expect(estimateCostUsd('claude-haiku-5-5', input)).toBeCloseTo(0.1);
  });

  it('prices a dated snapshot as its model', () => {
    expect(isPriced('claude-haiku-4-5-20251001')).toBe(true);
    expect(estimateCostUsd('claude-haiku-4-5-20251001', only({ outputTokens: MILLION }))).toBeCloseTo(5);
  });

  it('uses the Sonnet price for an unknown model, and says it is not priced', () => {
    expect(isPriced('claude-sonnet-5-5')).toBe(true);
    expect(isPriced('claude-someday-9')).toBe(false);
    const usage = { inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 200, cacheWriteTokens: 100 };
    expect(estimateCostUsd('claude-someday-9', usage)).toBe(estimateCostUsd('claude-sonnet-5-5', usage));
    expect(estimateCostUsd('claude-someday-9', usage)).toBeGreaterThan(0);
  });

  it('is zero for no usage', () => {
    expect(estimateCostUsd('claude-opus-5-5', only({}))).toBe(0);
  });
});
