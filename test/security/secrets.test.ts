import { describe, expect, it } from 'vitest';
import { findSecrets, mayHoldSecret, redactSecrets, scanSecrets, SECRET_PATTERNS } from '../../src/security/secrets.js';
import { src } from '../changeset/git-diff.js';
import { FAKE, fakeChars, fakePem } from './fakes.js';

/** The kind and the exact text of each secret found. */
function found(text: string): [string, string][] {
  return findSecrets(text).map(({ kind, start, end }) => [kind, text.slice(start, end)]);
}

describe('SECRET_PATTERNS', () => {
  it('has a kind, a label and a global regex with indices for every pattern', () => {
    for (const p of SECRET_PATTERNS) {
      expect(p.kind).toMatch(/^[a-z0-9-]+$/);
      expect(p.regex.flags).toContain('g');
      expect(p.regex.flags).toContain('d');
      // One pass of all hints together gates every text: a hint must not keep state or change the case rules.
      expect(p.hint.flags).toBe('');
    }
  });
});

describe('findSecrets fires on shaped tokens', () => {
  const cases: [string, string, string][] = [
    ['aws-access-key-id', `provider "aws" {\n  region     = "eu-west-1"\n  access_key = "${FAKE.awsKeyId}"\n}\n`, FAKE.awsKeyId],
    ['github-token', `const octokit = new Octokit({ auth: '${FAKE.github}', userAgent: 'release-bot' });\n`, FAKE.github],
    ['github-token', `git remote set-url origin https://x-access-token:${FAKE.githubApp}@github.com/acme/api.git\n`, FAKE.githubApp],
    ['github-token', `GH_TOKEN=${FAKE.githubFineGrained}\n`, FAKE.githubFineGrained],
    ['anthropic-api-key', `client = anthropic.Anthropic(api_key="${FAKE.anthropic}")\n`, FAKE.anthropic],
    ['openai-api-key', `OPENAI_API_KEY=${FAKE.openai}\nOPENAI_MODEL=gpt-4o-mini\n`, FAKE.openai],
    ['slack-token', `slack:\n  channel: "#deploys"\n  bot_token: ${FAKE.slack}\n`, FAKE.slack],
    ['stripe-key', `stripe.api_key = "${FAKE.stripe}"\n`, FAKE.stripe],
    ['stripe-key', `STRIPE_RESTRICTED_KEY: "${FAKE.stripeRestricted}"\n`, FAKE.stripeRestricted],
    ['google-api-key', `const geocoder = new Geocoder({ key: "${FAKE.google}", region: "de" });\n`, FAKE.google],
    ['twilio-api-key', `TWILIO_ACCOUNT_REGION=ie1\nTWILIO_API_KEY=${FAKE.twilio}\n`, FAKE.twilio],
    ['sendgrid-api-key', `sg = SendGridAPIClient('${FAKE.sendgrid}')\n`, FAKE.sendgrid],
    ['npm-token', `//registry.npmjs.org/:_authToken=${FAKE.npm}\n`, FAKE.npm],
    ['jwt', `curl -H "Authorization: Bearer ${FAKE.jwt}" https://api.acme.io/v1/invoices\n`, FAKE.jwt],
  ];
  it.each(cases)('%s', (kind, text, value) => {
    expect(found(text)).toEqual([[kind, value]]);
  });

  it('on a Slack webhook URL, keeping the host', () => {
    const text = `ALERT_WEBHOOK = "${FAKE.slackWebhook}"\n`;
    const [hit] = found(text);
    expect(hit?.[0]).toBe('slack-webhook');
    expect(FAKE.slackWebhook.endsWith(hit?.[1] ?? '-')).toBe(true);
    expect(redactSecrets(text).text).toBe('ALERT_WEBHOOK = "https://hooks.slack.com/services/[REDACTED:slack-webhook]"\n');
  });

  it('on an AWS secret key in a credentials file', () => {
    const text = `[default]\naws_access_key_id = ${FAKE.awsKeyId}\naws_secret_access_key = ${FAKE.awsSecret}\n`;
    expect(found(text)).toEqual([
      ['aws-access-key-id', FAKE.awsKeyId],
      ['aws-secret-access-key', FAKE.awsSecret],
    ]);
  });

  it('on a PEM private key, multi-line or in a JSON string, keeping its BEGIN and END lines', () => {
    const python = `SIGNING_KEY = """\n${fakePem()}\n"""\n`;
    expect(found(python)).toEqual([['private-key', FAKE.pemBody]]);
    expect(redactSecrets(python).text).toBe('SIGNING_KEY = """\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:private-key]\n-----END RSA PRIVATE KEY-----\n"""\n');
    const json = `{\n  "type": "service_account",\n  "private_key": "${fakePem('PRIVATE KEY', '\\n')}\\n",\n  "client_email": "exporter@acme.iam.gserviceaccount.com"\n}\n`;
    const redacted = redactSecrets(json);
    expect(redacted.found.map((f) => f.kind)).toEqual(['private-key']);
    expect(redacted.text).toContain('"private_key": "-----BEGIN PRIVATE KEY-----\\n[REDACTED:private-key]\\n-----END PRIVATE KEY-----\\n"');
  });

  it('in a unified diff, on added and removed lines alike', () => {
    const diff = src`
      @@ -1,4 +1,4 @@
       APP_ENV=production
      -DB_PASSWORD=${FAKE.password}
      +DB_PASSWORD=\${DB_PASSWORD}
      -SLACK_TOKEN=${FAKE.slack}
      +SLACK_TOKEN=\${SLACK_TOKEN}
    `;
    expect(found(diff)).toEqual([
      ['assigned-secret', FAKE.password],
      ['slack-token', FAKE.slack],
    ]);
  });

  it('on a PEM key in a unified diff, its lines prefixed with +', () => {
    const diff = ['@@ -0,0 +1,7 @@', ...fakePem('EC PRIVATE KEY').split('\n').map((l) => `+${l}`)].join('\n');
    expect(scanSecrets(diff).map((m) => [m.kind, m.shown])).toEqual([['private-key', '-----BEGIN EC PRIVATE KEY-----']]);
  });
});

describe('findSecrets stays quiet on look-alike tokens', () => {
  it.each([
    ['the AWS documentation key', `aws_access_key_id = ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}\n`],
    ['a token placeholder', `GITHUB_TOKEN=${['gh', 'p_'].join('')}${'x'.repeat(36)}\n`],
    ['a low-entropy fake', `auth: '${['gh', 'p_'].join('')}${'A'.repeat(36)}'\n`],
    ['a Stripe test key', `STRIPE_KEY=${['sk', '_test_'].join('')}${fakeChars(24, 50)}\n`],
    ['a kebab-case slug after sk-', `pip install sk-learn-pipeline-serialization-helpers-for-models\n`],
    ['a Slack token placeholder', `SLACK_BOT_TOKEN=${['xo', 'xb-'].join('')}your-bot-token-here\n`],
    ['the Slack docs webhook', `url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n`],
    ['a Twilio key of zeros', `TWILIO_API_KEY=S${'K'}${'0'.repeat(32)}\n`],
    ['an npm token from the environment', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n'],
    [
      "jwt.io's sample token",
      `const token = '${['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'].join('.')}';\n`,
    ],
    ['code that checks for a PEM header', `if pem.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    return load_pem_private_key(pem.encode(), password=None)\n`],
    ['a PEM block in documentation', `-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n`],
    ['a git commit sha', `ARG BASE_REVISION=4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e\n`],
  ])('%s', (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('findSecrets on passwords in URLs', () => {
  it('fires on a database URL and keeps the user when redacting', () => {
    const text = `DATABASE_URL=postgres://billing:${FAKE.password}@billing-db.prod.internal:5432/billing?sslmode=require\n`;
    expect(found(text)).toEqual([['url-password', FAKE.password]]);
    expect(redactSecrets(text).text).toBe('DATABASE_URL=postgres://billing:[REDACTED:url-password]@billing-db.prod.internal:5432/billing?sslmode=require\n');
  });

  it.each([
    ['a variable', 'DATABASE_URL: postgres://api:${DB_PASSWORD}@db:5432/api\n'],
    ['localhost', 'LOCAL_DB = "postgres://app:Dev12345!@localhost:5432/app"\n'],
    ['a default password', 'REDIS_URL=redis://default:redis@cache:6379/0\n'],
    ['user equal to password', 'AMQP_URL=amqp://guest:guest@rabbitmq:5672/\n'],
    ['a template', 'url: "mysql://{{ .Values.db.user }}:{{ .Values.db.password }}@{{ .Values.db.host }}/shop"\n'],
  ])('stays quiet on %s', (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('findSecrets on assignments', () => {
  it.each([
    ['a JSON config', 'client_secret', `{\n  "client_id": "reports-exporter",\n  "client_secret": "${FAKE.password}"\n}\n`],
    ['a Go variable', 'apiKey', `func client() *Client {\n\tapiKey := "${FAKE.password}"\n\treturn New(apiKey)\n}\n`],
    ['a .env file', 'DB_PASSWORD', `APP_ENV=production\nDB_PASSWORD=${FAKE.password}\n`],
    ['a YAML config', 'password', `database:\n  host: billing-db.internal\n  password: ${FAKE.password}  # rotate quarterly\n`],
    ['a properties file', 'spring.datasource.password', `spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.password=${FAKE.password}\n`],
    ['a Dockerfile ENV', 'API_KEY', `FROM python:3.12-slim\nENV API_KEY ${fakeChars(32, 61)}\n`],
    ['a Kubernetes env value', 'DB_PASSWORD', `env:\n  - name: DB_PASSWORD\n    value: "${FAKE.password}"\n`],
    ['a UUID API key', 'HEROKU_API_KEY', `HEROKU_API_KEY=3f2a8c1e-9b7d-4e3a-8f1c-2d5e6a7b8c9d\n`],
    ['a shell export', 'SENTRY_AUTH_TOKEN', `export SENTRY_AUTH_TOKEN=${fakeChars(64, 62, '0123456789abcdef')}\n`],
  ])('fires on %s, keeping the name when redacting', (_, name, text) => {
    const { text: redacted, found: kinds } = redactSecrets(text);
    expect(kinds).toHaveLength(1);
    const lines = redacted.split('\n');
    const at = lines.findIndex((l) => l.includes('[REDACTED:'));
    // The name stays on the redacted line (a Kubernetes env value: on the line above).
    expect(`${lines[at - 1] ?? ''}\n${lines[at] ?? ''}`).toContain(name);
    expect(redacted).toMatch(/\[REDACTED:(?:assigned-secret|env-secret)\]/);
    expect(redacted.split('[REDACTED:')[0]).toBe(text.slice(0, redacted.indexOf('[REDACTED:')));
  });

  it.each([
    ['environment reads', 'password = os.environ["DB_PASSWORD"]\napi_key = process.env.API_KEY\ntoken = os.getenv("TOKEN")\n'],
    ['templates and variables', 'password: "${DB_PASSWORD}"\napi_key: "{{ .Values.apiKey }}"\nSECRET_TOKEN=$(vault kv get -field=token secret/ci)\n'],
    ['placeholders', 'api_key: "<your-api-key>"\npassword = "changeme"\nclient_secret: "xxxxxxxxxxxx"\nDB_PASSWORD=\nAPI_TOKEN=""\n'],
    ['obvious examples', 'password = "example-password"\nSTRIPE_SECRET=sk_replace_me_please\n'],
    ['placeholders with digits', 'password = "changeme123!"\napi_key: "test-key-0001"\nDB_PASSWORD=dummy-Pa55word\nclient_secret: "YOUR_CLIENT_SECRET_1"\nSESSION_SECRET=${SESSION_SECRET:-dev}\n'],
    ['type annotations', 'class Settings(BaseSettings):\n    password: SecretStr\n    api_key: str | None = None\n    token: Optional[str]\n'],
    ['keyword arguments', 'engine = create_engine(\n    url,\n    password=db_password\n)\n'],
    ['member reads', 'const config = {\n  apiKey: settings.apiKey\n  secret: vault.secret,\n}\n'],
    ['comparisons', 'if (password == "hunter2hunter2") return deny();\n'],
    ['look-alike names', 'max_tokens = 4096\npassword_field = "password"\ntoken_url = "https://auth.acme.io/oauth/token"\nTOKEN_ENV = "GITHUB_TOKEN"\n'],
    ['names of Kubernetes Secrets', 'tls:\n  secretName: api-tls-2024\nauth:\n  existingSecret: billing-db-credentials-v2\n  secret: app-secrets-v2\n'],
    ['regular expressions', `jsonnet_token = r'[^\\W\\d]\\w*'\nTOKEN_RE = "(?:Bearer )?[A-Za-z0-9._-]+"\n`],
    ['GitHub Actions expressions', 'with:\n  token: ${{ secrets.GITHUB_TOKEN }}\n  password: ${{ secrets.REGISTRY_PASSWORD }}\n'],
    ['UI labels', 'LABELS = {"password": "Passwort", "token": "Zugangsschlüssel"}\n'],
    ['a commented example', '# password = "Tq7!vR2#mK9pW"\n// apiKey: "Zx81-Qw0p-Lm3n"\n'],
    ['a token placeholder assigned to a secret name', `GITHUB_TOKEN: ${['gh', 'p_'].join('')}${'x'.repeat(36)}\nSTRIPE_KEY = "${['sk', '_live_'].join('')}${'0'.repeat(24)}"\n`],
  ])('stays quiet on %s', (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('redactSecrets', () => {
  const config = src`
    import Stripe from 'stripe';

    export const stripe = new Stripe('${FAKE.stripe}', { apiVersion: '2024-06-20' });
    export const db = { url: 'postgres://orders:${FAKE.password}@orders-db.internal/orders' };
    export const slackToken = '${FAKE.slack}';
  `;

  it('replaces each value with its kind and keeps the code around it readable', () => {
    const { text, found: kinds } = redactSecrets(config);
    expect(kinds.map((k) => k.kind)).toEqual(['stripe-key', 'url-password', 'slack-token']);
    expect(text).toContain("new Stripe('[REDACTED:stripe-key]', { apiVersion: '2024-06-20' })");
    expect(text).toContain("url: 'postgres://orders:[REDACTED:url-password]@orders-db.internal/orders'");
    expect(text).toContain("export const slackToken = '[REDACTED:slack-token]';");
    expect(text).not.toMatch(new RegExp([FAKE.stripe, FAKE.password, FAKE.slack].map((s) => s.replace(/[^\w]/g, '\\$&')).join('|')));
  });

  it('is idempotent: redacting twice finds nothing more', () => {
    const once = redactSecrets(config).text;
    expect(redactSecrets(once)).toEqual({ text: once, found: [] });
  });

  it('names a token by its shape when it is also an assignment', () => {
    expect(redactSecrets(`GITHUB_TOKEN: "${FAKE.github}"\n`).text).toBe('GITHUB_TOKEN: "[REDACTED:github-token]"\n');
  });

  it('returns the text unchanged when there is nothing to redact', () => {
    const code = 'def total(items):\n    return sum(i.price * i.quantity for i in items)\n';
    expect(redactSecrets(code)).toEqual({ text: code, found: [] });
  });
});

describe('scanning stays fast on hostile input', () => {
  it.each([
    ['an unclosed quote', `password = "${'a'.repeat(200_000)}`],
    ['a long unquoted value', `password: ${'x'.repeat(200_000)}`],
    ['many unclosed private keys', '-----BEGIN PRIVATE KEY-----\n'.repeat(10_000)],
    ['a key body without an end', `-----BEGIN PRIVATE KEY-----${'A'.repeat(200_000)}`],
    ['many URL schemes on one line', `x=${'https://a:'.repeat(20_000)}`],
    ['many assignments', `DB_PASSWORD=${fakeChars(12, 70)}\n`.repeat(20_000)],
    ['a minified line of tokens', `{${'token:"a",'.repeat(20_000)}}`],
  ])('%s', (_, text) => {
    const start = performance.now();
    redactSecrets(text);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('mayHoldSecret', () => {
  it('is false on ordinary code and true wherever findSecrets finds something', () => {
    expect(mayHoldSecret('export function add(a: number, b: number): number {\n  return a + b;\n}\n')).toBe(false);
    for (const text of [`x = "${FAKE.github}"`, `DB_PASSWORD=${FAKE.password}`, `- name: API_TOKEN\n  value: ${FAKE.password}`, fakePem()]) {
      expect(findSecrets(text).length).toBeGreaterThan(0);
      expect(mayHoldSecret(text)).toBe(true);
    }
  });
});
