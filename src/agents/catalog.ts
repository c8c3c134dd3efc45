import { AgentFileError, parseAgent } from './parse.js';
import type { Agent } from './types.js';

export interface AgentSource {
  /** Path shown in messages, e.g. `.github/architect-review/agents/foo.md`. */
  file: string;
  text: string;
  /** Bundled agents ship with the action; repository agents come from the reviewed repo. */
  origin: 'bundled' | 'repository';
}

export interface Catalog {
  /** The agents that loaded, sorted by name. */
  agents: Agent[];
  /** One line per file that could not be used; those files are skipped, the rest still load. */
  problems: string[];
  /** Informational lines, e.g. a repository agent replacing a bundled one. */
  notes: string[];
}

const SKIPPED = ' — this agent was skipped; fix the file or remove it';

/** A rule id in `review.rules` that is not among `known` is reported and dropped; the agent still loads. */
function dropUnknownRules(agent: Agent, known: ReadonlySet<string>, problems: string[]): Agent {
  const unknown = Object.keys(agent.review.rules).filter((id) => !known.has(id));
  if (unknown.length === 0) return agent;
  for (const id of unknown) {
    problems.push(`${agent.file}: review.rules: "${id}" is not a built-in rule (known: ${[...known].sort().join(', ')}); that line was ignored`);
  }
  const rules = Object.fromEntries(Object.entries(agent.review.rules).filter(([id]) => known.has(id)));
  return { ...agent, review: { ...agent.review, rules } };
}

/**
 * Parses every `.md` source into one catalog. A malformed file is reported and skipped; a
 * repository agent with the name of a bundled one replaces it (whatever the order of `sources`).
 * A `README.md` in an agents folder is documentation, not an agent. With `knownRules`, rule ids in
 * `review.rules` are checked against it.
 */
export function buildCatalog(sources: AgentSource[], knownRules?: ReadonlySet<string>): Catalog {
  const problems: string[] = [];
  const notes: string[] = [];
  const byName = new Map<string, { agent: Agent; origin: AgentSource['origin'] }>();

  for (const source of sources) {
    const base = source.file.slice(source.file.lastIndexOf('/') + 1).toLowerCase();
    if (!base.endsWith('.md') || base === 'readme.md') continue;
    let agent: Agent;
    try {
      agent = parseAgent(source.text, source.file);
      if (knownRules) agent = dropUnknownRules(agent, knownRules, problems);
    } catch (error) {
      const message = error instanceof AgentFileError ? error.message : `${source.file}: ${String(error)}`;
      problems.push(message + SKIPPED);
      continue;
    }

    const existing = byName.get(agent.name);
    if (!existing) {
      byName.set(agent.name, { agent, origin: source.origin });
    } else if (existing.origin !== source.origin) {
      const repository = source.origin === 'repository' ? agent : existing.agent;
      notes.push(`repository agent "${agent.name}" (${repository.file}) replaces the bundled one`);
      byName.set(agent.name, { agent: repository, origin: 'repository' });
    } else {
      const duplicate = `an agent named "${agent.name}" is already defined in ${existing.agent.file}`;
      problems.push(`${source.file}: ${duplicate}${SKIPPED}`);
    }
  }

  const agents = [...byName.values()]
    .map((entry) => entry.agent)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { agents, problems, notes };
}
