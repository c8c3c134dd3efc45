import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import {
  AGENT_KEYS,
  configSchema,
  ROOT_KEYS,
  RULE_KEYS,
  type AgentSetting,
  type Config,
  type ParsedConfig,
  type RuleSetting,
} from './schema.js';
import { fieldPath } from '../field-path.js';

/** One problem in the configuration file: where it is and what is wrong. */
export interface ConfigProblem {
  /** 1-based line in the file. */
  line: number;
  /** The key path (`rules.unbounded-query`, `ignore[1]`), or '' for the file as a whole. */
  path: string;
  message: string;
}

/**
 * The configuration file cannot be used. The message has one line per problem, in file order,
 * each `<file>:<line>: <key path>: <what is wrong>`, so editors and log viewers can jump to it.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'), options);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the repository configuration file. Pure: `file` is only used in messages. An empty file (or
 * one with only comments) gives the defaults. Every problem is thrown as one `ConfigError`.
 */
export function parseConfig(text: string, file: string, knownRules: ReadonlySet<string>): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    throw new ConfigError(file, [{ line, path: '', message: `not valid YAML: ${syntax.message}` }], { cause: syntax });
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (cause) {
    // yaml throws here for excessive alias expansion ("billion laughs"), not for syntax.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(file, [{ line: 1, path: '', message: `could not be read (${reason})` }], { cause });
  }
  const parsed = configSchema(knownRules).safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(file, describeIssues(parsed.error, doc, lines), { cause: parsed.error });
  }
  return freezeConfig(file, parsed.data, (path) => lineOf(doc, lines, path));
}

/**
 * Warnings for `agents:` entries that name no loaded agent (a typo, or an agent that failed to load):
 * `<file>:<line>: agents.<name>: no agent is named "<name>" (loaded: …); this entry was ignored`.
 */
export function unknownAgentNames(config: Config, agentNames: readonly string[]): string[] {
  const loaded = new Set(agentNames);
  const list = [...loaded].sort().join(', ') || 'none';
  return Object.entries(config.agents)
    .filter(([name]) => !loaded.has(name))
    .map(([name, agent]) => `${config.file}:${agent.line}: agents.${name}: no agent is named "${name}" (loaded: ${list}); this entry was ignored`);
}

function freezeConfig(file: string, parsed: ParsedConfig, lineAt: (path: readonly PropertyKey[]) => number): Config {
  const raw = parsed ?? {};
  const rules = Object.entries(raw.rules ?? {}).map(([id, rule]): [string, RuleSetting] => [id, Object.freeze({ ...rule })]);
  const agents = Object.entries(raw.agents ?? {}).map(([name, agent]): [string, AgentSetting] => [
    name,
    Object.freeze({ enabled: agent.enabled, paths: Object.freeze([...agent.paths]), line: lineAt(['agents', name]) }),
  ]);
  return Object.freeze({
    file,
    ignore: Object.freeze([...(raw.ignore ?? [])]),
    rules: Object.freeze(Object.fromEntries(rules)),
    agents: Object.freeze(Object.fromEntries(agents)),
    agentFolders: Object.freeze([...new Set(raw['agent-folders'] ?? [])]),
  });
}

function allowedKeys(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return ROOT_KEYS;
  if (path.length === 2 && path[0] === 'rules') return RULE_KEYS;
  if (path.length === 2 && path[0] === 'agents') return AGENT_KEYS;
  return [];
}

function describeIssues(error: z.ZodError, doc: Document, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], message: string): void => {
    problems.push({ line: lineOf(doc, lines, path), path: fieldPath(path), message });
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(issue.path);
      const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      for (const key of issue.keys) add([...issue.path, key], `unknown key${hint}`);
    } else if (issue.code === 'invalid_key') {
      add(issue.path, issue.issues[0]?.message ?? issue.message);
    } else {
      add(issue.path, issue.message);
    }
  }
  // Stable sort: file order, and zod's order within a line.
  return problems.sort((a, b) => a.line - b.line);
}

/**
 * The line of the node a zod issue path points at: a mapping entry's key, a list's item. Where the
 * path leaves the YAML (an alias, a missing key), the deepest node found.
 */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = isNode(node) && node.range ? node.range[0] : 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(key));
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (!isNode(item)) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return lines.linePos(offset).line;
}
