import type { AgentSource } from './agents/catalog.js';
import { agentEditNotice, assembleCatalog } from './catalog.js';
import type { ChangeSet } from './changeset/types.js';
import { RULES } from './checks/registry.js';
import { applyIgnore, applyToAgents, severityOverrides } from './config/apply.js';
import { parseConfig, unknownAgentNames } from './config/load.js';
import { checkAhead, planReview, review, withContent, type EarlyChecks } from './engine.js';
import type { Precomputed } from './checks/run.js';
import { llmReview, type Caller } from './llm/review.js';
import type { LlmSettings } from './llm/types.js';
import type { Report } from './report/types.js';

/**
 * What a review needs to read from the repository, wherever it lives: the configuration and the
 * agents as they are at the base (so the change cannot alter how it is reviewed), and some head files.
 */
export interface RepositoryReader {
  /** A text file at the base, or undefined when there is none. */
  baseFile(path: string): Promise<string | undefined>;
  /** The agent files of a folder at the base (an empty list when the folder does not exist). */
  baseAgents(dir: string): Promise<AgentSource[]>;
  /** Whole head-side files, for the rules that want them; files it cannot read are left out. */
  headFiles(paths: readonly string[]): Promise<Map<string, string>>;
}

export interface ReviewOptions {
  configPath: string;
  agentsPath: string;
  builtinAgents: boolean;
  /** Notices from reading the change (GitHub's file cap, …). */
  notices?: readonly string[];
  warn: (message: string) => void;
  /**
   * Rules already at work on the change (checkEarly), started before this call so they run while its
   * reads are on their way; stopped once the configuration and agents are read.
   */
  early?: EarlyChecks;
  /** The LLM reviewer: absent means offline only. */
  llm?: {
    settings: LlmSettings;
    /** Only these paths go to the model (a re-review after a push). */
    onlyFiles?: ReadonlySet<string>;
    /** Replaces the SDK call (tests). */
    call?: Caller;
  };
}

/**
 * Reads the configuration and agents, applies the configuration, reads the files rules want whole,
 * and reviews. A malformed configuration throws (ConfigError: it names the file, line and key);
 * malformed agents are warnings and notices, and the rest of the review goes on.
 */
export async function reviewChange(changeSet: ChangeSet, reader: RepositoryReader, options: ReviewOptions): Promise<Report> {
  const readProblems: string[] = [];
  // A read that fails (not a missing file: an API or git error) costs that input, not the review.
  const attempt = async <T>(what: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      readProblems.push(`Could not read ${what} (${(error as Error).message}); the review went on without it.`);
      return fallback;
    }
  };
  const configText = await attempt(`the configuration ${options.configPath}`, () => reader.baseFile(options.configPath), undefined);
  const config = parseConfig(configText ?? '', options.configPath, new Set(RULES.keys()));
  const folders = [...new Set([options.agentsPath, ...config.agentFolders])];
  const own = (await Promise.all(folders.map((dir) => attempt(`the agents folder ${dir}`, () => reader.baseAgents(dir), [])))).flat();
  const worked = await options.early?.stop();
  const catalog = await assembleCatalog(own, options.builtinAgents);
  const problems = [...readProblems, ...catalog.problems, ...unknownAgentNames(config, catalog.agents.map((a) => a.name))];
  for (const problem of problems) options.warn(problem);

  const agents = applyToAgents(catalog.agents, config);
  const change = applyIgnore(changeSet, config, options.configPath);
  const { routing, wanted } = planReview(change, agents, options.early?.forecast());
  let contents = new Map<string, string>();
  let precomputed: Precomputed | undefined = worked;
  if (wanted.length > 0) {
    // The reads go out first; the rules that need no head file run while they are on their way.
    const earlier = readProblems.length;
    const reading = attempt('the changed files whole', () => reader.headFiles(wanted), new Map<string, string>());
    precomputed = await checkAhead(change, routing, new Set(wanted), worked);
    contents = await reading;
    for (const problem of readProblems.slice(earlier)) {
      options.warn(problem);
      problems.push(problem);
    }
  }
  const notices = [
    ...problems,
    ...(options.notices ?? []),
    ...folders.flatMap((dir) => agentEditNotice(changeSet, dir)),
    ...(changeSet.files.some((f) => f.path === options.configPath)
      ? [`This change edits ${options.configPath}; this review used it as it is on the base, so the edits take effect once merged.`]
      : []),
  ];
  const full = withContent(change, contents);
  const offline = review(full, agents, notices, { severity: severityOverrides(config), routing, ...(precomputed ? { precomputed } : {}) });
  if (!options.llm || routing.assignments.length === 0) return offline;
  return llmReview({
    report: offline,
    changeSet: full,
    routing,
    settings: options.llm.settings,
    ...(options.llm.onlyFiles ? { onlyFiles: options.llm.onlyFiles } : {}),
    ...(options.llm.call ? { call: options.llm.call } : {}),
    warn: options.warn,
  });
}
