import picomatch from 'picomatch';
import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { memoByObject } from '../../path-memo.js';
import { GO_MODULES, IMAGES, NPM_PACKAGES, PYTHON_PACKAGES, type ServiceDependency } from './dependencies.js';
import { addedLines, indentOf, removedTexts } from '../lines.js';
import { jsonKeys, NPM_RUNTIME_SECTIONS, tomlEntries, tomlRuntime } from './manifest-sections.js';
import { isCompose } from './infra-files.js';

type Manifest = 'requirements' | 'pyproject' | 'package.json' | 'go.mod' | 'compose';

const ADR_FILES = picomatch(
  ['**/{adr,adrs,decisions,architecture-decisions,decision-records}/**', '**/*{ADR,adr}[-_]*.md', '**/docs/architecture/**'],
  { dot: true },
);
/** A word every ADR_FILES path holds: tested first, it spares the globs the thousands of other paths of a large change. */
const ADR_PATH_WORD = /adr|ADR|decision|architecture/;
/** "ADR-12", "ADR 0007", a link into an adr/ or decisions/ folder, "decision record". */
const ADR_MENTION = /\bADR[-\s#]?\d+\b|\/(?:adr|adrs|decisions)\/|\bdecision record\b/i;

function manifestOf(path: string): Manifest | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.startsWith('requirements') && /^requirements.*\.(txt|in)$/.test(name)) return 'requirements';
  if (name === 'pyproject.toml') return 'pyproject';
  if (name === 'package.json') return 'package.json';
  if (name === 'go.mod') return 'go.mod';
  if (isCompose(path)) return 'compose';
  return undefined;
}

/** The package, module or image a manifest line names, or undefined. */
function nameOn(manifest: Manifest, text: string): string | undefined {
  switch (manifest) {
    case 'requirements':
      return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text.replace(/#.*/, ''))?.[1]?.toLowerCase();
    case 'pyproject':
      return (/^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text) ?? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*["{]/.exec(text))?.[1]?.toLowerCase();
    case 'package.json':
      return /^\s*"((?:@[\w.-]+\/)?[\w.-]+)"\s*:\s*"/.exec(text)?.[1];
    case 'go.mod':
      return /^\s*(?:require\s+)?([\w.-]+\.[\w./-]+)\s+v\d/.exec(text)?.[1];
    case 'compose':
      return /^\s*image:\s*["']?([^\s"':]+(?::[^\s"']*)?)/.exec(text)?.[1]?.replace(/:[^/]*$/, '');
  }
}

function lookup(manifest: Manifest, name: string): ServiceDependency | undefined {
  switch (manifest) {
    case 'requirements':
    case 'pyproject':
      return PYTHON_PACKAGES[name.replace(/_/g, '-').replace(/\[.*$/, '')];
    case 'package.json':
      return NPM_PACKAGES[name];
    case 'go.mod': {
      const key = Object.keys(GO_MODULES).find((m) => name === m || name.startsWith(`${m}/`));
      return key === undefined ? undefined : GO_MODULES[key];
    }
    case 'compose': {
      const image = name.replace(/^(docker\.io\/|library\/)+/, '');
      return IMAGES[image] ?? IMAGES[image.replace(/^[^/]+\.[^/]+\//, '')];
    }
  }
}

/** Dev-only requirement files: `requirements-dev.txt`, `requirements_test.txt`. */
const DEV_REQUIREMENTS = /^requirements[-_.](?:dev|develop|test|tests|testing|lint|docs|ci)\b/i;

/** The nearest earlier hunk line indented less than `index`'s, or undefined when the hunk does not show it. */
function parentLine(hunk: Hunk, index: number): string | undefined {
  const indent = indentOf(hunk.lines[index]?.text ?? '');
  for (let i = index - 1; i >= 0; i--) {
    const line = hunk.lines[i];
    if (!line || line.kind === 'del' || !line.text.trim()) continue;
    if (indentOf(line.text) < indent) return line.text;
  }
  return undefined;
}

/** A dependency an added line names, and whether it ships with the application. */
interface Candidate {
  name: string;
  line: number;
  runtime: boolean;
  /** False when the hunk does not show the entry's section: `runtime` is then a guess (runtime). */
  settled: boolean;
}

/**
 * In pyproject.toml, whether the entry is a runtime dependency, judged by the TOML table and array
 * the hunk shows above it; `array` is preset for an item on the array's own line (`dependencies = ["redis"]`).
 */
function pyprojectRuntime(hunk: Hunk, index: number, quoted: boolean, preset?: string): { runtime: boolean; settled: boolean } {
  let array = preset;
  for (let i = index - 1; i >= 0; i--) {
    const line = hunk.lines[i];
    if (!line || line.kind === 'del') continue;
    const table = /^\s*\[([^\]]+)\]\s*$/.exec(line.text)?.[1]?.trim();
    if (table !== undefined) {
      if (array === undefined && quoted) return { runtime: false, settled: true }; // a string outside any array
      return { runtime: tomlRuntime(table, array), settled: true };
    }
    const opener = quoted && array === undefined ? /^\s*([\w.-]+)\s*=\s*\[/.exec(line.text)?.[1] : undefined;
    if (opener !== undefined) array = opener;
  }
  // The hunk shows no table: only the array name can tell; with nothing at all, assume runtime.
  return { runtime: array === undefined ? true : array === 'dependencies', settled: false };
}

/** The dependencies an added hunk line names, judged by what the hunk shows. */
function hunkCandidates(manifest: Manifest, path: string, hunk: Hunk, index: number): Candidate[] {
  const line = hunk.lines[index];
  if (!line || line.newLine === undefined) return [];
  const at = line.newLine;
  const text = line.text;
  switch (manifest) {
    case 'package.json':
      return jsonKeys(text)
        .filter((k) => k.stringValue)
        .map((k) => {
          if (k.path.length > 0) return { name: k.key, line: at, runtime: k.path.length === 1 && NPM_RUNTIME_SECTIONS.has(k.path[0] ?? ''), settled: true };
          const parent = parentLine(hunk, index);
          if (parent === undefined) return { name: k.key, line: at, runtime: true, settled: false };
          // devDependencies, scripts, overrides...: not shipped
          return { name: k.key, line: at, runtime: /^\s*"(?:dependencies|optionalDependencies)"\s*:\s*\{/.test(parent), settled: true };
        });
    case 'pyproject': {
      const opener = /^\s*([\w.-]+)\s*=\s*\[/.exec(text)?.[1];
      if (opener !== undefined) {
        const judged = pyprojectRuntime(hunk, index, true, opener);
        return tomlEntries([{ text, line: at }]).map((e) => ({ name: e.name.toLowerCase(), line: at, ...judged }));
      }
      const name = nameOn(manifest, text);
      return name === undefined ? [] : [{ name, line: at, ...pyprojectRuntime(hunk, index, /^\s*"/.test(text)) }];
    }
    default: {
      const name = nameOn(manifest, text);
      if (name === undefined) return [];
      const runtime =
        manifest === 'requirements'
          ? !DEV_REQUIREMENTS.test(path.slice(path.lastIndexOf('/') + 1))
          : manifest === 'go.mod'
            ? !/\/\/\s*indirect\b/.test(text)
            : true;
      return [{ name, line: at, runtime, settled: true }];
    }
  }
}

/**
 * The dependencies the added lines name, with their sections read from the whole file: settles a
 * devDependencies entry whose header is far above the hunk. Undefined when the content cannot help.
 */
function contentCandidates(manifest: Manifest, file: ChangedFile): Candidate[] | undefined {
  const content = file.content;
  if (content === undefined || (manifest !== 'package.json' && manifest !== 'pyproject')) return undefined;
  const added = new Set(addedLines(file).map((l) => l.newLine));
  const lines = content.split('\n').map((text, i) => ({ text, line: i + 1 }));
  if ([...added].some((n) => n === undefined || n > lines.length)) return undefined; // not the head this diff was made against
  if (manifest === 'package.json') {
    return jsonKeys(content)
      .filter((k) => k.stringValue && added.has(k.line))
      .map((k) => ({ name: k.key, line: k.line, runtime: k.path.length === 1 && NPM_RUNTIME_SECTIONS.has(k.path[0] ?? ''), settled: true }));
  }
  return tomlEntries(lines)
    .filter((e) => added.has(e.line))
    .map((e) => ({ name: e.name.toLowerCase(), line: e.line, runtime: e.table !== undefined && tomlRuntime(e.table, e.array), settled: true }));
}

function hunkCandidatesOf(manifest: Manifest, file: ChangedFile): Candidate[] {
  return file.hunks.flatMap((hunk) =>
    hunk.lines.flatMap((line, i) => (line.kind === 'add' ? hunkCandidates(manifest, file.path, hunk, i) : [])),
  );
}

/** The names a removed line had: a single-line section names several. */
function removedNames(manifest: Manifest, text: string): string[] {
  if (manifest === 'package.json') return jsonKeys(text).filter((k) => k.stringValue).map((k) => k.key);
  if (manifest === 'pyproject' && /^\s*[\w.-]+\s*=\s*\[/.test(text)) return tomlEntries([{ text, line: 1 }]).map((e) => e.name.toLowerCase());
  const name = nameOn(manifest, text);
  return name === undefined ? [] : [name];
}

/** A decision record the change adds or edits. */
function isDecisionRecord(file: ChangedFile): boolean {
  return ADR_PATH_WORD.test(file.path) && ADR_FILES(file.path) && file.status !== 'removed';
}

interface NewService {
  name: string;
  dependency: ServiceDependency;
  line: number;
}

/** The services a manifest's added lines bring in, once each; a bump or a swap of clients for the same service is not new. */
function newServices(file: ChangedFile): NewService[] {
  const manifest = manifestOf(file.path);
  if (!manifest) return [];
  const removed = removedTexts(file).flatMap((t) => removedNames(manifest, t));
  const before = new Set([...removed, ...removed.map((n) => lookup(manifest, n)?.service).filter((s) => s !== undefined)]);
  const found: NewService[] = [];
  for (const { name, line, runtime } of contentCandidates(manifest, file) ?? hunkCandidatesOf(manifest, file)) {
    const dependency = lookup(manifest, name);
    if (!runtime || !dependency || before.has(name) || before.has(dependency.service)) continue;
    if (found.some((f) => f.dependency.service === dependency.service)) continue;
    found.push({ name, dependency, line });
  }
  return found;
}

/** A manifest whose added service line sits in a section the hunk does not show (package.json, pyproject.toml). */
function wantsContent(file: ChangedFile): boolean {
  const manifest = manifestOf(file.path);
  if (manifest !== 'package.json' && manifest !== 'pyproject') return false;
  return hunkCandidatesOf(manifest, file).some((c) => !c.settled && lookup(manifest, c.name) !== undefined);
}

/** What the whole change says, worked out once per ChangeSet however many manifests it has. */
interface ChangeFacts {
  decisionRecord: boolean;
  /** The services each manifest should ask about: one question per service, on the first manifest bringing it in. */
  questions: Map<ChangedFile, NewService[]>;
}

const factsOf = memoByObject((changeSet: ChangeSet): ChangeFacts => {
  const asked = new Set<string>();
  const questions = new Map<ChangedFile, NewService[]>();
  let decisionRecord = ADR_MENTION.test(`${changeSet.pr.title}\n${changeSet.pr.body}`);
  // One pass over the paths, both questions asked of each: on a large change they lie all over the diff's text in memory.
  for (const file of changeSet.files) {
    decisionRecord ||= isDecisionRecord(file);
    const fresh = newServices(file).filter(({ dependency }) => !asked.has(dependency.service));
    for (const { dependency } of fresh) asked.add(dependency.service);
    if (fresh.length > 0) questions.set(file, fresh);
  }
  return { decisionRecord, questions };
});

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (!manifestOf(file.path)) return [];
  const facts = factsOf(changeSet);
  if (facts.decisionRecord) return [];
  return (facts.questions.get(file) ?? [])
    .map(({ name, dependency, line }) => ({
      line,
      title: `New ${dependency.service} dependency without a decision record`,
      message:
        `This change brings in \`${name}\`: ${dependency.service}, ${/^[aeiou]/i.test(dependency.role) ? 'an' : 'a'} ${dependency.role}. A new stateful or external ` +
        'service is an architectural commitment (operations, backups, failure modes, cost, lock-in) and the PR ' +
        `neither adds nor links an ADR. Is there a decision record for adopting ${dependency.service}, with the alternatives considered?`,
      remedy:
        `Add an ADR (e.g. \`docs/adr/NNNN-adopt-${dependency.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.md\`: context, ` +
        'decision, alternatives, consequences) in this PR, or link the existing one in the PR description.',
    }));
}

export const newDependencyWithoutAdr: Rule = {
  id: 'new-dependency-without-adr',
  summary: 'A new datastore, queue, cache, search index or external service (manifests, compose images) with no ADR in or linked from the PR',
  why: 'A stateful or external service is a long commitment: operations, backups, failure modes, cost and lock-in.',
  remedy: 'Add an ADR (context, decision, alternatives, consequences) in the PR, or link the existing one.',
  severity: 'medium',
  kind: 'question',
  scope: 'dependency manifests or compose files',
  appliesTo: (file) => manifestOf(file.path) !== undefined,
  wantsContent,
  readsWholeChange: true,
  check,
};
