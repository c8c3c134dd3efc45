import picomatch from 'picomatch';
import { z } from 'zod';
import type { Severity } from '../report/types.js';

/** Where the repository's configuration file lives unless the caller says otherwise. */
export const DEFAULT_CONFIG_PATH = '.github/architect-review.yml';

export const SEVERITIES = ['low', 'medium', 'high'] as const satisfies readonly Severity[];
/** `rules.<id>: off` and friends: shorthands for `{ enabled }` and `{ severity }`. */
export const RULE_SHORTHANDS = ['off', 'on', ...SEVERITIES] as const;

/** The keys allowed at each level, for "unknown key" messages. */
export const ROOT_KEYS = ['ignore', 'rules', 'agents', 'agent-folders'] as const;
export const RULE_KEYS = ['enabled', 'severity'] as const;
export const AGENT_KEYS = ['enabled', 'paths'] as const;

/** A built-in rule as the configuration leaves it. */
export interface RuleSetting {
  readonly enabled: boolean;
  /** The severity its findings get instead of the rule's own; absent: unchanged. */
  readonly severity?: Severity;
}

/** An agent as the configuration leaves it. */
export interface AgentSetting {
  readonly enabled: boolean;
  /** Globs routing more files to the agent, on top of its own `review.paths`. */
  readonly paths: readonly string[];
  /** Line of the agent's key in the file, for warnings about names no agent has. */
  readonly line: number;
}

/** The repository configuration, parsed and frozen. Records are keyed by rule id and agent name. */
export interface Config {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly ignore: readonly string[];
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly agents: Readonly<Record<string, AgentSetting>>;
  /** Repository-relative folders of more agents, normalised (no `./`, no trailing `/`). */
  readonly agentFolders: readonly string[];
}

/** `['a', 'b', 'c']` → `a, b or c`. */
function oneOf(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values.join('');
}

/** How a YAML value reads in a message: `a number`, `a list`, `the string "x"`. */
export function describeInput(input: unknown): string {
  if (input === null || input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'boolean') return String(input);
  return /^[aeiou]/.test(typeof input) ? `an ${typeof input}` : `a ${typeof input}`;
}

/** A schema's message for a value of the wrong type; other issues (unknown keys...) keep theirs. */
function expected(what: string): { error: (issue: z.core.$ZodRawIssue) => string | undefined } {
  return {
    error: (issue) =>
      issue.code === 'invalid_type' || issue.code === 'invalid_value' ? `expected ${what}, got ${describeInput(issue.input)}` : undefined,
  };
}

/** Same options as the router, with `debug` so a pattern that cannot compile throws instead of matching nothing. */
function globProblem(glob: string): string | undefined {
  if (glob === '') return 'a glob must not be empty';
  if (glob.startsWith('/')) return 'globs match repository-relative paths: drop the leading /';
  if (/^!(?!\()/.test(glob)) return 'negated globs (!) are not supported: list the paths that should match';
  try {
    picomatch.makeRe(glob, { dot: true, debug: true });
    return undefined;
  } catch (cause) {
    return `not a valid glob (${cause instanceof Error ? cause.message : String(cause)})`;
  }
}

const Glob = z
  .string(expected('a glob string'))
  .superRefine((glob, ctx) => {
    const problem = globProblem(glob);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: glob });
  });
const Globs = z.array(Glob, expected('a list of glob strings')).nullish();

function folderProblem(path: string): string | undefined {
  if (path.includes('\\')) return 'use / to separate folders';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'must be a folder inside the repository, not an absolute path';
  const segments = path.split('/');
  if (segments.includes('..')) return 'must stay inside the repository (no .. segments)';
  if (segments.every((s) => s === '' || s === '.')) return 'must name a folder inside the repository, not its root';
  return undefined;
}

const Folder = z
  .string(expected('a repository-relative folder path'))
  .superRefine((path, ctx) => {
    const problem = folderProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: path });
  })
  .transform((path) => path.split('/').filter((s) => s !== '' && s !== '.').join('/'));

const RULE_VALUES = `${oneOf(RULE_SHORTHANDS)}, or a mapping { enabled: true|false, severity: ${SEVERITIES.join('|')} }`;

const SHORTHAND: Readonly<Record<string, { enabled?: boolean; severity?: Severity }>> = {
  off: { enabled: false },
  on: { enabled: true },
  low: { severity: 'low' },
  medium: { severity: 'medium' },
  high: { severity: 'high' },
};

const RuleValue = z.preprocess(
  (value) => (typeof value === 'string' && Object.hasOwn(SHORTHAND, value) ? SHORTHAND[value] : value),
  z
    .strictObject(
      {
        enabled: z.boolean(expected('true or false')).optional(),
        severity: z.enum(SEVERITIES, expected(oneOf(SEVERITIES))).optional(),
      },
      expected(RULE_VALUES),
    )
    .transform((rule): RuleSetting => ({ enabled: rule.enabled ?? true, ...(rule.severity ? { severity: rule.severity } : {}) })),
);

const AGENT_NAME = /^[a-z0-9][a-z0-9-]*$/;

const AgentValue = z
  .strictObject(
    { enabled: z.boolean(expected('true or false')).optional(), paths: Globs },
    expected('a mapping { enabled: true|false, paths: [globs] }'),
  )
  .nullish()
  .transform((agent) => ({ enabled: agent?.enabled ?? true, paths: agent?.paths ?? [] }));

/** The schema of the file, given the ids of the built-in rules (a rule id not among them is an error). */
export function configSchema(knownRules: ReadonlySet<string>) {
  const known = [...knownRules].sort().join(', ') || 'none';
  const RuleId = z.string().refine((id) => knownRules.has(id), `unknown rule (known: ${known})`);
  const AgentName = z.string().regex(AGENT_NAME, 'not an agent name (agent names use lower-case letters, digits and dashes)');
  return z
    .strictObject(
      {
        ignore: Globs,
        rules: z.record(RuleId, RuleValue, expected(`a mapping of rule id to ${RULE_SHORTHANDS.join('|')}|{ enabled, severity }`)).nullish(),
        agents: z.record(AgentName, AgentValue, expected('a mapping of agent name to { enabled, paths }')).nullish(),
        'agent-folders': z.array(Folder, expected('a list of repository-relative folder paths')).nullish(),
      },
      expected(`a mapping with the keys ${ROOT_KEYS.join(', ')}`),
    )
    .nullish();
}

export type ParsedConfig = z.output<ReturnType<typeof configSchema>>;
