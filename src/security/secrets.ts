/**
 * Credentials in text: one pattern list for the redaction of PR content before a model sees it and
 * for the secret-in-source rule, so everything redacted is also reported. Precision matters more
 * than recall here: placeholders, references and look-alike names are never matched.
 */

type Groups = Partial<Record<string, string>>;

export interface SecretPattern {
  /** Stable id, shown in `[REDACTED:<kind>]`: `github-token`. */
  kind: string;
  /** What a finding calls it: `a GitHub token`. */
  label: string;
  /**
   * A cheap test on the whole text (no `g` or `i` flag; best starting at a rare character and looking
   * behind): the regex only runs when it passes, and all hints together make the first test of any text.
   */
  hint: RegExp;
  /** Flags `gd`: the `value` group is the secret (what is redacted); other named groups give context. */
  regex: RegExp;
  /** Whether a match is a credential, not a placeholder, a reference or a look-alike; `line` is its line. */
  accept?: (groups: Groups, line: () => string) => boolean;
  /** A label naming the match when it depends on it: a literal `DB_PASSWORD`. */
  describe?: (groups: Groups) => string;
  /** Anchor the match at its start instead of at its value (a private key's BEGIN line). */
  anchorAtMatch?: boolean;
  /**
   * A pattern that judges a value by the name it is assigned to: it yields to a shaped pattern that
   * recognised the value and rejected it (`GITHUB_TOKEN=ghp_xxxx…` is a placeholder, not a password).
   */
  byName?: boolean;
  /**
   * The regex runs only on the lines where the hint matches (far cheaper on a big diff), with this
   * many lines before each (default 0); `'all'`: on the whole text (a multi-line private key).
   */
  linesBefore?: number | 'all';
}

/** A secret in a text: its value's span (what `redactSecrets` replaces), where a finding points (`at`), and what a message may show. */
export interface SecretMatch {
  kind: string;
  label: string;
  start: number;
  end: number;
  at: number;
  value: string;
  /** A few characters of the value, or a private key's BEGIN line. */
  shown: string;
}

/** Values that stand for a secret rather than being one. */
const PLACEHOLDER = /changeme|change[_-]me|example|dummy|placeholder|your[_-]|yourkey|xxx|\*\*\*|\.\.\.|redacted|fake|sample|replace|todo|fixme|test|insert/i;
/** Values that read a secret from somewhere else: env, template, secret store. */
const REFERENCE = /\$\{|\$\(|^\$\w|\{\{|%\(|#\{|\{[\w.]*\}|<[^>]*>|process\.env|os\.environ|getenv|ENC\[|vault:|secretsmanager|ssm:|^arn:|^!/;
/** Placeholders inside a token-shaped value: `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxxxxxx…`. */
const TOKEN_PLACEHOLDER = /example|x{6,}|your|dummy|fake|placeholder|redacted|0{8,}/i;
/** Weak defaults used for local services (`postgres://postgres:postgres@db`), not credentials worth a block. */
const DEFAULT_PASSWORDS = /^(?:password|passwd|pass|postgres|root|admin|guest|user|secret|mysql|redis|rabbitmq)$/i;
/** Hosts of a developer's machine or reserved for documentation: `localhost`, `example.com`, `db.test`. */
const LOCAL_HOST = /^(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|(?:[\w-]+\.)*example(?:\.(?:com|org|net))?|[\w.-]+\.(?:test|invalid|localhost|example))$/i;

function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

function charClasses(value: string): number {
  return [/[a-z]/, /[A-Z]/, /\d/].filter((re) => re.test(value)).length;
}

/** A generated token: varied characters of several classes, no placeholder words. */
function randomLooking(value: string, minClasses = 3): boolean {
  return charClasses(value) >= minClasses && entropy(value) >= 3.5 && !TOKEN_PLACEHOLDER.test(value);
}

function placeholder(value: string): boolean {
  return PLACEHOLDER.test(value) || REFERENCE.test(value) || /^(.)\1*$/.test(value);
}

/** A literal that looks like a real password or key: long enough, no spaces, more than one kind of character. */
export function isSecretLiteral(value: string): boolean {
  if (value.length < 8 || /\s/.test(value) || placeholder(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value)) return false; // an env var's name: `token_env = "GITHUB_TOKEN"`
  if (/^\p{L}\p{Ll}+$/u.test(value)) return false; // a word: a UI label (`"password": "Passwort"`), not a credential
  // Words without digits: a constant or an identifier (`"refresh_token"`, `"?NonExpressionParenEnd"`, `"SuperSecretToken"`).
  if (/^[^A-Za-z0-9]?[A-Za-z]+(?:[-_.:/][A-Za-z]+)*[^A-Za-z0-9]?$/.test(value)) return false;
  // A lower-case slug names a thing (a Kubernetes Secret `app-secrets-v2`, a vault path), unless it is a UUID key.
  if (/^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$/.test(value) && !/^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(value)) return false;
  if (/^(?:https?:|file:|\.{0,2}\/)/.test(value)) return false; // a URL or a path (`/run/secrets/db`)
  if (/\\[wdsWDSb]|\(\?[:=!<]|\[\^/.test(value)) return false; // a regular expression (`token_re = r"[^\W\d]\w*"`)
  return charClasses(value) + (/[^A-Za-z0-9]/.test(value) ? 1 : 0) >= 2;
}

/** A name that holds a credential: `DB_PASSWORD`, `apiKey`, `client_secret`, `GITHUB_TOKEN` (not `max_tokens`, `password_field`). */
export function isSecretName(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return /(?:^|[_.-])(?:password|passwd|pass|pwd|secret|api_?key|access_?key|secret_?key|private_?key|token|client_?secret|auth_?token)$/.test(snake);
}

/** Characters shown of a secret: 4 of a long token, fewer of a short password so most of it stays hidden. */
export function redact(value: string): string {
  const shown = value.length >= 16 ? 4 : Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…`;
}

const tick = (text: string): string => `\`${text}\``;
const literal = (g: Groups): string => `a literal ${tick(g.name ?? '')}`;
const random = (minClasses?: number) => (g: Groups) => randomLooking(g.value ?? '', minClasses);

/** Comment lines may quote an example assignment; shaped tokens are still leaks there. */
function commentLine(line: string): boolean {
  return /^[+ -]?\s*(?:#|\/\/|\/\*|\*|--)/.test(line);
}

/** `settings.DB_PASSWORD`, `self.token`: an expression that reads the secret, not the secret. */
const MEMBER_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * An unquoted `name: value` / `NAME=value` on a line of its own (YAML, .env, properties, Dockerfile
 * ENV): code has the same shape (`password: str`, `token = build_token`), so values that read like
 * code (calls, indexing, member paths, plain identifiers) are not secrets.
 */
function unquotedAccept(g: Groups): boolean {
  const name = g.name ?? '';
  const sep = g.sep ?? '';
  const value = g.value ?? '';
  if (!isSecretName(name) || !isSecretLiteral(value)) return false;
  if (/[()[\]{}]|[,;]$/.test(value) || MEMBER_PATH.test(value) || /^[A-Za-z]+$/.test(value)) return false;
  if (!/[:=]/.test(sep)) return g.kw === 'ENV' || g.kw === 'ARG'; // `ENV DB_PASSWORD value`
  // `NAME=value` with no spaces: .env, shell, properties; lower-case names there are keyword arguments.
  if (sep.trim() === '=' && !/\s/.test(sep)) return /^[A-Z][A-Z0-9_]*$/.test(name) || name.includes('.');
  return !IDENTIFIER.test(value) || charClasses(value) === 3;
}

function urlAccept(g: Groups): boolean {
  const password = g.value ?? '';
  if (placeholder(password) || DEFAULT_PASSWORDS.test(password) || password === g.user) return false;
  return !LOCAL_HOST.test(g.host ?? '');
}

/** A JWT that is a documentation sample (jwt.io's "John Doe") rather than a token someone was issued. */
function jwtAccept(g: Groups): boolean {
  const payload = (g.value ?? '').split('.')[1] ?? '';
  const claims = Buffer.from(payload, 'base64url').toString('utf8');
  return !/john doe|1234567890|example|dummy|fake|sample/i.test(claims);
}

/** `[Pp][Aa][Ss][Ss]`: a word in any case inside a case-sensitive regex, so every hint can share one fast pass. */
function anyCase(word: string): string {
  return word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/** The words a credential's name ends with (see isSecretName). */
const SECRET_WORD = `(?:${anyCase('pass')}(?:${anyCase('wd')}|${anyCase('word')})?|${anyCase('pwd')}|${anyCase('secret')}|${anyCase('token')}|(?:${anyCase('api')}|${anyCase('access')}|${anyCase('secret')}|${anyCase('private')})_?${anyCase('key')})`;

/**
 * What every assignment pattern needs: a name ending in a secret's word, `:` or `=`, then on the line a
 * quoted literal of 8 characters or more, or an unquoted one that is not code: no brackets, something
 * other than letters (isSecretLiteral, unquotedAccept).
 * Hints start at a rare character and look behind, which keeps one pass over a large diff cheap.
 */
const ASSIGNMENT_HINT = new RegExp(
  `[:=](?<=${SECRET_WORD}["']?\\s*[:=])(?=[^\\n]{0,300}?["'\`][^"'\`\\n]{8}|[ \\t]*(?=[^\\s"'#\`(){}[\\]]{8})[^\\s(){}[\\]]*?[^a-zA-Z\\s_.:/,;(){}[\\]-])|\\b(?:ENV|ARG)[ \\t]+\\w*${SECRET_WORD}`,
);

/** In order of precedence: when two matches overlap at the same place, the earlier pattern names it. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: 'private-key',
    label: 'a private key',
    hint: /PRIVATE KEY/,
    regex: /(?<marker>-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)(?:\s|\\[nr])*(?<value>(?:(?!-----END)[A-Za-z0-9+/=\s:,\\"'.-])*?)(?:\s|\\[nr])*(?=-----END|[^A-Za-z0-9+/=\s:,\\"'.-]|$)/dg,
    accept: (g) => /[A-Za-z0-9+/]{40,}/.test(g.value ?? ''),
    anchorAtMatch: true,
    linesBefore: 'all',
  },
  {
    kind: 'aws-access-key-id',
    label: 'an AWS access key id',
    hint: /A[KSBC][IC]A/,
    regex: /\b(?<value>(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b/dg,
    accept: (g) => !TOKEN_PLACEHOLDER.test(g.value ?? '') && entropy(g.value ?? '') >= 3,
  },
  { kind: 'github-token', label: 'a GitHub token', hint: /_(?<=gh[pousr]_|github_pat_)/, regex: /\b(?<value>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,255})\b/dg, accept: random() },
  { kind: 'anthropic-api-key', label: 'an Anthropic API key', hint: /-(?<=sk-ant-)/, regex: /\b(?<value>sk-ant-[A-Za-z0-9_-]{32,})/dg, accept: random() },
  { kind: 'openai-api-key', label: 'an OpenAI API key', hint: /-(?<=sk-)/, regex: /\b(?<value>sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,})/dg, accept: random() },
  { kind: 'slack-token', label: 'a Slack token', hint: /-(?<=xox[abposr]-)/, regex: /\b(?<value>xox[abposr]-[A-Za-z0-9-]{10,})/dg, accept: (g) => /\d/.test(g.value ?? '') && randomLooking(g.value ?? '', 2) },
  {
    kind: 'slack-webhook',
    label: 'a Slack webhook URL',
    hint: /\.(?<=hooks\.)slack\.com/,
    regex: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<value>[A-Za-z0-9_/-]{20,})/dg,
    accept: random(2),
  },
  { kind: 'stripe-key', label: 'a Stripe live key', hint: /_(?<=k_live_)/, regex: /\b(?<value>[rs]k_live_[A-Za-z0-9]{16,})/dg, accept: random() },
  { kind: 'google-api-key', label: 'a Google API key', hint: /AIza/, regex: /\b(?<value>AIza[0-9A-Za-z_-]{35})(?![\w-])/dg, accept: random() },
  { kind: 'twilio-api-key', label: 'a Twilio API key', hint: /SK[0-9a-fA-F]{32}/, regex: /\b(?<value>SK[0-9a-fA-F]{32})\b/dg, accept: random(2) },
  { kind: 'sendgrid-api-key', label: 'a SendGrid API key', hint: /SG\./, regex: /\b(?<value>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![\w-])/dg, accept: random() },
  { kind: 'npm-token', label: 'an npm token', hint: /_(?<=npm_)/, regex: /\b(?<value>npm_[A-Za-z0-9]{36})\b/dg, accept: random() },
  {
    kind: 'jwt',
    label: 'a JSON Web Token',
    hint: /J(?<=eyJ)/,
    regex: /\b(?<value>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})(?![\w-])/dg,
    accept: jwtAccept,
  },
  {
    kind: 'url-password',
    label: 'a password in a connection URL',
    hint: /:\/\/[^\s@/]+@/,
    regex: /\b(?<scheme>[a-z][a-z0-9+.-]{1,20}):\/\/(?<user>[^\s:/@'"`<>[\]]+):(?<value>[^\s@/'"`<>]+)@(?<host>[^\s/:'"`?<>]+)/dgi,
    accept: urlAccept,
    describe: (g) => `a password in a ${tick(`${g.scheme ?? ''}://`)} connection URL`,
  },
  {
    kind: 'aws-secret-access-key',
    label: 'an AWS secret access key',
    hint: new RegExp(`[:=](?<=${anyCase('secret')}_?${anyCase('access')}_?${anyCase('key')}["']?\\s*[:=])`),
    regex: /secret_?access_?key["']?\s*(?:[:=]|=>)\s*["']?(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    accept: random(),
  },
  {
    // Kubernetes env: `- name: DB_PASSWORD` then `value: "…"` (a `valueFrom.secretKeyRef` is the right way).
    kind: 'env-secret',
    byName: true,
    label: 'a literal environment secret',
    hint: /:(?<=value:)[ \t]*["']?(?!https?:|\.{0,2}\/)[^\s"']{8}/,
    regex: /^[+ -]?[ \t]*-[ \t]+name:[ \t]*["']?(?<name>\w+)["']?[ \t]*\n[+ -]?[ \t]*value:[ \t]*["']?(?<value>[^"'\s]+)["']?[ \t]*$/dgm,
    accept: (g) => isSecretName(g.name ?? '') && isSecretLiteral(g.value ?? ''),
    describe: literal,
    linesBefore: 1,
  },
  {
    kind: 'assigned-secret',
    byName: true,
    label: 'a literal secret',
    hint: ASSIGNMENT_HINT,
    regex: /(?<![\w.])["']?(?<name>[A-Za-z_][\w.-]*)["']?\s*(?::\s*[A-Za-z_][\w[\], |]*\s*)?(?:=|:=|=>|:)\s*[fbr]?["'`](?<value>[^"'`\n]+)["'`]/dg,
    accept: (g, line) => isSecretName(g.name ?? '') && isSecretLiteral(g.value ?? '') && !commentLine(line()),
    describe: literal,
  },
  {
    kind: 'assigned-secret',
    byName: true,
    label: 'a literal secret',
    hint: ASSIGNMENT_HINT,
    regex: /^[+ -]?[ \t]*(?:-[ \t]+)?(?:(?<kw>export|set|ENV|ARG)[ \t]+)?(?<name>[A-Za-z_][\w.-]*)(?<sep>[ \t]*[:=][ \t]*|[ \t]+)(?<value>[^\s"'#`]\S*?)[ \t]*\\?(?:[ \t]+#.*)?$/dgm,
    accept: unquotedAccept,
    describe: literal,
  },
];

/** The line of `text` around `index`. */
function lineAround(text: string, index: number): string {
  const from = text.lastIndexOf('\n', index - 1) + 1;
  const to = text.indexOf('\n', index);
  return text.slice(from, to === -1 ? text.length : to);
}

/**
 * Every match of a global regex. Not `matchAll`: it copies the regex, and each copy starts in V8's
 * regexp interpreter, several times slower than the compiled code the shared regex tiers up to.
 */
function execAll(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  re.lastIndex = 0;
  return out;
}

/** The matches of one pattern; the spans of shaped values it rejected go to `rejected`. */
function matchesOf(text: string, offset: number, pattern: SecretPattern, rejected: [number, number][]): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const m of execAll(pattern.regex, text)) {
    const span = m.indices?.groups?.value;
    const groups: Groups = m.groups ?? {};
    const value = groups.value;
    if (!span || !value) continue;
    const [start, end] = span;
    if (pattern.accept && !pattern.accept(groups, () => lineAround(text, m.index))) {
      if (!pattern.byName) rejected.push([offset + start, offset + end]);
      continue;
    }
    out.push({
      kind: pattern.kind,
      label: pattern.describe?.(groups) ?? pattern.label,
      start: offset + start,
      end: offset + end,
      at: offset + (pattern.anchorAtMatch ? m.index : start),
      value,
      shown: groups.marker ?? redact(value),
    });
  }
  return out;
}

/** `gate`: every distinct hint in one global regex; `hints`: each sticky, tried where the gate stops so none hides another. */
interface HintIndex {
  gate: RegExp;
  hints: RegExp[];
  /** For each pattern, the index of its hint in `hints`. */
  hintOf: number[];
}

let hintIndex: HintIndex | undefined;

function indexOfHints(): HintIndex {
  if (hintIndex) return hintIndex;
  const sources = [...new Set(SECRET_PATTERNS.map((p) => p.hint.source))];
  hintIndex = {
    gate: new RegExp(sources.map((source) => `(?:${source})`).join('|'), 'g'),
    hints: sources.map((source) => new RegExp(source, 'y')),
    hintOf: SECRET_PATTERNS.map((p) => sources.indexOf(p.hint.source)),
  };
  return hintIndex;
}

/** Whether the text may hold a secret at all: one cheap pass, to skip text before any per-line work. */
export function mayHoldSecret(text: string): boolean {
  const { gate } = indexOfHints();
  gate.lastIndex = 0;
  const found = gate.test(text);
  gate.lastIndex = 0;
  return found;
}

/** For each distinct hint, the spans of the whole lines where it matches (widened later by `linesBefore`). */
function hintedSpans(text: string): [number, number][][] {
  const { gate, hints } = indexOfHints();
  const spans: [number, number][][] = hints.map(() => []);
  gate.lastIndex = 0;
  for (let m = gate.exec(text); m; m = gate.exec(text)) {
    const at = m.index;
    hints.forEach((hint, i) => {
      hint.lastIndex = at;
      const h = hint.exec(text);
      if (!h) return;
      const newline = text.indexOf('\n', at + Math.max(h[0].length, 1) - 1);
      spans[i]?.push([text.lastIndexOf('\n', at - 1) + 1, newline === -1 ? text.length : newline]);
    });
    gate.lastIndex = at + 1;
  }
  gate.lastIndex = 0;
  return spans;
}

/** Spans widened by `before` lines, merged where they touch. */
function widened(text: string, spans: readonly [number, number][], before: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, to] of spans) {
    let from = start;
    for (let i = 0; i < before && from > 0; i++) from = text.lastIndexOf('\n', from - 2) + 1;
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

function patternMatches(text: string, pattern: SecretPattern, spans: readonly [number, number][], rejected: [number, number][]): SecretMatch[] {
  const before = pattern.linesBefore ?? 0;
  if (before === 'all') return matchesOf(text, 0, pattern, rejected);
  return widened(text, spans, before).flatMap(([from, to]) => matchesOf(text.slice(from, to), from, pattern, rejected));
}

/** Every secret in the text with what it is, in order; where matches overlap, the first pattern in the list wins. */
export function scanSecrets(text: string): SecretMatch[] {
  const spans = hintedSpans(text);
  const { hintOf } = indexOfHints();
  const found: { match: SecretMatch; rank: number }[] = [];
  const rejected: [number, number][] = [];
  SECRET_PATTERNS.forEach((pattern, rank) => {
    const hinted = spans[hintOf[rank] ?? -1] ?? [];
    if (hinted.length === 0) return;
    for (const match of patternMatches(text, pattern, hinted, rejected)) {
      const vetoed = pattern.byName && rejected.some(([start, end]) => start < match.end && match.start < end);
      if (!vetoed) found.push({ match, rank });
    }
  });
  found.sort((a, b) => a.match.start - b.match.start || a.rank - b.rank);
  const kept: SecretMatch[] = [];
  let end = -1;
  for (const { match } of found) {
    if (match.start < end) continue;
    kept.push(match);
    end = match.end;
  }
  return kept;
}

/** Where each of `lines` starts in `lines.join('\n')`: maps a secret found in lines scanned as one text back to its line. */
export function lineStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  return starts;
}

/** Where the secrets in a text are: the span of each value and its kind. */
export function findSecrets(text: string): { kind: string; start: number; end: number }[] {
  return scanSecrets(text).map(({ kind, start, end }) => ({ kind, start, end }));
}

/** The text with each secret's value replaced by `[REDACTED:<kind>]`; names, URL users and key markers stay. */
export function redactSecrets(text: string): { text: string; found: { kind: string }[] } {
  const matches = scanSecrets(text);
  let out = '';
  let from = 0;
  for (const { kind, start, end } of matches) {
    out += `${text.slice(from, start)}[REDACTED:${kind}]`;
    from = end;
  }
  return { text: out + text.slice(from), found: matches.map(({ kind }) => ({ kind })) };
}
