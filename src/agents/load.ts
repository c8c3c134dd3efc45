import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentSource } from './catalog.js';

/**
 * Reads the `.md` files directly inside `dir` (not its subfolders), sorted by name. A missing
 * directory gives `[]`: a repository without its own agents is normal. `displayDir`, when given,
 * replaces `dir` in the `file` of each source, so messages show `agents/x.md`, not an absolute path.
 */
export async function readAgentDir(
  dir: string,
  origin: AgentSource['origin'],
  options: { displayDir?: string } = {},
): Promise<AgentSource[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw new Error(`cannot list the agents folder ${dir}: ${String(error)}`, { cause: error });
  }
  const sources: AgentSource[] = [];
  for (const name of names.filter((entry) => entry.toLowerCase().endsWith('.md')).sort()) {
    const full = path.join(dir, name);
    // stat follows symlinks, so a linked agent file counts and a folder named x.md does not.
    const info = await stat(full).catch((error: unknown) => {
      if (isErrno(error, 'ENOENT')) return undefined; // a dangling symlink
      throw error;
    });
    if (!info?.isFile()) continue;
    const text = await readFile(full, 'utf8');
    sources.push({ file: path.join(options.displayDir ?? dir, name), text, origin });
  }
  return sources;
}

const MARKER = 'system-architect.md';
const MAX_LEVELS = 4;

/**
 * The folder of the agents shipped with the action. The code runs from `dist/index.js` or
 * `dist/cli.js` (bundled; the folder is `../agents`) or from `src/agents/load.ts` under vitest
 * (`../../agents`), so walk up from this file until an `agents` folder holding `system-architect.md`.
 */
export function bundledAgentsDir(from: string = fileURLToPath(import.meta.url)): string {
  const start = path.dirname(from);
  let current = start;
  for (let level = 0; level <= MAX_LEVELS; level++) {
    const candidate = path.join(current, 'agents');
    if (existsSync(path.join(candidate, MARKER))) return candidate;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  throw new Error(
    `cannot find the bundled agents: no "agents" folder with ${MARKER} in ${start} ` +
      `or its ${MAX_LEVELS} parent folders ` +
      '(the action must ship its agents/ folder next to dist/)',
  );
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
