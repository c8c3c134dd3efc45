import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignoreReformatting } from '../../src/changeset/formatting.js';
import { readFilesAt } from '../../src/git/local.js';
import { createClient } from '../../src/github/client.js';
import { readFilesAtRef } from '../../src/github/contents.js';
import { review } from '../../src/engine.js';
import { assembleCatalog } from '../../src/catalog.js';
import { changeSetOf, src } from '../changeset/git-diff.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dir.js';

const BAD_CLIENT = src`
  import requests


  def fetch_profile(customer_id: str) -> dict:
      response = requests.get(f'http://profiles.internal/v1/customers/{customer_id}')
      response.raise_for_status()
      return response.json()
`;

describe('formatting-only changes', () => {
  it('draw no finding: a black-style reformat of code that has a problem', async () => {
    const reformatted = BAD_CLIENT.replace("requests.get(f'http://profiles.internal/v1/customers/{customer_id}')", 'requests.get(\n        f"http://profiles.internal/v1/customers/{customer_id}",\n    )');
    const changeSet = changeSetOf([{ path: 'svc/profiles.py', before: BAD_CLIENT, after: reformatted }]);
    expect(changeSet.files[0]?.additions).toBeGreaterThan(0);
    const { agents } = await assembleCatalog([], true);
    const report = review(changeSet, agents);
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('ok');
  });

  it('still see a real change that also reformats', async () => {
    const changed = BAD_CLIENT.replace('/v1/customers/', '/v2/customers/');
    const before = BAD_CLIENT.replace("requests.get(f'http://profiles.internal/v1/customers/{customer_id}')", 'requests.get(f"http://profiles.internal/v1/customers/{customer_id}", timeout=3)');
    const changeSet = changeSetOf([{ path: 'svc/profiles.py', before, after: changed }]);
    const { agents } = await assembleCatalog([], true);
    expect(review(changeSet, agents).findings.map((f) => f.rule)).toEqual(['http-call-without-timeout']);
  });

  it('leave code moved into a new function as new code', () => {
    const before = 'import joblib\n\nmodel = joblib.load("m.pkl")\n';
    const after = 'import joblib\n\n\ndef predict(x):\n    model = joblib.load("m.pkl")\n    return model.predict(x)\n';
    const changeSet = changeSetOf([{ path: 'serving/app.py', before, after }]);
    expect(ignoreReformatting(changeSet)).toBe(changeSet);
  });
});

describe('reading head files whole', () => {
  afterAll(removeTempDirs);

  it('from git objects, in one cat-file run, leaving out missing and binary files', () => {
    const dir = makeTempDir('architect-review-cat-');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(dir, 'a.py'), 'print("a")\n');
    writeFileSync(join(dir, 'b.bin'), Buffer.from([0, 1, 2]));
    writeFileSync(join(dir, 'c d.txt'), 'spaced\nname\n');
    git('add', '-A');
    git('commit', '-qm', 'x');
    const head = git('rev-parse', 'HEAD').trim();
    return readFilesAt(dir, head, ['a.py', 'b.bin', 'missing.py', 'c d.txt']).then((files) => {
      expect([...files]).toEqual([
        ['a.py', 'print("a")\n'],
        ['c d.txt', 'spaced\nname\n'],
      ]);
    });
  });

  describe('from the contents API', () => {
    let github: FakeGitHub;
    beforeEach(async () => {
      github = await startFakeGitHub();
    });
    afterEach(async () => {
      await github.close();
    });

    it('one GraphQL query for all files at the head ref; missing, binary and folder paths are left out quietly', async () => {
      github.setContents('acme', 'shop', 'headsha', 'serving/app.py', 'import joblib\n');
      github.setContents('acme', 'shop', 'headsha', 'serving/model.bin', 'MZ\0\0binary');
      github.setContents('acme', 'shop', 'othersha', 'gone.py', 'print("not at head")\n');
      const warnings: string[] = [];
      const notes: string[] = [];
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const paths = ['serving/app.py', 'gone.py', 'serving/model.bin', 'serving'];
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', paths, (m) => warnings.push(m), (m) => notes.push(m));
      expect([...files]).toEqual([['serving/app.py', 'import joblib\n']]);
      expect(warnings).toEqual([]);
      expect(notes).toEqual([]);
      expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /graphql']);
      const { variables } = github.requests[0]?.body as { variables: Record<string, string> };
      expect(variables).toMatchObject({ owner: 'acme', name: 'shop', e0: 'headsha:serving/app.py', e1: 'headsha:gone.py', e3: 'headsha:serving' });
    });

    it('a file whose GraphQL text comes back cut short (over 512,000 bytes) is read whole through the contents API', async () => {
      const big = `${'x = 1\n'.repeat(100_000)}y = 2\n`;
      github.setContents('acme', 'shop', 'headsha', 'svc/big.py', big);
      github.setContents('acme', 'shop', 'headsha', 'svc/small.py', 'z = 3\n');
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', ['svc/big.py', 'svc/small.py'], () => {});
      expect(files.get('svc/big.py')).toBe(big);
      expect(files.get('svc/small.py')).toBe('z = 3\n');
      expect(github.requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual(['POST /graphql', 'GET /repos/acme/shop/contents/svc/big.py']);
    });

    it('a path with quotes or braces stays data: it travels as a variable, never in the query text', async () => {
      const odd = 'svc/we"ird} {name}.py';
      github.setContents('acme', 'shop', 'headsha', odd, 'x = 1\n');
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', [odd], () => {});
      expect(files.get(odd)).toBe('x = 1\n');
      const { query } = github.requests[0]?.body as { query: string };
      expect(query).not.toContain('we"ird');
    });

    it('when GitHub refuses the query, reads each file through the contents API instead, and says so', async () => {
      github.setContents('acme', 'shop', 'headsha', 'serving/app.py', 'import joblib\n');
      github.deny('POST', /^\/graphql$/);
      const warnings: string[] = [];
      const notes: string[] = [];
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', ['serving/app.py', 'gone.py'], (m) => warnings.push(m), (m) => notes.push(m));
      expect([...files]).toEqual([['serving/app.py', 'import joblib\n']]);
      expect(warnings).toEqual([]);
      expect(notes).toEqual([expect.stringMatching(/^Reading 2 changed files in one GraphQL query failed \(.*Resource not accessible by integration.*\); they were read through the contents API instead\.$/)]);
      expect(github.requests.map((r) => [r.method, decodeURIComponent(r.path), r.query.ref])).toEqual([
        ['POST', '/graphql', undefined],
        ['GET', '/repos/acme/shop/contents/serving/app.py', 'headsha'],
        ['GET', '/repos/acme/shop/contents/gone.py', 'headsha'],
      ]);
    });

    it('a GraphQL error answer (an unknown repository) also falls back, and a REST failure other than 404 is a warning', async () => {
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const warnings: string[] = [];
      const notes: string[] = [];
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'nowhere' }, 'headsha', ['a.py'], (m) => warnings.push(m), (m) => notes.push(m));
      expect(files.size).toBe(0);
      expect(notes).toEqual([expect.stringContaining("Could not resolve to a Repository with the name 'acme/nowhere'")]);
      // The contents API answers 404 for the unknown repository: left out quietly, as a missing file is.
      expect(warnings).toEqual([]);
      github.setContents('acme', 'shop', 'headsha', 'b.py', 'b = 2\n');
      github.deny('POST', /^\/graphql$/);
      github.failNext({ method: 'GET', path: /\/contents\/b\.py$/ }, { status: 403, body: { message: 'Forbidden by policy' } });
      const second = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', ['b.py'], (m) => warnings.push(m), (m) => notes.push(m));
      expect(second.size).toBe(0);
      expect(warnings).toEqual([expect.stringMatching(/^Could not read b\.py at headsha \(.*Forbidden by policy.*\); it was checked from the diff alone\.$/)]);
    });
  });
});
