import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { headLines, removedTexts, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { dockerInstructions, isDockerfile, isK8sYaml } from './infra-files.js';

/** Credentials with a recognisable shape: found anywhere on an added line, comments included. */
const TOKENS: { re: RegExp; what: string; random: boolean }[] = [
  { re: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/, what: 'an AWS access key id', random: false },
  { re: /(-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----)/, what: 'a private key', random: false },
  { re: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/, what: 'a GitHub token', random: true },
  { re: /\b(xox[abposr]-[A-Za-z0-9-]{10,})/, what: 'a Slack token', random: true },
  { re: /\b([rs]k_live_[A-Za-z0-9]{16,})/, what: 'a Stripe live key', random: true },
  { re: /\b(sk-ant-[A-Za-z0-9_-]{32,})/, what: 'an Anthropic API key', random: true },
  { re: /\b(sk-(?:proj-)?[A-Za-z0-9_-]{32,})/, what: 'an OpenAI API key', random: true },
  { re: /\b(AIza[0-9A-Za-z_-]{35})(?![\w-])/, what: 'a Google API key', random: true },
];

/** Values that stand for a secret rather than being one. */
const PLACEHOLDER = /changeme|change[_-]me|example|dummy|placeholder|your[_-]|yourkey|xxx|\*\*\*|\.\.\.|redacted|fake|sample|replace|todo|fixme|test|insert/i;
/** Values that read a secret from somewhere else: env, template, secret store. */
const REFERENCE = /\$\{|\$\(|^\$\w|\{\{|%\(|#\{|\{[\w.]*\}|<[^>]*>|process\.env|os\.environ|getenv|ENC\[|vault:|secretsmanager|ssm:|^arn:|^!/;

function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

function placeholder(value: string): boolean {
  return PLACEHOLDER.test(value) || REFERENCE.test(value) || /^(.)\1*$/.test(value);
}

/** A literal that looks like a real password or key: long enough, no spaces, more than one kind of character. */
function secretLike(value: string): boolean {
  if (value.length < 8 || /\s/.test(value) || placeholder(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value)) return false; // an env var's name: `token_env = "GITHUB_TOKEN"`
  if (/^[A-Za-z][a-z]+$/.test(value)) return false; // a word: a UI label (`"password": "Passwort"`), not a credential
  if (/^(?:https?:|file:|\.{0,2}\/)/.test(value)) return false; // a URL or a path (`/run/secrets/db`)
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
  return classes >= 2;
}

/** A name that holds a credential: `DB_PASSWORD`, `apiKey`, `client_secret`, `GITHUB_TOKEN` (not `max_tokens`, `password_field`). */
function secretName(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return /(?:^|[_.-])(?:password|passwd|secret|api_?key|access_?key|secret_?key|private_?key|token|client_?secret|auth_?token)$/.test(snake);
}

/** Weak defaults used for local services (`postgres://postgres:postgres@db`), not credentials worth a block. */
const DEFAULT_PASSWORDS = /^(?:password|pass|postgres|root|admin|guest|user|secret|mysql|redis|rabbitmq)$/i;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,20}):\/\/([^\s:/@'"`]+):([^\s@/'"`]+)@([^\s/:'"`?]+)/i;
const QUOTED = /(?<![\w.])["']?([A-Za-z_][\w.-]*)["']?\s*(?::\s*[A-Za-z_][\w[\], |]*\s*)?(?:=|:=|=>|:)\s*[fbr]?["'`]([^"'`\n]+)["'`]/g;
const UNQUOTED = /^\s*(?:-\s+)?(?:export\s+)?([A-Za-z_][\w.-]*)\s*[:=]\s*([^\s"'#`][^\s#]*)\s*$/;

/** Characters shown of a secret: 4 of a long token, fewer of a short password so most of it stays hidden. */
export function redact(value: string): string {
  const shown = value.length >= 16 ? 4 : Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…`;
}

interface Found {
  what: string;
  /** What the finding may show: the redacted value or a harmless marker. */
  shown: string;
  value: string;
}

function tokenOn(text: string): Found | undefined {
  for (const { re, what, random } of TOKENS) {
    const value = re.exec(text)?.[1];
    if (!value || /EXAMPLE|x{6,}/i.test(value) || (random && entropy(value) < 3.5)) continue;
    return { what, shown: what === 'a private key' ? value : redact(value), value };
  }
  return undefined;
}

function urlOn(text: string): Found | undefined {
  const m = URL_CREDENTIALS.exec(text);
  if (!m) return undefined;
  const [, scheme = '', user = '', password = '', host = ''] = m;
  if (placeholder(password) || DEFAULT_PASSWORDS.test(password) || password === user) return undefined;
  if (/^(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])$/i.test(host)) return undefined;
  return { what: `a password in a ${code(`${scheme}://`)} connection URL`, shown: redact(password), value: password };
}

function assignmentOn(text: string, unquoted: boolean): Found | undefined {
  for (const m of text.matchAll(QUOTED)) {
    const [, name = '', value = ''] = m;
    if (secretName(name) && secretLike(value)) return { what: `a literal ${code(name)}`, shown: redact(value), value };
  }
  const m = unquoted ? UNQUOTED.exec(text) : null;
  if (m && secretName(m[1] ?? '') && secretLike(m[2] ?? '')) return { what: `a literal ${code(m[1] ?? '')}`, shown: redact(m[2] ?? ''), value: m[2] ?? '' };
  return undefined;
}

/** Comment lines may quote an example assignment; shaped tokens are still leaks there. */
function commentOnly(text: string): boolean {
  return /^\s*(?:#|\/\/|\/\*|\*|--)/.test(text);
}

function yamlish(file: ChangedFile): boolean {
  return file.language === 'yaml' || /(?:^|\/)\.env(?:\.[\w-]+)?$|\.(?:properties|ini|cfg|conf)$/.test(file.path);
}

function lineFindings(file: ChangedFile, lines: HeadLine[]): { line: number; found: Found }[] {
  const out: { line: number; found: Found }[] = [];
  const unquoted = yamlish(file);
  lines.forEach((l, i) => {
    if (!l.added) return;
    let found = tokenOn(l.text) ?? urlOn(l.text);
    if (!found && !commentOnly(l.text)) found = assignmentOn(l.text, unquoted);
    // Kubernetes env: `- name: DB_PASSWORD` then `value: "…"` (a `valueFrom.secretKeyRef` is the right way).
    const name = /^\s*-\s+name:\s*["']?(\w+)["']?\s*$/.exec(lines[i - 1]?.text ?? '')?.[1];
    const value = /^\s*value:\s*["']?([^"'\s]+)["']?\s*$/.exec(l.text)?.[1];
    if (!found && name && value && secretName(name) && secretLike(value)) found = { what: `a literal ${code(name)}`, shown: redact(value), value };
    if (found) out.push({ line: l.line, found });
  });
  return out;
}

function dockerFindings(lines: HeadLine[]): { line: number; found: Found }[] {
  const out: { line: number; found: Found }[] = [];
  for (const ins of dockerInstructions(lines)) {
    if ((ins.instruction !== 'ENV' && ins.instruction !== 'ARG') || ins.addedLine === undefined) continue;
    const pairs = ins.args.includes('=')
      ? [...ins.args.matchAll(/([\w.]+)=(?:"([^"]*)"|'([^']*)'|(\S*))/g)].map((m) => [m[1] ?? '', m[2] ?? m[3] ?? m[4] ?? ''] as const)
      : [[ins.args.split(/\s+/)[0] ?? '', ins.args.split(/\s+/).slice(1).join(' ')] as const];
    const hit = pairs.find(([name, value]) => secretName(name) && secretLike(value));
    if (hit) out.push({ line: ins.addedLine, found: { what: `${ins.instruction} ${code(hit[0])} with a literal value`, shown: redact(hit[1]), value: hit[1] } });
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
  // The same value on a removed line: the secret was already there (a reformat or a move), not introduced here.
  const removed = removedTexts(file).join('\n');
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const lines = headLines(hunk);
    const found = isDockerfile(file) ? [...dockerFindings(lines), ...lineFindings(file, lines)] : lineFindings(file, lines);
    const seen = new Set<number>();
    for (const { line, found: f } of found) {
      if (seen.has(line) || removed.includes(f.value)) continue;
      seen.add(line);
      hits.push({
        line,
        title: `Credential committed: ${f.what.replace(/^an? /, '')}`,
        message:
          `This line adds ${f.what} (${code(f.shown)}, redacted here). Anyone with read access to the repository has it: ` +
          'every clone, fork, CI log and image layer built from it, and it cannot be rotated without a deploy of code.',
        remedy: remedyFor(file),
      });
    }
  }
  return hits;
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
  appliesTo: (file) => !EXAMPLE_FILE.test(file.path) && file.hunks.some((h) => h.lines.some((l) => l.kind === 'add')),
  check,
};
