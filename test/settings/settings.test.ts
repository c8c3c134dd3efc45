import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INLINE, readSettings } from '../../src/settings.js';
import { DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MODEL, llmSettings } from '../../src/llm/types.js';

const read = (inputs: Record<string, string>) => (name: string): string => inputs[name] ?? '';

describe('readSettings', () => {
  it('gives the documented defaults when the inputs are empty', () => {
    const s = readSettings(read({ 'github-token': 't' }), { RUNNER_TEMP: '/runner' });
    expect(s.failOn).toBe('none');
    expect(s.reportPath).toBe('/runner/architect-review/report.json');
    expect(s.llm).toEqual({ apiKey: '', model: DEFAULT_MODEL, maxInputTokens: DEFAULT_MAX_INPUT_TOKENS, concurrency: 4 });
    expect(s.inlineComments).toBe(true);
    expect(s.maxInlineComments).toBe(DEFAULT_MAX_INLINE);
    expect(s.checkRun).toBe(true);
    expect(s.sarifFile).toBe('');
    expect(Object.isFrozen(s) && Object.isFrozen(s.llm)).toBe(true);
  });

  it('reads the LLM, inline and check-run inputs', () => {
    const s = readSettings(
      read({
        'github-token': 't', 'anthropic-api-key': ' sk-test ', model: 'claude-opus-5', 'max-input-tokens': '20000',
        'llm-concurrency': '2', 'inline-comments': 'false', 'max-inline-comments': '5', 'check-run': 'false', 'sarif-file': 'out.sarif',
      }),
      {},
    );
    expect(s.llm).toEqual({ apiKey: 'sk-test', model: 'claude-opus-5', maxInputTokens: 20_000, concurrency: 2 });
    expect([s.inlineComments, s.maxInlineComments, s.checkRun, s.sarifFile]).toEqual([false, 5, false, 'out.sarif']);
  });

  it.each([
    [{ 'max-input-tokens': 'lots' }, 'input "max-input-tokens" must be a whole number'],
    [{ 'max-input-tokens': '10' }, 'input "max-input-tokens" must be at least 1000'],
    [{ 'llm-concurrency': '64' }, 'input "llm-concurrency" must be at most 16'],
    [{ 'inline-comments': 'yes' }, 'input "inline-comments" must be true or false'],
    [{ model: 'claude sonnet' }, 'input "model" must be a model id'],
    [{ 'fail-on': 'always' }, 'input "fail-on" must be one of none, needs_info, blocked'],
  ])('names the input and what is allowed: %o', (inputs, message) => {
    expect(() => readSettings(read({ 'github-token': 't', ...inputs }), {})).toThrow(message);
  });
});

describe('llmSettings', () => {
  it('takes the base URL and a shorter timeout from the environment', () => {
    const s = llmSettings({ apiKey: 'k' }, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ARCHITECT_REVIEW_LLM_TIMEOUT_MS: '500' });
    expect(s).toMatchObject({ apiKey: 'k', model: DEFAULT_MODEL, baseURL: 'http://127.0.0.1:9', timeoutMs: 500, maxRetries: 3 });
  });

  it('ignores a timeout that is not a positive number', () => {
    expect(llmSettings({ apiKey: 'k' }, { ARCHITECT_REVIEW_LLM_TIMEOUT_MS: 'soon' }).timeoutMs).toBe(120_000);
    expect(llmSettings({ apiKey: 'k' }, {}).baseURL).toBeUndefined();
  });
});
