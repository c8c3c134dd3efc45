import { anyGlob } from '../router/route.js';
import type { Agent } from '../agents/types.js';
import type { ChangeSet, ChangedFile, SkippedFile } from '../changeset/types.js';
import type { Severity } from '../report/types.js';
import type { AgentSetting, Config } from './schema.js';

function agentSetting(config: Config, name: string): AgentSetting | undefined {
  // Own keys only: an agent named `constructor` must not find Object.prototype's.
  return Object.hasOwn(config.agents, name) ? config.agents[name] : undefined;
}

/** The ids of the built-in rules the configuration turns off. */
export function rulesTurnedOff(config: Config): ReadonlySet<string> {
  return new Set(Object.entries(config.rules).filter(([, rule]) => !rule.enabled).map(([id]) => id));
}

/**
 * The agents as the configuration wants them: the disabled ones removed, the configured `paths`
 * appended to each agent's `review.paths`, and the rules turned off taken out of every
 * `review.rules` (their checklist items are then "not checked"). The agents given are not changed.
 */
export function applyToAgents(agents: readonly Agent[], config: Config): Agent[] {
  const off = rulesTurnedOff(config);
  return agents
    .filter((agent) => agentSetting(config, agent.name)?.enabled !== false)
    .map((agent) => {
      const extra = (agentSetting(config, agent.name)?.paths ?? []).filter((glob) => !agent.review.paths.includes(glob));
      const rules = Object.fromEntries(Object.entries(agent.review.rules).filter(([id]) => !off.has(id)));
      return { ...agent, review: { ...agent.review, paths: [...agent.review.paths, ...extra], rules } };
    });
}

/**
 * The change without the files the configuration ignores; each is listed in `skipped` with the
 * reason `ignored by <file>`, so the report's coverage says why it was not reviewed. Files already
 * skipped (binary, too large) keep their reason. The change given is not changed.
 */
export function applyIgnore(changeSet: ChangeSet, config: Config, file: string): ChangeSet {
  if (config.ignore.length === 0) return changeSet;
  // The router's own glob matcher, so a pattern means the same thing in both places.
  const ignored = anyGlob(config.ignore);
  const files: ChangedFile[] = [];
  const skipped: SkippedFile[] = [...changeSet.skipped];
  for (const changed of changeSet.files) {
    if (ignored(changed.path)) skipped.push({ path: changed.path, reason: `ignored by ${file}` });
    else files.push(changed);
  }
  return { ...changeSet, files, skipped };
}

/** Rule id → the severity its findings get instead of the rule's own (rules turned off are left out). */
export function severityOverrides(config: Config): ReadonlyMap<string, Severity> {
  const overrides = new Map<string, Severity>();
  for (const [id, rule] of Object.entries(config.rules)) {
    if (rule.enabled && rule.severity) overrides.set(id, rule.severity);
  }
  return overrides;
}
