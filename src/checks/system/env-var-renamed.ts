import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { familyOf, isTestPath, type Family } from './code-util.js';
import { addsMention, mentions, removesMention } from '../text.js';

const NAME = '([A-Z][A-Z0-9_]{2,})';
const READS: Record<Family, RegExp[]> = {
  python: [
    new RegExp(String.raw`\benviron(?:\.get)?\s*(?:\[|\()\s*['"]${NAME}['"]`, 'g'),
    new RegExp(String.raw`\bgetenv\s*\(\s*['"]${NAME}['"]`, 'g'),
  ],
  script: [new RegExp(String.raw`\bprocess\.env(?:\.${NAME}\b|\[\s*['"\`]${NAME}['"\`]\s*\])`, 'g')],
  go: [new RegExp(String.raw`\bos\.(?:Getenv|LookupEnv)\s*\(\s*"${NAME}"`, 'g')],
};

/** Words every pattern of READS needs: a cheap first test on the added and the removed lines. */
const MAY_READ: Record<Family, RegExp> = { python: /environ|getenv/, script: /process\.env/, go: /Getenv|LookupEnv/ };

/** A rename needs a read removed and a read added (the removed lines first: they are the shorter text). */
function mayRename(file: ChangedFile, family: Family): boolean {
  return removesMention(file, MAY_READ[family]) && addsMention(file, MAY_READ[family]);
}

interface Read {
  name: string;
  /** The text before the read: the assignment it feeds (`DATABASE_URL = `, `const url = `). */
  target: string;
  /** `os.environ["X"]` fails loudly at start; the other forms fall back to a default. */
  strict: boolean;
}

function readsIn(text: string, family: Family): Read[] {
  const out: Read[] = [];
  for (const re of READS[family]) {
    for (const m of text.matchAll(re)) {
      const name = m[1] ?? m[2];
      if (!name) continue;
      const target = text.slice(0, m.index).replace(/\b(?:const|let|var)\s+|\s+/g, ' ').trim();
      out.push({ name, target, strict: family === 'python' && /environ\s*\[/.test(m[0]) });
    }
  }
  return out;
}

interface Rename {
  from: string;
  to: string;
  line: number | undefined;
  strict: boolean;
}

/** Names that share a word (`DB_URL` / `DATABASE_URL` share `URL`): a replacement, not an unrelated setting. */
function related(a: string, b: string): boolean {
  const words = new Set(a.split('_').filter((w) => w.length >= 3));
  return b.split('_').some((w) => words.has(w));
}

/**
 * Renames inside one block of removed lines followed by added lines: a removed read of OLD and an added
 * read of NEW feeding the same assignment, or the block's only removed and only added name when they share a word.
 */
function renamesIn(hunk: Hunk, family: Family): Rename[] {
  const out: Rename[] = [];
  const lines = hunk.lines;
  for (let i = 0; i < lines.length; ) {
    if (lines[i]?.kind === 'context') {
      i++;
      continue;
    }
    const removed: Read[] = [];
    const added: (Read & { line: number | undefined })[] = [];
    for (; i < lines.length && lines[i]?.kind !== 'context'; i++) {
      const l = lines[i];
      if (!l || commentLine(l.text, family === 'python')) continue;
      if (l.kind === 'del') removed.push(...readsIn(l.text, family));
      else added.push(...readsIn(l.text, family).map((r) => ({ ...r, line: l.newLine })));
    }
    const oldNames = new Set(removed.map((r) => r.name));
    const newNames = new Set(added.map((r) => r.name));
    const gone = removed.filter((r) => !newNames.has(r.name));
    const fresh = added.filter((r) => !oldNames.has(r.name));
    for (const old of gone) {
      const only = new Set(gone.map((g) => g.name)).size === 1 && new Set(fresh.map((f) => f.name)).size === 1 ? fresh[0] : undefined;
      const paired = fresh.find((a) => a.target !== '' && a.target === old.target) ?? (only && related(old.name, only.name) ? only : undefined);
      if (paired && !out.some((r) => r.from === old.name)) out.push({ from: old.name, to: paired.name, line: paired.line, strict: paired.strict });
    }
  }
  return out;
}

/** Whether the old name is still read (or named, as in a list of aliases) anywhere on the head side of the change. */
function stillRead(name: string, changeSet: ChangeSet, file: ChangedFile): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  // Line by line (to skip comments) only where the joined text has the word at all: `mentions` covers every hunk line.
  if (file.content !== undefined && word.test(file.content) && file.content.split('\n').some((l) => word.test(l) && !commentLine(l, file.language === 'python'))) return true;
  return changeSet.files.some(
    (f) => mentions(f, word) && f.hunks.some((h) => h.lines.some((l) => l.kind !== 'del' && word.test(l.text) && !commentLine(l.text, f.language === 'python'))),
  );
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const family = familyOf(file);
  // The text tests before the test-path lookup: they reject nearly every file, and cost less.
  if (!family || !mayRename(file, family) || isTestPath(file.path)) return [];
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    for (const rename of renamesIn(hunk, family)) {
      if (stillRead(rename.from, changeSet, file)) continue;
      const effect = rename.strict
        ? `fails at start-up with ${code(`KeyError: '${rename.to}'`)}`
        : 'silently runs with the default (or an empty/undefined value) instead of the configured one';
      const fallback =
        family === 'python'
          ? `os.getenv("${rename.to}") or os.getenv("${rename.from}")`
          : family === 'go'
            ? `cmp.Or(os.Getenv("${rename.to}"), os.Getenv("${rename.from}"))`
            : `process.env.${rename.to} ?? process.env.${rename.from}`;
      hits.push({
        ...(rename.line !== undefined ? { line: rename.line } : {}),
        title: `Environment variable ${code(rename.from)} renamed to ${code(rename.to)} with no fallback`,
        message:
          `The code now reads ${code(rename.to)} instead of ${code(rename.from)} and nothing reads ${code(rename.from)} any ` +
          'more. Every environment that still sets the old name (Kubernetes manifests and secrets, CI variables, ' +
          `other teams' deployments, local .env files) ${effect} on the next deploy.`,
        remedy:
          `Read both during a transition, new name first: ${code(fallback)}, logging a deprecation warning when only ` +
          `${code(rename.from)} is set; rename it in every deployment, then drop the fallback in a later change.`,
      });
    }
  }
  return hits;
}

export const envVarRenamed: Rule = {
  id: 'env-var-renamed',
  summary: 'A configuration environment variable read renamed (os.getenv/os.environ, process.env, os.Getenv) with no fallback to the old name',
  why: 'Deployments that still set the old name silently run with the default (or crash on a missing key) after the next deploy.',
  remedy: 'Read the new name with the old one as a fallback (`os.getenv("NEW") or os.getenv("OLD")`), rename it everywhere, then drop the fallback.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, JS/TS or Go files',
  appliesTo: (file) => familyOf(file) !== undefined,
  // The old name could still be read elsewhere in the file, outside the hunks.
  wantsContent: (file) => {
    const family = familyOf(file);
    return family !== undefined && file.content === undefined && !isTestPath(file.path) && mayRename(file, family) && file.hunks.some((h) => renamesIn(h, family).length > 0);
  },
  readsWholeChange: true,
  check,
};
