import { describe, expect, it } from 'vitest';
import { newDependencyWithoutAdr } from '../../src/checks/system/new-dependency.js';
import type { RuleHit } from '../../src/checks/types.js';
import type { ChangeSet, ChangedFile } from '../../src/changeset/types.js';
import { changeSetOf, lineOf, src, type FileChange } from '../changeset/git-diff.js';

/** Runs the rule the way the runner does: on every manifest of the change, with the whole change at hand. */
function hitsIn(changeSet: ChangeSet): { file: string; hit: RuleHit }[] {
  return changeSet.files
    .filter((file: ChangedFile) => newDependencyWithoutAdr.appliesTo(file))
    .flatMap((file) => newDependencyWithoutAdr.check(file, changeSet).map((hit) => ({ file: file.path, hit })));
}

function hitsOf(changes: FileChange[], pr: { body?: string } = {}): { file: string; hit: RuleHit }[] {
  return hitsIn(changeSetOf(changes, pr));
}

const REQUIREMENTS = src`
  fastapi==0.115.0
  uvicorn[standard]==0.30.6
  pydantic==2.8.2
  joblib==1.4.2
  scikit-learn==1.5.2
`;

const PACKAGE_JSON = src`
  {
    "name": "orders-api",
    "version": "1.4.0",
    "private": true,
    "type": "module",
    "scripts": {
      "build": "tsc -p .",
      "start": "node dist/server.js",
      "test": "vitest run"
    },
    "dependencies": {
      "express": "^4.19.2",
      "zod": "^3.23.8"
    },
    "devDependencies": {
      "@types/express": "^4.17.21",
      "typescript": "^5.5.4",
      "vitest": "^2.0.5"
    }
  }
`;

const PYPROJECT = src`
  [project]
  name = "churn-service"
  version = "0.3.0"
  requires-python = ">=3.11"
  dependencies = [
      "fastapi>=0.115",
      "pydantic>=2.8",
      "uvicorn[standard]>=0.30",
  ]

  [project.optional-dependencies]
  dev = [
      "pytest>=8.3",
      "ruff>=0.6",
  ]

  [build-system]
  requires = ["hatchling"]
  build-backend = "hatchling.build"
`;

const GO_MOD = src`
  module github.com/acme/orders

  go 1.22

  require (
  	github.com/go-chi/chi/v5 v5.1.0
  	github.com/google/uuid v1.6.0
  )
`;

const COMPOSE = src`
  services:
    api:
      build: .
      ports:
        - "8000:8000"
      environment:
        LOG_LEVEL: info
      depends_on:
        - worker
    worker:
      build: .
      command: python -m orders.worker
`;

function addLine(text: string, after: string, line: string): string {
  return text.replace(`${after}\n`, `${after}\n${line}\n`);
}

describe('new-dependency-without-adr fires', () => {
  it('on redis==5.0.8 added to requirements.txt', () => {
    const after = `${REQUIREMENTS}redis==5.0.8\n`;
    const hits = hitsOf([{ path: 'requirements.txt', before: REQUIREMENTS, after }]);
    expect(hits).toHaveLength(1);
    const [{ file, hit }] = hits as [{ file: string; hit: RuleHit }];
    expect(file).toBe('requirements.txt');
    expect(hit.line).toBe(lineOf(after, 'redis==5.0.8'));
    expect(hit.title).toBe('New Redis dependency without a decision record');
    expect(hit.message).toContain('`redis`: Redis, a cache / datastore');
    expect(hit.remedy).toContain('docs/adr/NNNN-adopt-redis.md');
  });

  it('on "pg" added to package.json dependencies', () => {
    const after = addLine(PACKAGE_JSON, '    "express": "^4.19.2",', '    "pg": "^8.11.0",');
    const hits = hitsOf([{ path: 'package.json', before: PACKAGE_JSON, after }]);
    expect(hits.map(({ file, hit }) => [file, hit.line, hit.title])).toEqual([
      ['package.json', lineOf(after, '"pg"'), 'New PostgreSQL dependency without a decision record'],
    ]);
    expect(hits[0]?.hit.message).toContain('`pg`: PostgreSQL, a relational datastore');
  });

  it('on psycopg[binary]>=3.1 added to pyproject dependencies = [...]', () => {
    const after = addLine(PYPROJECT, '    "fastapi>=0.115",', '    "psycopg[binary]>=3.1",');
    const hits = hitsOf([{ path: 'pyproject.toml', before: PYPROJECT, after }]);
    expect(hits.map(({ file, hit }) => [file, hit.line, hit.title])).toEqual([
      ['pyproject.toml', lineOf(after, 'psycopg[binary]'), 'New PostgreSQL dependency without a decision record'],
    ]);
    expect(hits[0]?.hit.message).toContain('`psycopg`');
  });

  it('on a Poetry dependency table entry', () => {
    const before = src`
      [tool.poetry]
      name = "churn-service"
      version = "0.3.0"

      [tool.poetry.dependencies]
      python = "^3.11"
      fastapi = "^0.115"

      [tool.poetry.group.dev.dependencies]
      pytest = "^8.3"
    `;
    const after = addLine(before, 'fastapi = "^0.115"', 'celery = { version = "^5.4", extras = ["redis"] }');
    const hits = hitsOf([{ path: 'pyproject.toml', before, after }]);
    expect(hits.map(({ hit }) => [hit.line, hit.title])).toEqual([
      [lineOf(after, 'celery ='), 'New Celery dependency without a decision record'],
    ]);
  });

  it('on github.com/redis/go-redis/v9 added to go.mod', () => {
    const after = addLine(GO_MOD, '\tgithub.com/google/uuid v1.6.0', '\tgithub.com/redis/go-redis/v9 v9.5.1');
    const hits = hitsOf([{ path: 'go.mod', before: GO_MOD, after }]);
    expect(hits.map(({ file, hit }) => [file, hit.line, hit.title])).toEqual([
      ['go.mod', lineOf(after, 'go-redis'), 'New Redis dependency without a decision record'],
    ]);
    expect(hits[0]?.hit.message).toContain('`github.com/redis/go-redis/v9`');
  });

  it('on image: postgres:16 added to docker-compose.yml', () => {
    const after = `${COMPOSE}  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n    volumes:\n      - pgdata:/var/lib/postgresql/data\nvolumes:\n  pgdata: {}\n`;
    const hits = hitsOf([{ path: 'docker-compose.yml', before: COMPOSE, after }]);
    expect(hits.map(({ file, hit }) => [file, hit.line, hit.title])).toEqual([
      ['docker-compose.yml', lineOf(after, 'image: postgres:16'), 'New PostgreSQL dependency without a decision record'],
    ]);
    expect(hits[0]?.hit.message).toContain('`postgres`');
  });

  it('on a brand-new requirements file, and asks once per service per file', () => {
    const text = src`
      fastapi==0.115.0
      redis==5.0.8
      hiredis==3.0.0
      kafka-python==2.0.2
      # the broker for the nightly jobs
      redis==5.0.8
    `;
    const hits = hitsOf([{ path: 'services/ingest/requirements.txt', after: text }]);
    expect(hits.map(({ hit }) => [hit.line, hit.title])).toEqual([
      [lineOf(text, 'redis==5.0.8'), 'New Redis dependency without a decision record'],
      [lineOf(text, 'kafka-python'), 'New Kafka dependency without a decision record'],
    ]);
  });

  it('asks once per service across the change, on the first manifest that brings it in', () => {
    const compose = `${COMPOSE}  cache:\n    image: redis:7.2-alpine\n`;
    const hits = hitsOf([
      { path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\naioredis==2.0.1\n` },
      { path: 'docker-compose.yml', before: COMPOSE, after: compose },
    ]);
    expect(hits.map(({ file, hit }) => [file, hit.line, hit.title])).toEqual([
      ['docker-compose.yml', lineOf(compose, 'image: redis'), 'New Redis dependency without a decision record'],
    ]);
  });

  it('when the PR body mentions Redis but links no decision record', () => {
    const hits = hitsOf([{ path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\n` }], {
      body: 'Caches customer profiles in Redis so the feature service sees less load.',
    });
    expect(hits).toHaveLength(1);
  });
});

describe('new-dependency-without-adr stays quiet', () => {
  it('on a version bump (redis==4.6.0 → redis==5.0.8)', () => {
    const before = `${REQUIREMENTS}redis==4.6.0\n`;
    expect(hitsOf([{ path: 'requirements.txt', before, after: `${REQUIREMENTS}redis==5.0.8\n` }])).toEqual([]);
  });

  it('on a version bump in package.json, go.mod and compose', () => {
    const pkgBefore = addLine(PACKAGE_JSON, '    "express": "^4.19.2",', '    "pg": "^8.11.0",');
    const goBefore = addLine(GO_MOD, '\tgithub.com/google/uuid v1.6.0', '\tgithub.com/redis/go-redis/v9 v9.5.1');
    const composeBefore = `${COMPOSE}  db:\n    image: postgres:15\n`;
    expect(
      hitsOf([
        { path: 'package.json', before: pkgBefore, after: pkgBefore.replace('^8.11.0', '^8.12.0') },
        { path: 'go.mod', before: goBefore, after: goBefore.replace('v9.5.1', 'v9.6.1') },
        { path: 'docker-compose.yml', before: composeBefore, after: composeBefore.replace('postgres:15', 'postgres:16') },
      ]),
    ).toEqual([]);
  });

  it('on a client swapped for another of the same service (psycopg2-binary → psycopg, go-redis v8 → v9)', () => {
    const before = `${REQUIREMENTS}psycopg2-binary==2.9.9\n`;
    const goBefore = addLine(GO_MOD, '\tgithub.com/google/uuid v1.6.0', '\tgithub.com/go-redis/redis/v8 v8.11.5');
    expect(
      hitsOf([
        { path: 'requirements.txt', before, after: `${REQUIREMENTS}psycopg[binary]==3.2.1\n` },
        { path: 'go.mod', before: goBefore, after: goBefore.replace('github.com/go-redis/redis/v8 v8.11.5', 'github.com/redis/go-redis/v9 v9.5.1') },
      ]),
    ).toEqual([]);
  });

  it('on devDependencies: pg-mem, ioredis-mock and even redis', () => {
    const after = PACKAGE_JSON.replace(
      '    "@types/express": "^4.17.21",\n',
      '    "@types/express": "^4.17.21",\n    "ioredis-mock": "^8.9.0",\n    "pg-mem": "^3.0.2",\n    "redis": "^4.7.0",\n',
    );
    expect(hitsOf([{ path: 'package.json', before: PACKAGE_JSON, after }])).toEqual([]);
  });

  it('on package.json keys outside the dependency sections (scripts, overrides)', () => {
    const after = PACKAGE_JSON.replace(
      '    "test": "vitest run"\n',
      '    "test": "vitest run",\n    "redis": "docker compose up -d redis"\n',
    ).replace('  "devDependencies": {', '  "overrides": {\n    "pg": "8.12.0"\n  },\n  "devDependencies": {');
    expect(hitsOf([{ path: 'package.json', before: PACKAGE_JSON, after }])).toEqual([]);
  });

  it('on dev-only Python dependencies (optional dev extras, a Poetry dev group, requirements-dev.txt)', () => {
    const pyAfter = addLine(PYPROJECT, '    "pytest>=8.3",', '    "fakeredis>=2.23",\n    "redis>=5.0",');
    const poetryBefore = '[tool.poetry.group.dev.dependencies]\npytest = "^8.3"\n';
    expect(
      hitsOf([
        { path: 'pyproject.toml', before: PYPROJECT, after: pyAfter },
        { path: 'worker/pyproject.toml', before: poetryBefore, after: `${poetryBefore}redis = "^5.0"\n` },
        { path: 'requirements-dev.txt', before: 'pytest==8.3.2\n', after: 'pytest==8.3.2\nredis==5.0.8\n' },
      ]),
    ).toEqual([]);
  });

  it('on pyproject lists that are not dependencies (keywords)', () => {
    const after = PYPROJECT.replace('requires-python = ">=3.11"\n', 'requires-python = ">=3.11"\nkeywords = [\n    "redis",\n    "cache",\n]\n');
    expect(hitsOf([{ path: 'pyproject.toml', before: PYPROJECT, after }])).toEqual([]);
  });

  it('on a Go dependency that arrives only as // indirect', () => {
    const after = addLine(GO_MOD, '\tgithub.com/google/uuid v1.6.0', '\tgithub.com/redis/go-redis/v9 v9.5.1 // indirect');
    expect(hitsOf([{ path: 'go.mod', before: GO_MOD, after }])).toEqual([]);
  });

  it('on a package that is not a service (pydantic-settings, httpx)', () => {
    const after = `${REQUIREMENTS}pydantic-settings==2.4.0\nhttpx==0.27.0\n`;
    expect(hitsOf([{ path: 'requirements.txt', before: REQUIREMENTS, after }])).toEqual([]);
  });

  it('when the PR adds an ADR file (docs/adr/0007-adopt-redis.md)', () => {
    const changes: FileChange[] = [
      { path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\n` },
      { path: 'docs/adr/0007-adopt-redis.md', after: '# 7. Adopt Redis for profile caching\n\nStatus: accepted\n' },
    ];
    expect(hitsOf(changes)).toEqual([]);
  });

  it.each(['architecture/decisions/0003-redis.md', 'docs/architecture/caching.md', 'docs/design/ADR-0007-redis.md', 'records/adr_12_redis.md'])(
    'when the PR adds a decision record elsewhere (%s)',
    (path) => {
      const changes: FileChange[] = [
        { path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\n` },
        { path, after: '# Adopt Redis for profile caching\n\nStatus: accepted\n' },
      ];
      expect(hitsOf(changes)).toEqual([]);
    },
  );

  it('when the PR body links the ADR ("See ADR-0007")', () => {
    const change = { path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\n` };
    expect(hitsOf([change], { body: 'Caches profiles in Redis. See ADR-0007 for the alternatives we considered.' })).toEqual([]);
  });

  it('when the PR title names the ADR ("ADR-12: adopt Redis")', () => {
    const change = { path: 'requirements.txt', before: REQUIREMENTS, after: `${REQUIREMENTS}redis==5.0.8\n` };
    expect(hitsIn(changeSetOf([change], { title: 'ADR-12: adopt Redis for profile caching' }))).toEqual([]);
  });

  it('on lockfile changes, which the rule does not read', () => {
    const changeSet = changeSetOf([
      { path: 'poetry.lock', after: '[[package]]\nname = "redis"\nversion = "5.0.8"\n' },
      { path: 'package-lock.json', after: '{\n  "packages": {\n    "node_modules/pg": {\n      "version": "8.11.0"\n    }\n  }\n}\n' },
      { path: 'go.sum', after: 'github.com/redis/go-redis/v9 v9.5.1 h1:abc=\n' },
    ]);
    for (const file of changeSet.files) expect(newDependencyWithoutAdr.appliesTo(file)).toBe(false);
    expect(hitsIn(changeSet)).toEqual([]);
  });

  it('on a removed dependency', () => {
    expect(hitsOf([{ path: 'requirements.txt', before: `${REQUIREMENTS}redis==5.0.8\n`, after: REQUIREMENTS }])).toEqual([]);
  });
});

/** A package.json whose devDependencies list is long enough that an entry in its middle is far from the header. */
const LONG_PACKAGE_JSON = src`
  {
    "name": "orders-api",
    "version": "1.4.0",
    "private": true,
    "type": "module",
    "scripts": {
      "build": "tsc -p .",
      "start": "node dist/server.js"
    },
    "dependencies": {
      "express": "^4.19.2",
      "pino": "^9.3.2",
      "zod": "^3.23.8"
    },
    "devDependencies": {
      "@types/express": "^4.17.21",
      "@types/node": "^20.14.0",
      "eslint": "^9.9.0",
      "prettier": "^3.3.3",
      "supertest": "^7.0.0",
      "typescript": "^5.5.4",
      "vitest": "^2.0.5"
    }
  }
`;

describe('new-dependency-without-adr reads sections outside the hunk', () => {
  it('fires on a single-line "dependencies": { … } section that adds pg', () => {
    const before = '{\n  "name": "edge-worker",\n  "version": "0.1.0",\n  "dependencies": { "hono": "^4.5.0" }\n}\n';
    const after = before.replace('{ "hono": "^4.5.0" }', '{ "hono": "^4.5.0", "pg": "^8.12.0" }');
    const hits = hitsOf([{ path: 'package.json', before, after }]);
    expect(hits.map(({ hit }) => [hit.line, hit.title])).toEqual([[lineOf(after, '"pg"'), 'New PostgreSQL dependency without a decision record']]);
  });

  it('fires on a single-line pyproject dependencies = ["…", "redis"]', () => {
    const before = src`
      [project]
      name = "profile-cache"
      version = "0.1.0"
      dependencies = ["fastapi>=0.115", "pydantic>=2.8"]

      [project.optional-dependencies]
      dev = ["pytest>=8.3"]
    `;
    const after = before.replace('"pydantic>=2.8"]', '"pydantic>=2.8", "redis>=5.0"]');
    const hits = hitsOf([{ path: 'pyproject.toml', before, after }]);
    expect(hits.map(({ hit }) => [hit.line, hit.title])).toEqual([[lineOf(after, '"redis>=5.0"'), 'New Redis dependency without a decision record']]);
  });

  it('stays quiet on a single-line dev group in pyproject (dev = ["fakeredis", "redis"])', () => {
    const before = '[project]\nname = "svc"\ndependencies = ["fastapi>=0.115"]\n\n[project.optional-dependencies]\ndev = ["pytest>=8.3"]\n';
    const after = before.replace('dev = ["pytest>=8.3"]', 'dev = ["pytest>=8.3", "redis>=5.0"]');
    expect(hitsOf([{ path: 'pyproject.toml', before, after }])).toEqual([]);
  });

  it('asks for the content when a devDependencies header is outside the hunk, and is quiet with it', () => {
    const after = LONG_PACKAGE_JSON.replace('    "prettier": "^3.3.3",\n', '    "prettier": "^3.3.3",\n    "redis": "^4.7.0",\n');
    const changeSet = changeSetOf([{ path: 'package.json', before: LONG_PACKAGE_JSON, after }]);
    const [file] = changeSet.files;
    if (!file) throw new Error('no file');
    expect(newDependencyWithoutAdr.wantsContent?.(file)).toBe(true);
    expect(hitsIn(changeSet)).toHaveLength(1); // without content: the hunk cannot tell, so it asks
    // The rule works out change-wide facts once per ChangeSet: content arrives before that, as in the engine.
    const withContent = changeSetOf([{ path: 'package.json', before: LONG_PACKAGE_JSON, after }]);
    for (const f of withContent.files) f.content = after;
    expect(hitsIn(withContent)).toEqual([]);
  });

  it('with the content, still fires on a runtime dependency whose header is outside the hunk', () => {
    const before = LONG_PACKAGE_JSON.replace('    "zod": "^3.23.8"\n', '    "undici": "^6.19.0",\n    "uuid": "^10.0.0",\n    "zod": "^3.23.8"\n');
    const after = before.replace('    "uuid": "^10.0.0",\n', '    "uuid": "^10.0.0",\n    "ioredis": "^5.4.1",\n');
    const changeSet = changeSetOf([{ path: 'package.json', before, after }]);
    const [file] = changeSet.files;
    if (!file) throw new Error('no file');
    expect(newDependencyWithoutAdr.wantsContent?.(file)).toBe(true);
    file.content = after;
    expect(hitsIn(changeSet).map(({ hit }) => [hit.line, hit.title])).toEqual([
      [lineOf(after, '"ioredis"'), 'New Redis dependency without a decision record'],
    ]);
  });

  it('with the content, is quiet on a pyproject dev group whose table header is outside the hunk', () => {
    const before = src`
      [project]
      name = "churn-service"
      dependencies = ["fastapi>=0.115"]

      [dependency-groups]
      dev = [
          "mypy>=1.11",
          "pytest>=8.3",
          "pytest-asyncio>=0.24",
          "ruff>=0.6",
          "types-requests>=2.32",
      ]
    `;
    const after = before.replace('    "ruff>=0.6",\n', '    "ruff>=0.6",\n    "redis>=5.0",\n');
    const changeSet = changeSetOf([{ path: 'pyproject.toml', before, after }]);
    const [file] = changeSet.files;
    if (!file) throw new Error('no file');
    expect(newDependencyWithoutAdr.wantsContent?.(file)).toBe(true);
    file.content = after;
    expect(hitsIn(changeSet)).toEqual([]);
  });

  it('does not ask for the content when the hunk shows the section', () => {
    const after = addLine(PACKAGE_JSON, '    "express": "^4.19.2",', '    "pg": "^8.11.0",');
    const [file] = changeSetOf([{ path: 'package.json', before: PACKAGE_JSON, after }]).files;
    if (!file) throw new Error('no file');
    expect(newDependencyWithoutAdr.wantsContent?.(file)).toBe(false);
  });
});
