import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgent } from '../../src/agents/parse.js';
import type { Agent } from '../../src/agents/types.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** An agent shipped in `agents/`, parsed as the action parses it. */
export function shippedAgent(name: 'ml-systems-architect' | 'system-architect'): Agent {
  const file = `agents/${name}.md`;
  return parseAgent(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
}

/** Both shipped agents, in catalog order. */
export function shippedAgents(): Agent[] {
  return [shippedAgent('ml-systems-architect'), shippedAgent('system-architect')];
}
