import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { dockerfileViews, dockerInstructions, isCompose, isDevPath, isDockerfile, isHelmValues, isK8sYaml } from './infra-files.js';
import { inlineValue, keyIndent, keyOf, segmentsOf, structural, type YLine } from './yaml-lines.js';
import { indentOf } from '../lines.js';
import { addsMention } from '../text.js';

/** The tag of an image reference (`registry:5000/team/app:1.2` → `1.2`), undefined when it has none; null for a digest. */
function tagOf(ref: string): string | undefined | null {
  if (ref.includes('@sha256:')) return null;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
}

/** Why the reference floats, or undefined when it is pinned (or cannot be judged: templated). */
function floating(ref: string): 'no tag' | 'latest' | undefined {
  if (/[${}]/.test(ref) || ref === 'scratch') return undefined;
  const tag = tagOf(ref);
  if (tag === null) return undefined;
  if (tag === undefined) return 'no tag';
  return tag === 'latest' ? 'latest' : undefined;
}

function dockerfileHits(file: ChangedFile): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const view of dockerfileViews(file)) {
    const stages = new Set<string>();
    // Without the lines above the hunk an untagged single word may be an earlier stage (`FROM builder`).
    const seesTop = view.whole || view.lines[0]?.line === 1;
    for (const ins of dockerInstructions(view.lines)) {
      if (ins.instruction !== 'FROM') continue;
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const ref = words[0] ?? '';
      const alias = /^as$/i.test(words[1] ?? '') ? words[2] : undefined;
      const why = floating(ref);
      const stage = stages.has(ref) || (!seesTop && !ref.includes('/') && why === 'no tag');
      if (alias) stages.add(alias);
      if (ins.addedLine === undefined || !why || stage) continue;
      hits.push({
        line: ins.addedLine,
        title: `Base image ${code(ref)} is not pinned`,
        message:
          `${code(`FROM ${ref}`)} ${why === 'no tag' ? 'has no tag, so it means `:latest`' : 'uses `:latest`'}: every build takes whatever was ` +
          'pushed last (a new language minor, a new OS release), so two builds of the same commit differ and rebuilding an old ' +
          'version for a rollback does not reproduce it.',
        remedy: `Pin a version tag (e.g. \`${ref.replace(/:latest$/, '')}:<version>-slim\`), ideally with its digest (\`…@sha256:…\`), and let Renovate or Dependabot bump it.`,
      });
    }
  }
  return hits;
}

/** A compose service that builds its image: `image:` then only names the result, nothing is pulled. */
function buildsLocally(lines: readonly YLine[], index: number): boolean {
  const indent = keyIndent(lines[index]?.text ?? '');
  const sibling = (i: number): boolean | undefined => {
    const text = lines[i]?.text ?? '';
    if (!structural(text)) return false;
    if (indentOf(text) < indent) return undefined;
    return keyIndent(text) === indent && keyOf(text) === 'build';
  };
  for (const dir of [-1, 1]) {
    for (let i = index + dir; i >= 0 && i < lines.length; i += dir) {
      const found = sibling(i);
      if (found === undefined) break;
      if (found) return true;
    }
  }
  return false;
}

function yamlHits(file: ChangedFile): RuleHit[] {
  const hits: RuleHit[] = [];
  // Only an added `image:` or `tag:` line is judged: most changed manifests add none.
  if (!addsMention(file, /image|tag/)) return hits;
  const compose = isCompose(file.path);
  for (const segment of segmentsOf(file)) {
    segment.lines.forEach((l, i) => {
      if (!l.added) return;
      const key = keyOf(l.text);
      const value = inlineValue(l.text).replace(/^["']|["']$/g, '');
      let ref: string | undefined;
      let why: 'no tag' | 'latest' | undefined;
      if (key === 'image' && value) {
        ref = value;
        why = floating(value);
        if (compose && why === 'no tag' && buildsLocally(segment.lines, i)) why = undefined;
      } else if (key === 'tag' && value === 'latest' && isHelmValues(file.path)) {
        ref = 'tag: latest';
        why = 'latest';
      }
      if (!ref || !why) return;
      hits.push({
        line: l.line,
        title: `Image ${code(ref)} is not pinned`,
        message:
          `${code(ref)} ${why === 'no tag' ? 'has no tag, so it means `:latest`' : 'uses `:latest`'}: each node pulls whatever was pushed last ` +
          '(Kubernetes pulls `:latest` on every pod start), so pods of one deployment can run different builds and rolling back ' +
          'to the previous revision brings back `:latest`, i.e. the new code.',
        remedy: 'Deploy an immutable tag per build (a version or the git SHA), or a digest (`app@sha256:…`), and change it in each release.',
      });
    });
  }
  return hits;
}

function judged(file: ChangedFile): boolean {
  // The file's language first: most files of a change are neither a Dockerfile nor YAML.
  return (isDockerfile(file) || (file.language === 'yaml' && (isCompose(file.path) || isK8sYaml(file)))) && !isDevPath(file.path);
}

export const imageTagNotPinned: Rule = {
  id: 'image-tag-not-pinned',
  summary: 'A base image or deployed image with no tag or `:latest` (Dockerfile FROM, Kubernetes/compose image:, Helm values tag)',
  why: 'A floating tag changes under you: builds are not reproducible, and a rollback or a new node can pull a different image than the one tested.',
  remedy: 'Pin a version tag, or better a digest (@sha256:…), and update it deliberately.',
  severity: 'low',
  kind: 'problem',
  scope: 'Dockerfiles, compose files or Kubernetes manifests (dev-only files excluded)',
  appliesTo: judged,
  // Earlier build stages (Dockerfile) and a compose service's `build:` may be above the hunk.
  wantsContent: (file) =>
    judged(file) &&
    file.status !== 'added' &&
    (isDockerfile(file) || isCompose(file.path)) &&
    file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && /^\s*(?:FROM\s+(?:--\S+\s+)*[\w.-]+(?:\s|$)|(?:-\s+)?image:\s*["']?[^\s:"'@]+["']?\s*$)/i.test(l.text))),
  check: (file) => (isDockerfile(file) ? dockerfileHits(file) : yamlHits(file)),
};
