import picomatch from 'picomatch';
import type { Agent } from '../agents/types.js';
import type { ChangeSet, ChangedFile } from '../changeset/types.js';
import { kindOf, type FileKind } from '../changeset/kind.js';
import type { RoutingReason } from '../report/types.js';
import { importedModules } from './imports.js';

export interface Assignment {
  agent: Agent;
  files: ChangedFile[];
  reasons: RoutingReason[];
}

export interface Routing {
  assignments: Assignment[];
  /** Changed, readable files no agent took, with why. */
  unrouted: { path: string; reason: string }[];
}

const KIND_REASON: Record<Exclude<FileKind, 'source'>, string> = {
  docs: 'documentation: no agent reviews prose',
  test: 'test code: no agent reviews tests',
  lockfile: 'lockfile: reviewed through its manifest',
};

interface Matcher {
  agent: Agent;
  paths: { glob: string; test: (path: string) => boolean }[];
  exclude: (path: string) => boolean;
  imports: string[];
  content: { source: string; re: RegExp }[];
}

function compile(agent: Agent): Matcher {
  const options = { dot: true };
  return {
    agent,
    paths: agent.review.paths.map((glob) => ({ glob, test: picomatch(glob, options) })),
    exclude: agent.review.exclude.length > 0 ? picomatch(agent.review.exclude, options) : () => false,
    imports: agent.review.imports,
    content: agent.review.content.map((source) => ({ source, re: new RegExp(source) })),
  };
}

function moduleMatches(imported: string, wanted: string): boolean {
  return imported === wanted || imported.startsWith(`${wanted}.`) || imported.startsWith(`${wanted}/`);
}

/** Trigger phrases found in the PR text, matched case-insensitively on word boundaries. */
function triggerHits(agent: Agent, title: string, body: string): RoutingReason[] {
  const hits: RoutingReason[] = [];
  for (const phrase of agent.triggers) {
    const words = phrase.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    if (words.length === 0 || words[0] === '') continue;
    const re = new RegExp(`(^|[^\\w])${words.join('\\s+')}($|[^\\w])`, 'i');
    const where = re.test(title) ? 'title' : re.test(body) ? 'description' : undefined;
    if (where) hits.push({ kind: 'trigger', detail: `"${phrase}" in the PR ${where}`, files: [] });
  }
  return hits;
}

class ReasonSet {
  private readonly byKey = new Map<string, RoutingReason>();
  add(kind: RoutingReason['kind'], detail: string, file: string): void {
    const key = `${kind}\u0000${detail}`;
    const reason = this.byKey.get(key);
    if (reason) reason.files.push(file);
    else this.byKey.set(key, { kind, detail, files: [file] });
  }
  list(): RoutingReason[] {
    return [...this.byKey.values()];
  }
}

/** Why `matcher` takes `file`: its first matching glob, every new import it names, its first content signal. */
function fileReasons(matcher: Matcher, file: ChangedFile, modules: string[], reasons: ReasonSet): boolean {
  let routed = false;
  const glob = matcher.paths.find((p) => p.test(file.path));
  if (glob) {
    reasons.add('path', glob.glob, file.path);
    routed = true;
  }
  for (const wanted of matcher.imports) {
    if (modules.some((m) => moduleMatches(m, wanted))) {
      reasons.add('import', wanted, file.path);
      routed = true;
    }
  }
  if (matcher.content.length > 0) {
    const signal = matcher.content.find(({ re }) =>
      file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && re.test(l.text))),
    );
    if (signal) {
      reasons.add('content', signal.source, file.path);
      routed = true;
    }
  }
  return routed;
}

/**
 * Which agents review which files, and why. Deterministic: the same change and agents give the same
 * routing. Documentation, tests and lockfiles are never routed, so a change made only of them
 * draws no review. A trigger phrase in the PR text routes every reviewable file to its agent.
 */
export function route(changeSet: ChangeSet, agents: readonly Agent[]): Routing {
  const matchers = agents.map(compile);
  const reviewable: ChangedFile[] = [];
  const unrouted: Routing['unrouted'] = [];
  for (const file of changeSet.files) {
    const kind = kindOf(file.path);
    if (kind === 'source') reviewable.push(file);
    else unrouted.push({ path: file.path, reason: KIND_REASON[kind] });
  }

  // Each file's imports, read once for all agents.
  const modules = new Map(reviewable.map((file) => [file, importedModules(file)]));
  const taken = new Set<string>();
  const assignments: Assignment[] = [];
  for (const matcher of matchers) {
    const reasons = new ReasonSet();
    const triggers = triggerHits(matcher.agent, changeSet.pr.title, changeSet.pr.body);
    const files: ChangedFile[] = [];
    for (const file of reviewable) {
      if (matcher.exclude(file.path)) continue;
      const routed = fileReasons(matcher, file, modules.get(file) ?? [], reasons);
      if (routed || triggers.length > 0) files.push(file);
    }
    if (files.length === 0) continue;
    for (const file of files) taken.add(file.path);
    assignments.push({ agent: matcher.agent, files, reasons: [...triggers, ...reasons.list()] });
  }

  for (const file of reviewable) {
    if (!taken.has(file.path)) unrouted.push({ path: file.path, reason: 'no agent matched this file' });
  }
  return { assignments, unrouted };
}
