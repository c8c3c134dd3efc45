import { buildCatalog, type AgentSource, type Catalog } from './agents/catalog.js';
import { bundledAgentsDir, readAgentDir } from './agents/load.js';
import type { ChangeSet } from './changeset/types.js';
import { RULES } from './checks/registry.js';

/** The default folder of a repository's own agents. */
export const DEFAULT_AGENTS_PATH = '.github/architect-review/agents';

/** The bundled agent files, read once per process: the action asks for them early (checkEarly's forecast) and again for the review. */
let bundledRead: Promise<AgentSource[]> | undefined;

function bundledSources(): Promise<AgentSource[]> {
  bundledRead ??= readAgentDir(bundledAgentsDir(), 'bundled', { displayDir: 'agents' }).catch((error: unknown) => {
    bundledRead = undefined; // a failed read is tried again next time, not remembered
    throw error;
  });
  return bundledRead;
}

/**
 * The agents of a run: the bundled ones (unless turned off) and the repository's own, with rule ids
 * checked against the built-in rules. Problems are lines for the log and the report, never fatal.
 */
export async function assembleCatalog(own: readonly AgentSource[], builtin: boolean): Promise<Catalog> {
  const bundled = builtin ? await bundledSources() : [];
  const catalog = buildCatalog([...bundled, ...own], new Set(RULES.keys()));
  if (catalog.agents.length === 0) {
    catalog.problems.push('No agents loaded: turn the built-in agents back on, or add agent files to the agents folder; nothing was reviewed.');
  }
  return catalog;
}

/** A note when the change edits the agents folder: the review uses the agents as they were at the base. */
export function agentEditNotice(changeSet: ChangeSet, agentsPath: string): string[] {
  const dir = `${agentsPath.replace(/\/+$/, '')}/`;
  const edited = changeSet.files.filter((f) => f.path.startsWith(dir) || f.previousPath?.startsWith(dir));
  if (edited.length === 0) return [];
  return [`This change edits agent definitions in ${dir} (${edited.map((f) => f.path).join(', ')}); this review used them as they are on the base, so the edits take effect once merged.`];
}
