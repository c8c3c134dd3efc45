import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignoreReformatting } from '../../src/changeset/formatting.js';
import { readFilesAt } from '../../src/git/local.js';
import { createClient } from '../../src/github/client.js';
import { readFilesAtRef } from '../../src/github/contents.js';
import { review } from '../../src/engine.js';
import { assembleCatalog } from '../../src/catalog.js';
import { changeSetOf, src } from '../changeset/git-diff.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';

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
  it('from git objects, in one cat-file run, leaving out missing and binary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'architect-review-cat-'));
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

    it('one raw request per file at the head ref; a missing file is left out quietly', async () => {
      github.setContents('acme', 'shop', 'headsha', 'serving/app.py', 'import joblib\n');
      const warnings: string[] = [];
      const client = createClient({ token: 't', baseUrl: github.url, userAgent: 'test', warn: () => {} });
      const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', ['serving/app.py', 'gone.py'], (m) => warnings.push(m));
      expect([...files]).toEqual([['serving/app.py', 'import joblib\n']]);
      expect(warnings).toEqual([]);
      expect(github.requests.map((r) => [decodeURIComponent(r.path), r.query.ref])).toEqual([
        ['/repos/acme/shop/contents/serving/app.py', 'headsha'],
        ['/repos/acme/shop/contents/gone.py', 'headsha'],
      ]);
    });
  });
});
