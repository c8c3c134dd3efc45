import { describe, expect, it } from 'vitest';
import { secretInSource } from '../../src/checks/system/secret-in-source.js';
import { redactSecrets, scanSecrets } from '../../src/security/secrets.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { FAKE, fakePem } from '../security/fakes.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(secretInSource);

// Made-up credentials with the shape of real ones (no real key is in this file).
const AWS_KEY_ID = ['AKIA', 'Q3ZB7RTM5XKL2WPD'].join('');
const AWS_SECRET = ['hX9f2Lq', 'Vz7Pw3Rt', 'Kb1Nd8Ys', 'Gm4Jc6Ue', 'Ha0'].join('');
const STRIPE_KEY = ['sk_live_', '51HqT8e', 'Kz9Lm2Np', '4Rs6Tv8X'].join('');
const GITHUB_TOKEN = ['ghp_', 'R8aK2mQ9', 'vX4bT7nL', '1cZ6pW3s', 'Y5dF0hJg', 'E2uV'].join('');
const DB_PASSWORD = 'Tq7!vR2#mK9p';

const SETTINGS = src`
  import os
  from functools import lru_cache

  from pydantic_settings import BaseSettings


  class Settings(BaseSettings):
      service_name: str = "invoice-exporter"
      bucket: str = "acme-invoices-prod"
      region: str = "eu-west-1"
      max_tokens: int = 4096
      token_url: str = "https://auth.acme.io/oauth/token"
      aws_access_key_id: str = os.environ["AWS_ACCESS_KEY_ID"]
      aws_secret_access_key: str = os.environ["AWS_SECRET_ACCESS_KEY"]


  @lru_cache
  def get_settings() -> Settings:
      return Settings()
`;

const SECRET_SETTINGS = SETTINGS.replace('os.environ["AWS_ACCESS_KEY_ID"]', `"${AWS_KEY_ID}"`).replace(
  'os.environ["AWS_SECRET_ACCESS_KEY"]',
  `"${AWS_SECRET}"`,
);

const DEPLOYMENT = src`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: billing
  spec:
    replicas: 2
    selector:
      matchLabels:
        app: billing
    template:
      metadata:
        labels:
          app: billing
      spec:
        containers:
          - name: billing
            image: registry.acme.io/billing:3.2.0
            env:
              - name: DB_HOST
                value: billing-db.internal
              - name: DB_PASSWORD
                valueFrom:
                  secretKeyRef:
                    name: billing-db
                    key: password
`;

describe('secret-in-source fires', () => {
  it('on an AWS key pair hard-coded in settings, and never shows the secret', () => {
    const hits = hitsOn(changedFile({ path: 'exporter/settings.py', before: SETTINGS, after: SECRET_SETTINGS }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(SECRET_SETTINGS, 'aws_access_key_id'), 'Credential committed: AWS access key id'],
      [lineOf(SECRET_SETTINGS, 'aws_secret_access_key'), 'Credential committed: literal `aws_secret_access_key`'],
    ]);
    const text = JSON.stringify(hits);
    expect(text).not.toContain(AWS_KEY_ID);
    expect(text).not.toContain(AWS_SECRET);
    expect(hits[0]?.message).toContain('`AKIA…`');
    expect(hits[1]?.message).toContain('`hX9f…`');
    expect(hits[0]?.remedy).toContain('rotate');
  });

  it('on a literal DB_PASSWORD value in a Deployment env instead of a secretKeyRef', () => {
    const after = DEPLOYMENT.replace(
      '              valueFrom:\n                secretKeyRef:\n                  name: billing-db\n                  key: password\n',
      `              value: "${DB_PASSWORD}"\n`,
    );
    const hits = hitsOn(changedFile({ path: 'k8s/billing/deployment.yaml', before: DEPLOYMENT, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, DB_PASSWORD), 'Credential committed: literal `DB_PASSWORD`']]);
    expect(hits[0]?.message).toContain('`Tq7…`');
    expect(hits[0]?.message).not.toContain(DB_PASSWORD);
    expect(hits[0]?.remedy).toContain('secretKeyRef');
  });

  it('on a Stripe live key baked into a Dockerfile ENV', () => {
    const text = src`
      FROM node:20-alpine
      WORKDIR /app
      COPY package.json package-lock.json ./
      RUN npm ci --omit=dev
      COPY dist ./dist
      ENV NODE_ENV=production \
          STRIPE_API_KEY=${STRIPE_KEY} \
          PORT=8080
      USER node
      CMD ["node", "dist/server.js"]
    `;
    const hits = hitsOn(addedFile('payments/Dockerfile', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(text, 'ENV NODE_ENV'), 'Credential committed: ENV `STRIPE_API_KEY` with a literal value']]);
    expect(hits[0]?.remedy).toContain('--mount=type=secret');
    expect(JSON.stringify(hits)).not.toContain(STRIPE_KEY);
  });

  it('on a GitHub token and a database URL with a password in a TypeScript config', () => {
    const text = src`
      import { z } from 'zod';

      const Config = z.object({
        databaseUrl: z.string().url(),
        githubToken: z.string().min(1),
        port: z.coerce.number().default(8080),
      });

      export const config = Config.parse({
        databaseUrl: 'postgres://reports:${DB_PASSWORD}@reports.c8xk2p.eu-west-1.rds.amazonaws.com:5432/reports',
        githubToken: '${GITHUB_TOKEN}',
        port: process.env.PORT,
      });
    `;
    const hits = hitsOn(addedFile('src/config.ts', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(text, 'databaseUrl: \'postgres'), 'Credential committed: password in a `postgres://` connection URL'],
      [lineOf(text, 'githubToken: \'ghp_'), 'Credential committed: GitHub token'],
    ]);
    expect(JSON.stringify(hits)).not.toContain(GITHUB_TOKEN);
    expect(JSON.stringify(hits)).not.toContain(DB_PASSWORD);
  });
});

describe('secret-in-source shares its patterns with the redaction', () => {
  const CONFIG = src`
    // Service configuration for the billing worker.
    export const config = {
      stripe: { secretKey: '${FAKE.stripe}', webhookTolerance: 300 },
      slack: { token: '${FAKE.slack}', channel: '#billing-alerts' },
      database: 'postgres://billing:${FAKE.password}@billing-db.prod.internal:5432/billing',
      sentry: { dsn: process.env.SENTRY_DSN, release: process.env.GIT_SHA },
      signingKey: \`${fakePem('PRIVATE KEY')}\`,
      npmToken: '${FAKE.npm}',
      jwt: '${FAKE.jwt}',
    };
  `;

  it('reports every secret the redaction replaces, on the line where it starts, and nothing else', () => {
    const hits = hitsOn(addedFile('src/config.ts', CONFIG));
    const lineAt = (offset: number): number => CONFIG.slice(0, offset).split('\n').length;
    const redacted = scanSecrets(CONFIG);
    expect(redactSecrets(CONFIG).found).toHaveLength(6);
    expect(hits.map((h) => h.line)).toEqual(redacted.map((m) => lineAt(m.at)));
    expect(lineAt(redacted[3]?.at ?? 0)).toBe(lineOf(CONFIG, '-----BEGIN'));
    expect(hits.map((h) => h.title)).toEqual([
      'Credential committed: Stripe live key',
      'Credential committed: Slack token',
      'Credential committed: password in a `postgres://` connection URL',
      'Credential committed: private key',
      'Credential committed: npm token',
      'Credential committed: JSON Web Token',
    ]);
    expect(hits[3]?.message).toContain('`-----BEGIN PRIVATE KEY-----`');
    const text = JSON.stringify(hits);
    for (const secret of [FAKE.stripe, FAKE.slack, FAKE.password, FAKE.npm, FAKE.jwt, FAKE.pemBody.slice(0, 40)]) expect(text).not.toContain(secret);
  });

  it('reports a Dockerfile ENV continued over several lines once, on the instruction', () => {
    const text = ['FROM node:20-alpine', 'ENV NODE_ENV=production \\', `    SENDGRID_API_KEY=${FAKE.sendgrid} \\`, '    PORT=8080', 'CMD ["node", "server.js"]', ''].join('\n');
    const hits = hitsOn(addedFile('mailer/Dockerfile', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[2, 'Credential committed: ENV `SENDGRID_API_KEY` with a literal value']]);
  });
});

describe('secret-in-source stays quiet', () => {
  it('on service code that passes credentials around without holding one', () => {
    const text = src`
      import os

      from sqlalchemy import create_engine


      def engine_for(settings):
          password = settings.db_password
          token: str = os.environ["API_TOKEN"]
          return create_engine(
              settings.database_url,
              password=password
          )


      class Credentials:
          api_key: SecretStr
          refresh_token = "refresh_token"
    `;
    expect(hitsOn(addedFile('billing/db.py', text))).toEqual([]);
  });

  it('on a placeholder token in a .env template that is not named as one', () => {
    const env = `GITHUB_TOKEN=${['gh', 'p_'].join('')}${'x'.repeat(36)}\nSLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n`;
    expect(hitsOn(addedFile('deploy/ci.env', env))).toEqual([]);
  });

  it('on the fix: literals replaced by environment lookups', () => {
    expect(hitsOn(changedFile({ path: 'exporter/settings.py', before: SECRET_SETTINGS, after: SETTINGS }))).toEqual([]);
  });

  it('on references and placeholders: secretKeyRef, ${VAR}, Helm values, <your-key>, changeme', () => {
    expect(hitsOn(addedFile('k8s/billing/deployment.yaml', DEPLOYMENT))).toEqual([]);
    const compose = src`
      services:
        api:
          image: registry.acme.io/api:1.4.0
          environment:
            DATABASE_URL: postgres://api:\${DB_PASSWORD}@db:5432/api
            OPENAI_API_KEY: \${OPENAI_API_KEY}
            SESSION_SECRET: changeme-in-prod
        db:
          image: postgres:16
          environment:
            POSTGRES_PASSWORD: postgres
    `;
    expect(hitsOn(addedFile('docker-compose.yml', compose))).toEqual([]);
    const helm = src`
      apiVersion: v1
      kind: Secret
      metadata:
        name: {{ include "billing.fullname" . }}
      stringData:
        password: {{ .Values.db.password | quote }}
        api_key: "<your-api-key>"
    `;
    expect(hitsOn(addedFile('charts/billing/templates/secret.yaml', helm))).toEqual([]);
  });

  it('on example files meant to hold placeholders (.env.example)', () => {
    const env = `DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app\nGITHUB_TOKEN=${GITHUB_TOKEN}\n`;
    expect(hitsOn(addedFile('.env.example', env))).toEqual([]);
    expect(hitsOn(addedFile('config/settings.sample.yaml', `api_key: ${STRIPE_KEY}\n`))).toEqual([]);
  });

  it('on look-alike names: max_tokens, token_url, password_field, PASSWORD_FILE, a local dev URL', () => {
    const text = src`
      import os

      LOGIN_FORM = {"username_field": "email", "password_field": "password"}
      LABELS_DE = {"username": "Benutzername", "password": "Passwort"}
      TOKEN_URL = "https://auth.acme.io/oauth/token"
      MAX_TOKENS = 4096
      PASSWORD_FILE = "/run/secrets/db_password"
      API_KEY_HEADER = "X-Api-Key"
      TOKEN_ENV = "GITHUB_TOKEN"
      LOCAL_DB = "postgres://app:Dev12345!@localhost:5432/app"
      DATABASE_URL = os.environ.get("DATABASE_URL", LOCAL_DB)
    `;
    expect(hitsOn(addedFile('reports/config.py', text))).toEqual([]);
  });

  it('on a secret that was already there and only moved (reformatting)', () => {
    const before = `CLIENT = Client(\n    token="${GITHUB_TOKEN}", timeout=10)\n`;
    const after = `CLIENT = Client(\n    token="${GITHUB_TOKEN}",\n    timeout=10,\n)\n`;
    expect(hitsOn(changedFile({ path: 'ops/client.py', before, after }))).toEqual([]);
  });
});
