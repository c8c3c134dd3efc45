import picomatch from 'picomatch';
import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { GO_MODULES, IMAGES, NPM_PACKAGES, PYTHON_PACKAGES, type ServiceDependency } from './dependencies.js';
import { indentOf, removedTexts } from '../lines.js';

type Manifest = 'requirements' | 'pyproject' | 'package.json' | 'go.mod' | 'compose';

const COMPOSE = picomatch(['**/docker-compose*.{yml,yaml}', '**/compose*.{yml,yaml}'], { dot: true });
const ADR_FILES = picomatch(
  ['**/{adr,adrs,decisions,architecture-decisions,decision-records}/**', '**/*{ADR,adr}[-_]*.md', '**/docs/architecture/**'],
  { dot: true },
);
/** "ADR-12", "ADR 0007", a link into an adr/ or decisions/ folder, "decision record". */
const ADR_MENTION = /\bADR[-\s#]?\d+\b|\/(?:adr|adrs|decisions)\/|\bdecision record\b/i;

function manifestOf(path: string): Manifest | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/^requirements.*\.(txt|in)$/.test(name)) return 'requirements';
  if (name === 'pyproject.toml') return 'pyproject';
  if (name === 'package.json') return 'package.json';
  if (name === 'go.mod') return 'go.mod';
  if (COMPOSE(path)) return 'compose';
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

/** Dev-only groups: `[project.optional-dependencies] dev = [...]`, `requirements-test.txt`, a Poetry `dev` group. */
const DEV_GROUP = /^(?:dev|develop|development|test|tests|testing|lint|docs|typing|ci)$/i;
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

/** In pyproject.toml, whether the entry is a runtime dependency, judged by its TOML table and array. */
function pyprojectRuntime(hunk: Hunk, index: number, quoted: boolean): boolean {
  let array: string | undefined;
  for (let i = index - 1; i >= 0; i--) {
    const line = hunk.lines[i];
    if (!line || line.kind === 'del') continue;
    const table = /^\s*\[([^\]]+)\]\s*$/.exec(line.text)?.[1]?.trim();
    if (table !== undefined) {
      if (array !== undefined) {
        if (table === 'project') return array === 'dependencies';
        if (table === 'project.optional-dependencies') return !DEV_GROUP.test(array);
        return false; // [dependency-groups], [build-system] requires, tool settings
      }
      if (quoted) return false; // a string outside any array: not a dependency list
      if (table === 'tool.poetry.dependencies') return true;
      const group = /^tool\.poetry\.group\.([\w-]+)\.dependencies$/.exec(table)?.[1];
      return group !== undefined && !DEV_GROUP.test(group);
    }
    const opener = quoted && array === undefined ? /^\s*([\w.-]+)\s*=\s*\[/.exec(line.text)?.[1] : undefined;
    if (opener !== undefined) array = opener;
  }
  // The hunk shows no table: only the array name can tell; with nothing at all, assume runtime.
  return array === undefined ? true : array === 'dependencies';
}

/** Whether an added manifest line is a runtime dependency, as far as the hunk shows (not dev, test or indirect). */
function isRuntime(manifest: Manifest, path: string, hunk: Hunk, index: number): boolean {
  const text = hunk.lines[index]?.text ?? '';
  switch (manifest) {
    case 'requirements':
      return !DEV_REQUIREMENTS.test(path.slice(path.lastIndexOf('/') + 1));
    case 'pyproject':
      return pyprojectRuntime(hunk, index, /^\s*"/.test(text));
    case 'package.json': {
      const parent = parentLine(hunk, index);
      if (parent === undefined) return true;
      return /^\s*"dependencies"\s*:\s*\{/.test(parent); // devDependencies, scripts, overrides...: not shipped
    }
    case 'go.mod':
      return !/\/\/\s*indirect\b/.test(text);
    case 'compose':
      return true;
  }
}

function hasDecisionRecord(changeSet: ChangeSet): boolean {
  return changeSet.files.some((f) => ADR_FILES(f.path) && f.status !== 'removed') || ADR_MENTION.test(`${changeSet.pr.title}\n${changeSet.pr.body}`);
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
  const removed = removedTexts(file).map((t) => nameOn(manifest, t)).filter((n) => n !== undefined);
  const before = new Set([...removed, ...removed.map((n) => lookup(manifest, n)?.service).filter((s) => s !== undefined)]);
  const found: NewService[] = [];
  for (const hunk of file.hunks) {
    hunk.lines.forEach((line, i) => {
      if (line.kind !== 'add' || line.newLine === undefined) return;
      const name = nameOn(manifest, line.text);
      const dependency = name === undefined ? undefined : lookup(manifest, name);
      if (!name || !dependency || before.has(name) || before.has(dependency.service)) return;
      if (found.some((f) => f.dependency.service === dependency.service)) return;
      if (isRuntime(manifest, file.path, hunk, i)) found.push({ name, dependency, line: line.newLine });
    });
  }
  return found;
}

/** What the whole change says, worked out once per ChangeSet however many manifests it has. */
interface ChangeFacts {
  decisionRecord: boolean;
  /** The services each manifest should ask about: one question per service, on the first manifest bringing it in. */
  questions: Map<ChangedFile, NewService[]>;
}

const FACTS = new WeakMap<ChangeSet, ChangeFacts>();

function factsOf(changeSet: ChangeSet): ChangeFacts {
  let facts = FACTS.get(changeSet);
  if (facts) return facts;
  const asked = new Set<string>();
  const questions = new Map<ChangedFile, NewService[]>();
  for (const file of changeSet.files) {
    const fresh = newServices(file).filter(({ dependency }) => !asked.has(dependency.service));
    for (const { dependency } of fresh) asked.add(dependency.service);
    if (fresh.length > 0) questions.set(file, fresh);
  }
  facts = { decisionRecord: hasDecisionRecord(changeSet), questions };
  FACTS.set(changeSet, facts);
  return facts;
}

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
  severity: 'medium',
  kind: 'question',
  scope: 'dependency manifests or compose files',
  appliesTo: (file) => manifestOf(file.path) !== undefined,
  check,
};
