import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/checks/registry.js';
import { ConfigError, parseConfig, unknownAgentNames } from '../../src/config/load.js';

const FILE = '.github/architect-review.yml';
const KNOWN = new Set(['http-call-without-timeout', 'image-tag-not-pinned', 'unbounded-query']);
const KNOWN_LIST = 'http-call-without-timeout, image-tag-not-pinned, unbounded-query';

/** Runs `parseConfig` and returns what it threw, failing the test if it did not throw. */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE, KNOWN);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

const FULL = `# .github/architect-review.yml
ignore:
  - 'vendor/**'
  - 'legacy/**'
rules:
  http-call-without-timeout: off
  image-tag-not-pinned: { severity: medium }
  unbounded-query: low
agents:
  ml-systems-architect:
    paths: ['ranking/**', 'recsys/**/*.py']
  system-architect:
    enabled: false
agent-folders:
  - tools/review-agents
`;

describe('parseConfig on valid files', () => {
  it('reads the full example file', () => {
    expect(parseConfig(FULL, FILE, KNOWN)).toEqual({
      file: FILE,
      ignore: ['vendor/**', 'legacy/**'],
      rules: {
        'http-call-without-timeout': { enabled: false },
        'image-tag-not-pinned': { enabled: true, severity: 'medium' },
        'unbounded-query': { enabled: true, severity: 'low' },
      },
      agents: {
        'ml-systems-architect': { enabled: true, paths: ['ranking/**', 'recsys/**/*.py'], line: 10 },
        'system-architect': { enabled: false, paths: [], line: 12 },
      },
      agentFolders: ['tools/review-agents'],
    });
  });

  it('returns a deeply frozen object', () => {
    const config = parseConfig(FULL, FILE, KNOWN);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ignore)).toBe(true);
    expect(Object.isFrozen(config.rules)).toBe(true);
    expect(Object.isFrozen(config.rules['unbounded-query'])).toBe(true);
    expect(Object.isFrozen(config.agents['ml-systems-architect']?.paths)).toBe(true);
    expect(Object.isFrozen(config.agentFolders)).toBe(true);
  });

  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing configured yet\n'],
    ['empty keys', 'ignore:\nrules:\nagents:\nagent-folders:\n'],
  ])('gives the defaults for %s', (_, text) => {
    expect(parseConfig(text, FILE, KNOWN)).toEqual({ file: FILE, ignore: [], rules: {}, agents: {}, agentFolders: [] });
  });

  it('reads every shorthand and mapping form of a rule', () => {
    const text = [
      'rules:',
      '  http-call-without-timeout: on',
      '  image-tag-not-pinned: high',
      '  unbounded-query: { enabled: false, severity: low }',
    ].join('\n');
    expect(parseConfig(text, FILE, KNOWN).rules).toEqual({
      'http-call-without-timeout': { enabled: true },
      'image-tag-not-pinned': { enabled: true, severity: 'high' },
      'unbounded-query': { enabled: false, severity: 'low' },
    });
    expect(parseConfig('rules:\n  unbounded-query: {}\n', FILE, KNOWN).rules).toEqual({ 'unbounded-query': { enabled: true } });
    expect(parseConfig('rules:\n  unbounded-query: medium\n', FILE, KNOWN).rules).toEqual({
      'unbounded-query': { enabled: true, severity: 'medium' },
    });
  });

  it('takes an agent with nothing under it as enabled, with no extra paths', () => {
    expect(parseConfig('agents:\n  system-architect:\n', FILE, KNOWN).agents).toEqual({
      'system-architect': { enabled: true, paths: [], line: 2 },
    });
  });

  it('normalises agent folders and drops repeats', () => {
    const text = 'agent-folders: [./tools/agents/, tools//agents, docs/./reviewers]\n';
    expect(parseConfig(text, FILE, KNOWN).agentFolders).toEqual(['tools/agents', 'docs/reviewers']);
  });

  it('reads a file with a byte-order mark and CRLF line endings, and names lines right', () => {
    expect(parseConfig('\uFEFFignore:\r\n  - vendor/**\r\n', FILE, KNOWN).ignore).toEqual(['vendor/**']);
    expect(errorOf('\uFEFF# review config\r\nignore:\r\n  - 3\r\n').message).toBe(`${FILE}:3: ignore[0]: expected a glob string, got a number`);
  });

  it('accepts the ids of the built-in rules', () => {
    const [id] = RULES.keys();
    if (id === undefined) throw new Error('no built-in rules');
    expect(parseConfig(`rules:\n  ${id}: off\n`, FILE, new Set(RULES.keys())).rules[id]).toEqual({ enabled: false });
  });
});

describe('parseConfig errors name the file, the line and the key path', () => {
  it.each([
    ['a YAML syntax error', 'ignore: [a\nrules: x\n', `${FILE}:2: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`],
    ['a repeated key', 'ignore: []\nignore: [a]\n', `${FILE}:2: not valid YAML: Map keys must be unique`],
    ['a list at the top', '- vendor/**\n', `${FILE}:1: expected a mapping with the keys ignore, rules, agents, agent-folders, got a list`],
    ['an unknown top-level key', 'ignore: []\nignores: [vendor/**]\n', `${FILE}:2: ignores: unknown key (allowed: ignore, rules, agents, agent-folders)`],
    ['a glob that is a number', "ignore:\n  - 'vendor/**'\n  - 3\n", `${FILE}:3: ignore[1]: expected a glob string, got a number`],
    ['ignore as one string', 'ignore: vendor/**\n', `${FILE}:1: ignore: expected a list of glob strings, got the string "vendor/**"`],
    ['an empty glob', "ignore: ['']\n", `${FILE}:1: ignore[0]: a glob must not be empty`],
    ['an absolute glob', "ignore:\n  - '/vendor/**'\n", `${FILE}:2: ignore[0]: globs match repository-relative paths: drop the leading /`],
    ['a negated glob', "ignore:\n  - '!vendor/keep/**'\n", `${FILE}:2: ignore[0]: negated globs (!) are not supported: list the paths that should match`],
    [
      'a glob that does not compile',
      "agents:\n  system-architect:\n    paths:\n      - 'src/[z-a].py'\n",
      `${FILE}:4: agents.system-architect.paths[0]: not a valid glob (Invalid regular expression: /^(?:src\\/[z-a]\\.py)$/: Range out of order in character class)`,
    ],
    ['an unknown rule', 'rules:\n  unbounded-query: low\n  http-call-without-timout: off\n', `${FILE}:3: rules.http-call-without-timout: unknown rule (known: ${KNOWN_LIST})`],
    [
      'a misspelt shorthand',
      'rules:\n  unbounded-query: mediumm\n',
      `${FILE}:2: rules.unbounded-query: expected off, on, low, medium or high, or a mapping { enabled: true|false, severity: low|medium|high }, got the string "mediumm"`,
    ],
    [
      'a boolean rule value',
      'rules:\n  unbounded-query: false\n',
      `${FILE}:2: rules.unbounded-query: expected off, on, low, medium or high, or a mapping { enabled: true|false, severity: low|medium|high }, got false`,
    ],
    ['an unknown severity', 'rules:\n  image-tag-not-pinned:\n    severity: urgent\n', `${FILE}:3: rules.image-tag-not-pinned.severity: expected low, medium or high, got the string "urgent"`],
    ['an unknown key in a rule', 'rules:\n  image-tag-not-pinned: { enable: false }\n', `${FILE}:2: rules.image-tag-not-pinned.enable: unknown key (allowed: enabled, severity)`],
    ['rules as a list', 'rules:\n  - unbounded-query\n', `${FILE}:1: rules: expected a mapping of rule id to off|on|low|medium|high|{ enabled, severity }, got a list`],
    ['an agent name that cannot be one', 'agents:\n  System_Architect: {}\n', `${FILE}:2: agents.System_Architect: not an agent name (agent names use lower-case letters, digits and dashes)`],
    ['enabled as yes', 'agents:\n  system-architect:\n    enabled: yes\n', `${FILE}:3: agents.system-architect.enabled: expected true or false, got the string "yes"`],
    ['an unknown key in an agent', 'agents:\n  system-architect:\n    path: [a/**]\n', `${FILE}:3: agents.system-architect.path: unknown key (allowed: enabled, paths)`],
    ['an absolute agent folder', 'agent-folders:\n  - /etc/agents\n', `${FILE}:2: agent-folders[0]: must be a folder inside the repository, not an absolute path`],
    ['an agent folder outside the repository', 'agent-folders:\n  - tools\n  - tools/../../up\n', `${FILE}:3: agent-folders[1]: must stay inside the repository (no .. segments)`],
    ['the repository root as agent folder', 'agent-folders: [./]\n', `${FILE}:1: agent-folders[0]: must name a folder inside the repository, not its root`],
  ])('rejects %s', (_, text, message) => {
    const error = errorOf(text);
    expect(error.message).toBe(message);
    expect(error.file).toBe(FILE);
    expect(error.name).toBe('ConfigError');
  });

  it('lists every problem, one line each, in file order', () => {
    const error = errorOf('rules:\n  unbounded-query: 3\nignore: [4]\nfoo: 1\n');
    expect(error.message.split('\n')).toEqual([
      `${FILE}:2: rules.unbounded-query: expected off, on, low, medium or high, or a mapping { enabled: true|false, severity: low|medium|high }, got a number`,
      `${FILE}:3: ignore[0]: expected a glob string, got a number`,
      `${FILE}:4: foo: unknown key (allowed: ignore, rules, agents, agent-folders)`,
    ]);
    expect(error.problems.map((p) => [p.line, p.path])).toEqual([[2, 'rules.unbounded-query'], [3, 'ignore[0]'], [4, 'foo']]);
  });

  it('uses the file name it is given', () => {
    expect(() => parseConfig('foo: 1\n', 'config/review.yaml', KNOWN)).toThrow(/^config\/review\.yaml:1: foo: unknown key/);
  });
});

describe('unknownAgentNames', () => {
  it('warns about entries that name no loaded agent, with file and line', () => {
    const config = parseConfig(FULL, FILE, KNOWN);
    expect(unknownAgentNames(config, ['system-architect', 'data-architect'])).toEqual([
      `${FILE}:10: agents.ml-systems-architect: no agent is named "ml-systems-architect" (loaded: data-architect, system-architect); this entry was ignored`,
    ]);
    expect(unknownAgentNames(config, ['ml-systems-architect', 'system-architect'])).toEqual([]);
  });

  it('says when no agent loaded at all', () => {
    const config = parseConfig('agents:\n  system-architect: { enabled: false }\n', FILE, KNOWN);
    expect(unknownAgentNames(config, [])).toEqual([
      `${FILE}:2: agents.system-architect: no agent is named "system-architect" (loaded: none); this entry was ignored`,
    ]);
  });
});
