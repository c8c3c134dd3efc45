/**
 * A credential on an added line. The patterns are src/security/secrets.ts, shared with the redaction
 * of PR content before a model sees it: everything redacted there is reported here, unless the same
 * value is on a removed line (moved, not introduced) or the file is an example.
 */
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { headLines, type HeadLine } from '../lines.js';
import { addedText, removedText } from '../text.js';
import { code } from '../../render/escape.js';
import { isSecretLiteral, isSecretName, lineStarts, mayHoldSecret, redact, scanSecrets } from '../../security/secrets.js';
import { dockerInstructions, isDockerfile, isK8sYaml } from './infra-files.js';

interface Found {
  line: number;
  what: string;
  /** What the finding may show: the redacted value or a harmless marker. */
  shown: string;
  value: string;
}

/** The index of the line holding `offset`, given each line's start (`lineStarts`). */
function indexAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The secrets on added lines of a hunk's head side (context lines are read too: a Kubernetes `- name:` above a `value:`). */
function scannedFindings(hunk: Hunk): Found[] {
  const texts: string[] = [];
  const added: string[] = [];
  for (const l of hunk.lines) {
    if (l.kind === 'add') added.push(l.text);
    if (l.kind !== 'del' && l.newLine !== undefined) texts.push(l.text);
  }
  // Every pattern's hint matches within the line of its secret, so a hunk whose added lines pass no hint reports nothing.
  if (!mayHoldSecret(added.join('\n'))) return [];
  // Most of the rest hold no secret either: their lines are numbered only when one is found.
  const matches = scanSecrets(texts.join('\n'));
  if (matches.length === 0) return [];
  const lines = headLines(hunk);
  const starts = lineStarts(texts);
  const out: Found[] = [];
  for (const m of matches) {
    const l = lines[indexAt(starts, m.at)];
    if (l?.added) out.push({ line: l.line, what: m.label, shown: m.shown, value: m.value });
  }
  return out;
}

/** `ENV`/`ARG` with a literal secret: reported on the instruction's line, with the instruction named. */
function dockerFindings(lines: HeadLine[]): Found[] {
  const out: Found[] = [];
  for (const ins of dockerInstructions(lines)) {
    if ((ins.instruction !== 'ENV' && ins.instruction !== 'ARG') || ins.addedLine === undefined) continue;
    const pairs = ins.args.includes('=')
      ? [...ins.args.matchAll(/([\w.]+)=(?:"([^"]*)"|'([^']*)'|(\S*))/g)].map((m) => [m[1] ?? '', m[2] ?? m[3] ?? m[4] ?? ''] as const)
      : [[ins.args.split(/\s+/)[0] ?? '', ins.args.split(/\s+/).slice(1).join(' ')] as const];
    const hit = pairs.find(([name, value]) => isSecretName(name) && isSecretLiteral(value));
    if (hit) out.push({ line: ins.addedLine, what: `${ins.instruction} ${code(hit[0])} with a literal value`, shown: redact(hit[1]), value: hit[1] });
  }
  return out;
}

function remedyFor(file: ChangedFile): string {
  const rotate = 'Revoke and rotate the credential now: it is exposed as soon as this is pushed, and deleting the line later does not remove it from git history. ';
  if (isDockerfile(file)) {
    return `${rotate}Pass build-time secrets with BuildKit (\`RUN --mount=type=secret,id=…\`) and runtime ones as environment from the orchestrator's secret store; \`ENV\`/\`ARG\` values stay readable in \`docker history\` and \`docker inspect\`.`;
  }
  if (isK8sYaml(file)) return `${rotate}Keep it in a Kubernetes Secret (created by an external-secrets operator, sealed-secrets or your CD tool) and reference it: \`valueFrom: { secretKeyRef: { name: …, key: … } }\`.`;
  return `${rotate}Read it at runtime from the environment or a secret manager (AWS Secrets Manager, GCP Secret Manager, Vault) and commit only a placeholder.`;
}

function check(file: ChangedFile): RuleHit[] {
  // Most files name no credential at all: one cheap pass over the added text before any per-line work.
  if (!mayHoldSecret(addedText(file))) return [];
  const hits: RuleHit[] = [];
  const seenLines = new Set<number>();
  const seenValues = new Set<string>();
  for (const hunk of file.hunks) {
    const found = isDockerfile(file) ? [...dockerFindings(headLines(hunk)), ...scannedFindings(hunk)] : scannedFindings(hunk);
    for (const f of found) {
      // The same value on a removed line: the secret was already there (a reformat or a move), not introduced here.
      if (seenLines.has(f.line) || seenValues.has(f.value) || removedText(file).includes(f.value)) continue;
      seenLines.add(f.line);
      seenValues.add(f.value);
      hits.push({
        line: f.line,
        title: `Credential committed: ${f.what.replace(/^an? /, '')}`,
        message:
          `This line adds ${f.what} (${code(f.shown)}, redacted here). Anyone with read access to the repository has it: ` +
          'every clone, fork, CI log and image layer built from it, and it cannot be rotated without a deploy of code.',
        remedy: remedyFor(file),
      });
    }
  }
  return hits.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Files meant to hold placeholders: `.env.example`, `config.sample.yaml`, `settings.py.template`. */
const EXAMPLE_FILE = /(?:^|[/.])(?:example|sample|template|dist|tmpl)(?:\.[\w-]+)?$|\.(?:example|sample|template|dist|tmpl)\./i;

export const secretInSource: Rule = {
  id: 'secret-in-source',
  summary: 'A credential added to code, config or an image: cloud/API tokens, private keys, passwords in URLs or literal secret assignments',
  why: 'A committed credential is readable by everyone with the repository or the image, stays in git history, and cannot be rotated without a deploy.',
  remedy: "Remove it, rotate it, and read it at run time from a secret store (Kubernetes secretKeyRef, the platform's secrets, environment variables).",
  severity: 'high',
  kind: 'problem',
  scope: 'any routed file except examples or samples (.env.example, *.sample)',
  appliesTo: (file) => (file.additions > 0 || file.hunks.some((h) => h.lines.some((l) => l.kind === 'add'))) && !EXAMPLE_FILE.test(file.path),
  check,
};
