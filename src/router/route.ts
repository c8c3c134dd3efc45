import picomatch from 'picomatch';
import type { Agent } from '../agents/types.js';
import type { ChangeSet, ChangedFile } from '../changeset/types.js';
import { kindOf, type FileKind } from '../changeset/kind.js';
import type { RoutingReason } from '../report/types.js';
import { importedModules } from './imports.js';
import { addedText } from '../checks/text.js';

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
  /** Whether any of `paths` matches: one test instead of one per glob, for the many files no glob takes. */
  anyPath: (path: string) => boolean;
  exclude: (path: string) => boolean;
  imports: string[];
  /** `joined`: the signal over all added lines at once (see contentSignal), when that cannot miss a line's match. */
  content: { source: string; re: RegExp; joined?: RegExp }[];
}

const GLOB_OPTIONS = { dot: true };

/**
 * One matcher for several globs, true when picomatch(globs) is: a path equal to a glob, or one
 * regular expression made of each glob's (picomatch.makeRe), instead of one call per glob.
 */
export function anyGlob(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const literal = new Set(globs);
  const res = globs.map((glob) => picomatch.makeRe(glob, GLOB_OPTIONS));
  const flags = res[0]?.flags ?? '';
  // Back-references would point at other groups once the expressions are joined: keep picomatch's own loop then.
  if (res.some((re) => re.flags !== flags || /\\[1-9]/.test(re.source))) return picomatch([...globs], GLOB_OPTIONS);
  const combined = new RegExp(res.map((re) => re.source).join('|'), flags);
  return (path) => path !== '' && (literal.has(path) || combined.test(path));
}

/**
 * The content signal as one test over the added lines joined by newlines (with `m`, so `^`/`$` still
 * mean a line's ends): a line that matches makes the joined text match. A negative lookaround could see
 * past a line's end there and refuse, so such signals are tested line by line only.
 */
function joinedSignal(source: string): RegExp | undefined {
  return /\(\?<?!/.test(source) ? undefined : new RegExp(source, 'm');
}

function compile(agent: Agent): Matcher {
  return {
    agent,
    // Each glob's own matcher is made only when anyPath has matched and the reason must name the glob.
    paths: agent.review.paths.map((glob) => {
      let test: ((path: string) => boolean) | undefined;
      return { glob, test: (path: string) => (test ??= picomatch(glob, GLOB_OPTIONS))(path) };
    }),
    anyPath: anyGlob(agent.review.paths),
    exclude: anyGlob(agent.review.exclude),
    imports: agent.review.imports,
    content: agent.review.content.map((source) => {
      const joined = joinedSignal(source);
      return { source, re: new RegExp(source), ...(joined ? { joined } : {}) };
    }),
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
  const glob = matcher.anyPath(file.path) ? matcher.paths.find((p) => p.test(file.path)) : undefined;
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
    const signal = matcher.content.find(
      ({ re, joined }) =>
        (joined === undefined || joined.test(addedText(file))) && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && re.test(l.text))),
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
