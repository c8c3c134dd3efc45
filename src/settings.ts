import { z } from 'zod';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MODEL, MIN_INPUT_TOKENS, MODEL_ID } from './llm/types.js';

export const FAIL_ON = ['none', 'needs_info', 'blocked'] as const;
/** Inline comments per review, unless the `max-inline-comments` input says otherwise. */
export const DEFAULT_MAX_INLINE = 20;
export type FailOn = (typeof FAIL_ON)[number];

const Bool = z.enum(['true', 'false', ''], { error: 'must be true or false' }).transform((v) => v !== 'false');
/** A whole number in [min, max], given as text; empty means the default. */
const Count = (fallback: number, min: number, max: number) =>
  z
    .string()
    .transform((v) => (v === '' ? String(fallback) : v))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const InputsSchema = z.object({
  'github-token': z.string(),
  'agents-path': z.string().min(1).default('.github/architect-review/agents'),
  'config-path': z.string().min(1).default('.github/architect-review.yml'),
  'builtin-agents': Bool,
  'fail-on': z.enum(FAIL_ON, { error: `must be one of ${FAIL_ON.join(', ')}` }),
  'report-path': z.string(),
  comment: Bool,
  'anthropic-api-key': z.string(),
  model: z.string().regex(new RegExp(`^$|${MODEL_ID.source}`), `must be a model id such as ${DEFAULT_MODEL}`),
  'max-input-tokens': Count(DEFAULT_MAX_INPUT_TOKENS, MIN_INPUT_TOKENS, 10_000_000),
  'llm-concurrency': Count(DEFAULT_CONCURRENCY, 1, 16),
  'inline-comments': Bool,
  'max-inline-comments': Count(DEFAULT_MAX_INLINE, 0, 100),
  'check-run': Bool,
  'sarif-file': z.string(),
});

export interface Settings {
  readonly token: string;
  readonly agentsPath: string;
  readonly configPath: string;
  readonly builtinAgents: boolean;
  readonly failOn: FailOn;
  readonly reportPath: string;
  readonly comment: boolean;
  /** The LLM reviewer's key and limits; absent key = offline review only. */
  readonly llm: { readonly apiKey: string; readonly model: string; readonly maxInputTokens: number; readonly concurrency: number };
  readonly inlineComments: boolean;
  readonly maxInlineComments: number;
  readonly checkRun: boolean;
  /** Where to write SARIF; empty = no SARIF. */
  readonly sarifFile: string;
}

/** The action's inputs, read once, validated, frozen. `read` is `core.getInput` in the action. */
export function readSettings(read: (name: string) => string, env: NodeJS.ProcessEnv): Settings {
  const raw = Object.fromEntries(Object.keys(InputsSchema.shape).map((name) => [name, read(name).trim()]));
  if (raw['fail-on'] === '') raw['fail-on'] = 'none';
  if (raw['agents-path'] === '') delete raw['agents-path'];
  if (raw['config-path'] === '') delete raw['config-path'];
  const parsed = InputsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `input "${String(i.path[0])}" ${i.message}`).join('; ');
    throw new Error(`Invalid action inputs: ${issues}.`);
  }
  const inputs = parsed.data;
  const temp = env.RUNNER_TEMP ?? env.TMPDIR ?? '/tmp';
  return Object.freeze({
    token: inputs['github-token'],
    agentsPath: inputs['agents-path'].replace(/\/+$/, ''),
    configPath: inputs['config-path'].replace(/^\.\//, ''),
    builtinAgents: inputs['builtin-agents'],
    failOn: inputs['fail-on'],
    reportPath: inputs['report-path'] || `${temp}/architect-review/report.json`,
    comment: inputs.comment,
    llm: Object.freeze({
      apiKey: inputs['anthropic-api-key'],
      model: inputs.model || DEFAULT_MODEL,
      maxInputTokens: inputs['max-input-tokens'],
      concurrency: inputs['llm-concurrency'],
    }),
    inlineComments: inputs['inline-comments'],
    maxInlineComments: inputs['max-inline-comments'],
    checkRun: inputs['check-run'],
    sarifFile: inputs['sarif-file'],
  });
}

/** Whether a run with this status fails the step (or the CLI) under `failOn`. */
export function gateFails(failOn: FailOn, status: 'ok' | 'needs_info' | 'blocked'): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'blocked') return status === 'blocked';
  return status !== 'ok';
}
