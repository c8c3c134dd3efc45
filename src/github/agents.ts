import type { AgentSource } from '../agents/catalog.js';
import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';

/**
 * The repository's own agents, read at the base commit through the contents API: a pull request
 * cannot change the agents that review it (its edits to them take effect once merged).
 */
export async function repositoryAgents(
  client: GitHubClient,
  target: { owner: string; repo: string },
  dir: string,
  ref: string | undefined,
): Promise<AgentSource[]> {
  let listing: unknown;
  try {
    const response = await client.rest.repos.getContent({ owner: target.owner, repo: target.repo, path: dir, ...(ref ? { ref } : {}) });
    listing = response.data;
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw new Error(`Could not list the agents folder ${dir} of ${target.owner}/${target.repo}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(listing)) {
    throw new Error(`The agents path ${dir} is a file, not a folder: set agents-path to a folder of .md agent files.`);
  }
  const files = listing
    .filter((e): e is { type: string; path: string; name: string } => typeof e === 'object' && e !== null && 'path' in e)
    .filter((e) => e.type === 'file' && e.name.endsWith('.md'))
    .sort((a, b) => a.path.localeCompare(b.path));
  return Promise.all(
    files.map(async (entry) => {
      const response = await client.rest.repos.getContent({
        owner: target.owner,
        repo: target.repo,
        path: entry.path,
        ...(ref ? { ref } : {}),
        mediaType: { format: 'raw' },
      });
      return { file: entry.path, text: String(response.data), origin: 'repository' as const };
    }),
  );
}
