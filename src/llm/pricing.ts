/**
 * An estimate of what the LLM reviewer's calls cost.
 * The prices are Anthropic's published list prices (USD per million tokens) as known when this was
 * written (late 2026): no batch or negotiated discounts, no regional (`inference_geo`) surcharge,
 * and cache writes at the 5-minute rate, which is what `cache_control: ephemeral` buys. The figure is
 * an estimate to show next to the report, not a bill.
 */
import type { CallUsage } from './types.js';

interface Price {
  input: number;
  output: number;
  /** 5-minute cache write. */
  cacheWrite: number;
  /** Cache hit (read). */
  cacheRead: number;
}

const p = (input: number, output: number, cacheWrite: number, cacheRead: number): Price => ({ input, output, cacheWrite, cacheRead });

const FABLE_5_2 = p(8, 40, 10, 0.2);
const FABLE_5_1 = p(10, 50, 12.5, 0.25);
const FABLE_5 = p(10, 50, 12.5, 1);
const OPUS_5_5 = p(4, 20, 5, 0.2);
const OPUS = p(5, 25, 6.25, 0.5);
const SONNET_5 = p(2, 10, 2.5, 0.2);
const SONNET_4 = p(3, 15, 3.75, 0.3);
// Haiku 5.5 is priced by prompt size; this is the tier for prompts up to 100k tokens, which is
// where review chunks fall (a >100k prompt costs $0.50 / $2.50 per million).
const HAIKU_5_5 = p(0.1, 0.5, 0.125, 0.01);
const HAIKU_4_5 = p(1, 5, 1.25, 0.1);

/** Used for a model missing from the table (see `isPriced`). */
const FALLBACK = SONNET_5;

/** Model id → price. A dated snapshot id (`claude-haiku-4-5-20251001`) is priced as its base id. */
const PRICES: Record<string, Price> = {
  'claude-fable-5-2': FABLE_5_2,
  'claude-mythos-5-2': FABLE_5_2,
  'claude-fable-5-1': FABLE_5_1,
  'claude-mythos-5-1': FABLE_5_1,
  'claude-fable-5': FABLE_5,
  'claude-mythos-5': FABLE_5,
  'claude-opus-5-5': OPUS_5_5,
  'claude-opus-5': OPUS,
  'claude-opus-4-8': OPUS,
  'claude-opus-4-7': OPUS,
  'claude-opus-4-6': OPUS,
  'claude-opus-4-5': OPUS,
  'claude-sonnet-5-5': SONNET_5,
  'claude-sonnet-5': SONNET_5,
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-haiku-5-5': HAIKU_5_5,
  'claude-haiku-4-5': HAIKU_4_5,
};

const SNAPSHOT_SUFFIX = /-\d{8}$/;

function priceOf(model: string): Price | undefined {
  const id = model.trim().toLowerCase();
  return PRICES[id] ?? PRICES[id.replace(SNAPSHOT_SUFFIX, '')];
}

/** True when the table has a list price for `model`; otherwise `estimateCostUsd` uses Sonnet's. */
export function isPriced(model: string): boolean {
  return priceOf(model) !== undefined;
}

/** Estimated USD cost of `usage` on `model` at list prices (Sonnet's for an unknown model). */
export function estimateCostUsd(model: string, usage: CallUsage): number {
  const price = priceOf(model) ?? FALLBACK;
  const perMillion =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheWriteTokens * price.cacheWrite +
    usage.cacheReadTokens * price.cacheRead;
  return perMillion / 1_000_000;
}
