import { parseArgs } from 'node:util';
import { DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MODEL, MIN_INPUT_TOKENS, MODEL_ID } from '../llm/types.js';
import { FAIL_ON, type FailOn } from '../settings.js';

export const USAGE = `Usage: architect-review review [options]

Reviews a change offline with the architect agents and prints the review.

Where the change comes from (one of):
  --base REF [--head REF]   local git: the change from the merge base of REF to --head (default HEAD)
  --diff FILE               a unified diff file; "-" reads standard input

Options:
  --repo DIR                the git repository (default: the current directory)
  --title TEXT, --body TEXT the pull request's title and description (default: the head commit's message)
  --title-file F, --body-file F   the same, read from files
  --agents DIR              a folder of the repository's own agents (default: .github/architect-review/agents
                            as it is at the --base commit; with --diff, as it is in --repo's working tree)
  --no-builtin-agents       use only the repository's own agents
  --config FILE             the configuration file (default: .github/architect-review.yml, found like --agents)
  --format markdown|json|sarif   the output (default markdown)
  --output FILE             also write the JSON report to FILE
  --fail-on none|needs_info|blocked   exit 1 when the status is at least this (default none)
  --offline                 never call a model, even when ANTHROPIC_API_KEY is set
  --model ID                the model of the LLM reviewer (default ${DEFAULT_MODEL})
  --max-input-tokens N      the most input tokens the LLM reviewer sends in this run (default ${DEFAULT_MAX_INPUT_TOKENS})
  -h, --help                this text

The review is offline unless ANTHROPIC_API_KEY is set in the environment (and --offline is not given);
then each routed agent also reviews the change with the model, within --max-input-tokens.

Exit codes: 0 reviewed (and the --fail-on gate passed), 1 the gate failed, 2 usage or input error.`;

export interface ReviewArgs {
  command: 'review';
  repo: string;
  source: { kind: 'git'; base: string; head: string } | { kind: 'diff'; file: string };
  title?: string;
  body?: string;
  titleFile?: string;
  bodyFile?: string;
  agents?: string;
  config?: string;
  builtinAgents: boolean;
  format: 'markdown' | 'json' | 'sarif';
  output?: string;
  failOn: FailOn;
  offline: boolean;
  model?: string;
  maxInputTokens?: number;
}

export type CliArgs = ReviewArgs | { command: 'help' };

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        repo: { type: 'string' }, base: { type: 'string' }, head: { type: 'string' }, diff: { type: 'string' },
        title: { type: 'string' }, body: { type: 'string' }, 'title-file': { type: 'string' }, 'body-file': { type: 'string' },
        agents: { type: 'string' }, config: { type: 'string' }, 'no-builtin-agents': { type: 'boolean' }, format: { type: 'string' },
        output: { type: 'string' }, 'fail-on': { type: 'string' }, help: { type: 'boolean', short: 'h' },
        offline: { type: 'boolean' }, model: { type: 'string' }, 'max-input-tokens': { type: 'string' },
      },
    });
  } catch (error) {
    // Node's parseArgs adds advice about positionals after the first sentence; keep the first.
    throw new UsageError(((error as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional.*$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return { command: 'help' };
  const [command, ...extra] = positionals;
  if (command !== 'review') throw new UsageError(`unknown command "${command}" (try: architect-review review --help)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.diff !== undefined && (values.base !== undefined || values.head !== undefined)) {
    throw new UsageError('give either --diff or --base/--head, not both');
  }
  if (values.diff === undefined && values.base === undefined) {
    throw new UsageError('say what to review: --base REF [--head REF] or --diff FILE (- for stdin)');
  }
  if (values.title !== undefined && values['title-file'] !== undefined) throw new UsageError('give --title or --title-file, not both');
  if (values.body !== undefined && values['body-file'] !== undefined) throw new UsageError('give --body or --body-file, not both');
  const format = values.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be markdown, json or sarif, not "${format}"`);
  }
  const budget = values['max-input-tokens'];
  if (budget !== undefined && (!/^\d+$/.test(budget) || Number(budget) < MIN_INPUT_TOKENS)) {
    throw new UsageError(`--max-input-tokens must be a whole number of at least ${MIN_INPUT_TOKENS}, not "${budget}"`);
  }
  if (values.model !== undefined && !MODEL_ID.test(values.model)) {
    throw new UsageError(`--model must be a model id such as ${DEFAULT_MODEL}, not "${values.model}"`);
  }
  const failOn = values['fail-on'] ?? 'none';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not "${failOn}"`);
  return {
    command: 'review',
    repo: values.repo ?? '.',
    source: values.diff !== undefined ? { kind: 'diff', file: values.diff } : { kind: 'git', base: values.base ?? '', head: values.head ?? 'HEAD' },
    ...(values.title === undefined ? {} : { title: values.title }),
    ...(values.body === undefined ? {} : { body: values.body }),
    ...(values['title-file'] === undefined ? {} : { titleFile: values['title-file'] }),
    ...(values['body-file'] === undefined ? {} : { bodyFile: values['body-file'] }),
    ...(values.agents === undefined ? {} : { agents: values.agents }),
    ...(values.config === undefined ? {} : { config: values.config }),
    builtinAgents: !values['no-builtin-agents'],
    format,
    ...(values.output === undefined ? {} : { output: values.output }),
    failOn: failOn as FailOn,
    offline: values.offline === true,
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(budget === undefined ? {} : { maxInputTokens: Number(budget) }),
  };
}
