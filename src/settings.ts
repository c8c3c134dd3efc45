import { z } from 'zod';

export const FAIL_ON = ['none', 'needs_info', 'blocked'] as const;
export type FailOn = (typeof FAIL_ON)[number];

const Bool = z.enum(['true', 'false', '']).transform((v) => v !== 'false');

const InputsSchema = z.object({
  'github-token': z.string(),
  'agents-path': z.string().min(1).default('.github/architect-review/agents'),
  'config-path': z.string().min(1).default('.github/architect-review.yml'),
  'builtin-agents': Bool,
  'fail-on': z.enum(FAIL_ON, { error: `must be one of ${FAIL_ON.join(', ')}` }),
  'report-path': z.string(),
  comment: Bool,
});

export interface Settings {
  readonly token: string;
  readonly agentsPath: string;
  readonly configPath: string;
  readonly builtinAgents: boolean;
  readonly failOn: FailOn;
  readonly reportPath: string;
  readonly comment: boolean;
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
  });
}

/** Whether a run with this status fails the step (or the CLI) under `failOn`. */
export function gateFails(failOn: FailOn, status: 'ok' | 'needs_info' | 'blocked'): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'blocked') return status === 'blocked';
  return status !== 'ok';
}
