import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog, type AgentSource } from '../../src/agents/catalog.js';
import { bundledAgentsDir, readAgentDir } from '../../src/agents/load.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function source(file: string, name: string, origin: AgentSource['origin'] = 'bundled', description = 'x'): AgentSource {
  return { file, origin, text: `---\nname: ${name}\ndescription: ${description}\n---\nBe thorough.\n` };
}

describe('buildCatalog', () => {
  it('loads the good files, reports the bad one and sorts by name', () => {
    const catalog = buildCatalog([
      source('agents/zeta.md', 'zeta'),
      { file: 'agents/broken.md', origin: 'bundled', text: '---\ndescription: no name\n---\n' },
      source('agents/alpha.md', 'alpha'),
    ]);
    expect(catalog.agents.map((agent) => agent.name)).toEqual(['alpha', 'zeta']);
    expect(catalog.problems).toEqual([
      'agents/broken.md: name: required — this agent was skipped; fix the file or remove it',
    ]);
    expect(catalog.notes).toEqual([]);
  });

  it('lets a repository agent replace the bundled one of the same name, in either order', () => {
    const bundled = source('agents/system-architect.md', 'system-architect', 'bundled', 'shipped');
    const mine = source('.github/agents/arch.md', 'system-architect', 'repository', 'ours');
    for (const sources of [[bundled, mine], [mine, bundled]]) {
      const catalog = buildCatalog(sources);
      expect(catalog.agents).toHaveLength(1);
      expect(catalog.agents[0]?.description).toBe('ours');
      expect(catalog.notes).toEqual([
        'repository agent "system-architect" (.github/agents/arch.md) replaces the bundled one',
      ]);
      expect(catalog.problems).toEqual([]);
    }
  });

  it('reports a second agent with the same name from the same origin', () => {
    const catalog = buildCatalog([source('a/one.md', 'dup', 'repository'), source('a/two.md', 'dup', 'repository')]);
    expect(catalog.agents.map((agent) => agent.file)).toEqual(['a/one.md']);
    expect(catalog.problems).toEqual([
      'a/two.md: an agent named "dup" is already defined in a/one.md — this agent was skipped; fix the file or remove it',
    ]);
  });

  it('ignores files that are not .md', () => {
    const catalog = buildCatalog([source('agents/README.txt', 'readme'), { file: 'agents/x.yml', origin: 'bundled', text: 'junk' }]);
    expect(catalog).toEqual({ agents: [], problems: [], notes: [] });
  });
});

describe('readAgentDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agents-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the .md files directly inside the folder, sorted', async () => {
    await writeFile(path.join(dir, 'b.md'), 'B');
    await writeFile(path.join(dir, 'a.md'), 'A');
    await writeFile(path.join(dir, 'notes.txt'), 'not an agent');
    await mkdir(path.join(dir, 'nested'));
    await writeFile(path.join(dir, 'nested', 'c.md'), 'C');
    await mkdir(path.join(dir, 'folder.md'));

    expect(await readAgentDir(dir, 'repository')).toEqual([
      { file: path.join(dir, 'a.md'), text: 'A', origin: 'repository' },
      { file: path.join(dir, 'b.md'), text: 'B', origin: 'repository' },
    ]);
    const shown = await readAgentDir(dir, 'repository', { displayDir: '.github/agents' });
    expect(shown.map((entry) => entry.file)).toEqual([path.join('.github/agents', 'a.md'), path.join('.github/agents', 'b.md')]);
  });

  it('gives [] for a missing folder', async () => {
    expect(await readAgentDir(path.join(dir, 'missing'), 'repository')).toEqual([]);
  });
});

describe('bundledAgentsDir', () => {
  it('finds the top-level agents folder from src/agents (vitest) and from dist/ (bundle)', () => {
    const expected = path.join(repoRoot, 'agents');
    expect(bundledAgentsDir()).toBe(expected);
    expect(bundledAgentsDir(path.join(repoRoot, 'dist', 'index.js'))).toBe(expected);
  });

  it('throws a clear error when there is no agents folder above', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'no-agents-'));
    try {
      expect(() => bundledAgentsDir(path.join(dir, 'a', 'b', 'c', 'd', 'e', 'index.js'))).toThrow(
        /cannot find the bundled agents: no "agents" folder with system-architect\.md/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the shipped agents without problems', async () => {
    const catalog = buildCatalog(await readAgentDir(bundledAgentsDir(), 'bundled', { displayDir: 'agents' }));
    expect(catalog.problems).toEqual([]);
    expect(catalog.agents.map((agent) => [agent.name, agent.file])).toEqual([
      ['ml-systems-architect', path.join('agents', 'ml-systems-architect.md')],
      ['system-architect', path.join('agents', 'system-architect.md')],
    ]);
  });
});
