import picomatch from 'picomatch';
import type { ChangeSet, ChangedFile, Hunk } from '../changeset/types.js';
import type { Rule, RuleHit } from './types.js';
import { GO_MODULES, IMAGES, NPM_PACKAGES, PYTHON_PACKAGES, type ServiceDependency } from './dependencies.js';
import { removedTexts } from './lines.js';

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

/** In package.json, whether the line sits in devDependencies (as far as the hunk shows). */
function inDevSection(hunk: Hunk, lineIndex: number): boolean {
  for (let i = lineIndex - 1; i >= 0; i--) {
    const text = hunk.lines[i]?.text ?? '';
    const section = /^\s*"(\w*[dD]ependencies)"\s*:/.exec(text)?.[1];
    if (section) return section !== 'dependencies';
  }
  return false;
}

function hasDecisionRecord(changeSet: ChangeSet): boolean {
  return changeSet.files.some((f) => ADR_FILES(f.path) && f.status !== 'removed') || ADR_MENTION.test(changeSet.pr.body);
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const manifest = manifestOf(file.path);
  if (!manifest || hasDecisionRecord(changeSet)) return [];
  const before = new Set(removedTexts(file).map((t) => nameOn(manifest, t)).filter((n) => n !== undefined));
  const hits: RuleHit[] = [];
  const seen = new Set<string>();
  for (const hunk of file.hunks) {
    hunk.lines.forEach((line, i) => {
      if (line.kind !== 'add' || line.newLine === undefined) return;
      const name = nameOn(manifest, line.text);
      if (!name || before.has(name) || seen.has(name)) return; // a version bump is not a new dependency
      const dependency = lookup(manifest, name);
      if (!dependency || (manifest === 'package.json' && inDevSection(hunk, i))) return;
      seen.add(name);
      hits.push({
        line: line.newLine,
        title: `New ${dependency.service} dependency without a decision record`,
        message:
          `This change brings in \`${name}\`: ${dependency.service}, a ${dependency.role}. A new stateful or external ` +
          'service is an architectural commitment (operations, backups, failure modes, cost, lock-in) and the PR ' +
          `neither adds nor links an ADR. Is there a decision record for adopting ${dependency.service}, with the alternatives considered?`,
        remedy:
          `Add an ADR (e.g. \`docs/adr/NNNN-adopt-${dependency.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.md\`: context, ` +
          'decision, alternatives, consequences) in this PR, or link the existing one in the PR description.',
      });
    });
  }
  return hits;
}

export const newDependencyWithoutAdr: Rule = {
  id: 'new-dependency-without-adr',
  summary: 'A new datastore, queue, cache, search index or external service (manifests, compose images) with no ADR in or linked from the PR',
  severity: 'medium',
  kind: 'question',
  scope: 'dependency manifests and compose files',
  appliesTo: (file) => manifestOf(file.path) !== undefined,
  check,
};
