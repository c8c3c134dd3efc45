import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentSource } from '../agents/catalog.js';
import { readAgentDir } from '../agents/load.js';
import type { RepositoryReader } from '../pipeline.js';
import { agentsAtCommit, readFilesAt } from './local.js';

/** A local repository read from git objects: configuration and agents at the base commit, files at the head. */
export class GitObjectsReader implements RepositoryReader {
  constructor(
    private readonly repo: string,
    private readonly base: string,
    private readonly head: string,
  ) {}

  async baseFile(path: string): Promise<string | undefined> {
    return (await readFilesAt(this.repo, this.base, [path])).get(path);
  }

  async baseAgents(dir: string): Promise<AgentSource[]> {
    return (await agentsAtCommit(this.repo, this.base, dir.replace(/\/+$/, ''))).map((f) => ({ ...f, origin: 'repository' as const }));
  }

  headFiles(paths: readonly string[]): Promise<Map<string, string>> {
    return readFilesAt(this.repo, this.head, paths);
  }
}

/**
 * A folder's working tree, for a review of a diff file: there is no base commit to read, so the
 * configuration and agents are taken as they are on disk, and no head file is read (the working tree
 * need not be the diff's head).
 */
export class WorkingTreeReader implements RepositoryReader {
  constructor(private readonly root: string) {}

  async baseFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.root, path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  baseAgents(dir: string): Promise<AgentSource[]> {
    return readAgentDir(join(this.root, dir), 'repository', { displayDir: dir.replace(/\/+$/, '') });
  }

  async headFiles(): Promise<Map<string, string>> {
    return new Map();
  }
}
