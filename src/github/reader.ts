import type { AgentSource } from '../agents/catalog.js';
import type { RepositoryReader } from '../pipeline.js';
import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';
import { readFilesAtRef } from './contents.js';
import { compareText } from '../compare.js';

interface Entry {
  name: string;
  path: string;
  type: string;
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut);
}

/**
 * The repository through the contents API: configuration and agents at the base SHA, wanted files at
 * the head SHA. Folder listings are cached and walked from the top, so a path whose parent folder
 * does not exist costs no request of its own: a repository with no `.github/` folder costs one.
 */
export class GitHubReader implements RepositoryReader {
  private readonly listings = new Map<string, Promise<Entry[] | undefined>>();

  constructor(
    private readonly client: GitHubClient,
    private readonly target: { owner: string; repo: string },
    private readonly refs: { base?: string; head?: string },
    private readonly warn: (message: string) => void,
    private readonly info: (message: string) => void = () => {},
  ) {}

  /** The entries of a folder at the base, or undefined when it does not exist. */
  private list(dir: string): Promise<Entry[] | undefined> {
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = this.fetchListing(dir);
      this.listings.set(dir, listing);
    }
    return listing;
  }

  private async fetchListing(dir: string): Promise<Entry[] | undefined> {
    if (dir !== '' && !(await this.has(dir, 'dir'))) return undefined;
    try {
      const { data } = await this.client.rest.repos.getContent({ ...this.target, path: dir, ...this.ref() });
      if (!Array.isArray(data)) return undefined;
      return data.map((e) => ({ name: e.name, path: e.path, type: e.type }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new Error(`Could not list ${dir || 'the repository root'} of ${this.target.owner}/${this.target.repo}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async has(path: string, type: 'dir' | 'file'): Promise<boolean> {
    const entries = await this.list(parentOf(path));
    return entries?.some((e) => e.path === path && e.type === type) ?? false;
  }

  private ref(): { ref?: string } {
    return this.refs.base ? { ref: this.refs.base } : {};
  }

  private async raw(path: string): Promise<string> {
    const { data } = await this.client.rest.repos.getContent({ ...this.target, path, ...this.ref(), mediaType: { format: 'raw' } });
    return String(data);
  }

  async baseFile(path: string): Promise<string | undefined> {
    return (await this.has(path, 'file')) ? this.raw(path) : undefined;
  }

  async baseAgents(dir: string): Promise<AgentSource[]> {
    const entries = (await this.list(dir.replace(/\/+$/, ''))) ?? [];
    const files = entries.filter((e) => e.type === 'file' && e.name.toLowerCase().endsWith('.md')).sort((a, b) => compareText(a.path, b.path));
    return Promise.all(files.map(async (e) => ({ file: e.path, text: await this.raw(e.path), origin: 'repository' as const })));
  }

  async headFiles(paths: readonly string[]): Promise<Map<string, string>> {
    if (!this.refs.head) return new Map();
    return readFilesAtRef(this.client, this.target, this.refs.head, paths, this.warn, this.info);
  }
}
