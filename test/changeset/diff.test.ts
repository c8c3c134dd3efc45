import { describe, expect, it } from 'vitest';
import { parsePatch, parseUnifiedDiff } from '../../src/changeset/diff.js';
import { kindOf } from '../../src/changeset/kind.js';
import { languageOf } from '../../src/changeset/language.js';
import type { ChangedFile, DiffLine } from '../../src/changeset/types.js';
import { gitDiff, src } from './git-diff.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 1]);

const APP_BEFORE = src`
  from fastapi import FastAPI

  app = FastAPI()


  @app.get("/healthz")
  def healthz():
      return {"ok": True}


  @app.get("/version")
  def version():
      return {"version": "1.2.0"}
`;
// Line 3 changes and the /version endpoint (lines 11-13) is replaced by /readyz.
const APP_AFTER = src`
  from fastapi import FastAPI

  app = FastAPI(title="churn")


  @app.get("/healthz")
  def healthz():
      return {"ok": True}


  @app.get("/readyz")
  def readyz():
      return {"ready": True}
`;

function parse(...changes: Parameters<typeof gitDiff>[0]): ReturnType<typeof parseUnifiedDiff> {
  return parseUnifiedDiff(gitDiff(changes));
}

function only(files: ChangedFile[], path: string): ChangedFile {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} not in ${files.map((f) => f.path).join(', ')}`);
  return file;
}

const allLines = (file: ChangedFile): DiffLine[] => file.hunks.flatMap((h) => h.lines);

describe('parseUnifiedDiff on real git diff output', () => {
  it('reads an added file with every line numbered on the head side', () => {
    const content = 'import joblib\n\nmodel = joblib.load("model.pkl")\n';
    const { files, skipped } = parse({ path: 'serving/model.py', after: content });
    expect(skipped).toEqual([]);
    expect(files).toHaveLength(1);
    const file = only(files, 'serving/model.py');
    expect(file).toMatchObject({ status: 'added', language: 'python', additions: 3, deletions: 0 });
    expect(file.previousPath).toBeUndefined();
    expect(allLines(file)).toEqual([
      { kind: 'add', text: 'import joblib', newLine: 1 },
      { kind: 'add', text: '', newLine: 2 },
      { kind: 'add', text: 'model = joblib.load("model.pkl")', newLine: 3 },
    ]);
  });

  it('numbers added, deleted and context lines of a modified file on their own sides', () => {
    const { files } = parse({ path: 'api/app.py', before: APP_BEFORE, after: APP_AFTER });
    const file = only(files, 'api/app.py');
    expect(file).toMatchObject({ status: 'modified', language: 'python', additions: 4, deletions: 4 });
    const lines = allLines(file);

    expect(lines).toContainEqual({ kind: 'del', text: 'app = FastAPI()', oldLine: 3 });
    expect(lines).toContainEqual({ kind: 'add', text: 'app = FastAPI(title="churn")', newLine: 3 });
    expect(lines).toContainEqual({ kind: 'context', text: 'from fastapi import FastAPI', oldLine: 1, newLine: 1 });
    expect(lines).toContainEqual({ kind: 'del', text: 'def version():', oldLine: 12 });
    expect(lines).toContainEqual({ kind: 'add', text: '@app.get("/readyz")', newLine: 11 });
    expect(lines).toContainEqual({ kind: 'add', text: '    return {"ready": True}', newLine: 13 });
    // Every head-side number points at the head text, every base-side one at the base text.
    const head = APP_AFTER.split('\n');
    const base = APP_BEFORE.split('\n');
    for (const line of lines) {
      if (line.newLine !== undefined) expect(head[line.newLine - 1]).toBe(line.text);
      if (line.oldLine !== undefined) expect(base[line.oldLine - 1]).toBe(line.text);
      if (line.kind === 'add') expect(line.oldLine).toBeUndefined();
      if (line.kind === 'del') expect(line.newLine).toBeUndefined();
    }
  });

  it('keeps hunk starts, counts and the enclosing-function header git prints after @@', () => {
    const before = Array.from({ length: 30 }, (_, i) => `    x${i} = ${i}`);
    before.unshift('def build():');
    const after = [...before];
    after[20] = '    x19 = 190';
    const { files } = parse({ path: 'pkg/build.py', before: `${before.join('\n')}\n`, after: `${after.join('\n')}\n` });
    const [hunk] = only(files, 'pkg/build.py').hunks;
    expect(hunk).toMatchObject({ oldStart: 18, oldLines: 7, newStart: 18, newLines: 7, header: 'def build():' });
  });

  it('reads a removed file as deleted lines numbered on the base side', () => {
    const { files } = parse({ path: 'legacy/client.py', before: 'import requests\n\nBASE = "http://old"\n' });
    const file = only(files, 'legacy/client.py');
    expect(file).toMatchObject({ status: 'removed', additions: 0, deletions: 3 });
    expect(allLines(file).map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['del', 1, undefined],
      ['del', 2, undefined],
      ['del', 3, undefined],
    ]);
  });

  it('reads a pure rename as renamed with the previous path and no hunks', () => {
    const content = 'def score(x):\n    return x * 2\n';
    const { files } = parse({ path: 'serving/score.py', from: 'app/score.py', before: content, after: content });
    expect(only(files, 'serving/score.py')).toEqual({
      path: 'serving/score.py',
      previousPath: 'app/score.py',
      status: 'renamed',
      language: 'python',
      hunks: [],
      additions: 0,
      deletions: 0,
    });
  });

  it('reads a rename with edits as renamed, with its hunk on the new path', () => {
    const before = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7\nh = 8\n';
    const after = before.replace('h = 8', 'h = 80');
    const { files } = parse({ path: 'pkg/new_name.py', from: 'pkg/old_name.py', before, after });
    const file = only(files, 'pkg/new_name.py');
    expect(file).toMatchObject({ status: 'renamed', previousPath: 'pkg/old_name.py', additions: 1, deletions: 1 });
    expect(allLines(file)).toContainEqual({ kind: 'add', text: 'h = 80', newLine: 8 });
    expect(allLines(file)).toContainEqual({ kind: 'del', text: 'h = 8', oldLine: 8 });
  });

  it('skips a binary file with the reason "binary file" and still reads the files around it', () => {
    const { files, skipped } = parse(
      { path: 'assets/logo.png', after: PNG },
      { path: 'api/app.py', before: APP_BEFORE, after: APP_AFTER },
      { path: 'assets/zz.py', after: 'x = 1\n' },
    );
    expect(skipped).toEqual([{ path: 'assets/logo.png', reason: 'binary file' }]);
    expect(files.map((f) => f.path)).toEqual(['api/app.py', 'assets/zz.py']);
    expect(only(files, 'assets/zz.py').hunks[0]?.lines).toEqual([{ kind: 'add', text: 'x = 1', newLine: 1 }]);
  });

  it('skips a modified binary in a folder with spaces by its full path', () => {
    const { skipped } = parse({ path: 'design docs/logo v2.png', before: PNG, after: Buffer.concat([PNG, PNG]) });
    expect(skipped).toEqual([{ path: 'design docs/logo v2.png', reason: 'binary file' }]);
  });

  it('reads paths with spaces (git appends a tab to their ---/+++ lines) and a renamed one', () => {
    const content = 'x = 1\ny = 2\n';
    const { files } = parse(
      { path: 'my service/app main.py', before: 'a = 1\n', after: 'a = 2\n' },
      { path: 'new dir/job file.py', from: 'old dir/job file.py', before: content, after: content },
    );
    expect(only(files, 'my service/app main.py')).toMatchObject({ status: 'modified', language: 'python', additions: 1 });
    expect(only(files, 'new dir/job file.py')).toMatchObject({ status: 'renamed', previousPath: 'old dir/job file.py' });
  });

  it('reads non-ASCII paths unquoted', () => {
    const { files } = parse({ path: 'données/café.py', after: 'x = 1\n' });
    expect(files.map((f) => f.path)).toEqual(['données/café.py']);
  });

  it('does not turn "\\ No newline at end of file" into a line', () => {
    const { files } = parse({ path: 'config/limits.py', before: 'RATE = 10\nBURST = 20', after: 'RATE = 10\nBURST = 50' });
    const file = only(files, 'config/limits.py');
    expect(allLines(file)).toEqual([
      { kind: 'context', text: 'RATE = 10', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'BURST = 20', oldLine: 2 },
      { kind: 'add', text: 'BURST = 50', newLine: 2 },
    ]);
    expect(file).toMatchObject({ additions: 1, deletions: 1 });
  });

  it('gives the same files for the same diff, in diff order', () => {
    const diff = gitDiff([
      { path: 'b.py', after: 'b = 1\n' },
      { path: 'a.py', after: 'a = 1\n' },
    ]);
    expect(parseUnifiedDiff(diff)).toEqual(parseUnifiedDiff(diff));
    expect(parseUnifiedDiff(diff).files.map((f) => f.path)).toEqual(['a.py', 'b.py']);
  });

  it('returns nothing for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual({ files: [], skipped: [] });
  });
});

describe('parsePatch on a GitHub `patch` field (hunks only, no file header)', () => {
  const patch = [
    '@@ -10,3 +10,5 @@ def predict(req: ChurnRequest):',
    '     features = build_features(req)',
    '-    score = model.predict(features)',
    '+    with timer("predict"):',
    '+        score = model.predict(features)',
    '+    log_prediction(req.customer_id, score)',
    '     return {"score": score}',
    '@@ -40,3 +42,2 @@ class Settings:',
    '     host: str',
    '-    port: int',
    '     debug: bool',
    '\\ No newline at end of file',
  ].join('\n');

  it('reads every hunk with starts, counts, header and numbered lines', () => {
    const hunks = parsePatch(patch);
    expect(hunks).toHaveLength(2);
    expect(hunks[0]).toMatchObject({ oldStart: 10, oldLines: 3, newStart: 10, newLines: 5, header: 'def predict(req: ChurnRequest):' });
    expect(hunks[0]?.lines).toEqual([
      { kind: 'context', text: '    features = build_features(req)', oldLine: 10, newLine: 10 },
      { kind: 'del', text: '    score = model.predict(features)', oldLine: 11 },
      { kind: 'add', text: '    with timer("predict"):', newLine: 11 },
      { kind: 'add', text: '        score = model.predict(features)', newLine: 12 },
      { kind: 'add', text: '    log_prediction(req.customer_id, score)', newLine: 13 },
      { kind: 'context', text: '    return {"score": score}', oldLine: 12, newLine: 14 },
    ]);
    expect(hunks[1]).toMatchObject({ oldStart: 40, newStart: 42, header: 'class Settings:' });
    expect(hunks[1]?.lines).toEqual([
      { kind: 'context', text: '    host: str', oldLine: 40, newLine: 42 },
      { kind: 'del', text: '    port: int', oldLine: 41 },
      { kind: 'context', text: '    debug: bool', oldLine: 42, newLine: 43 },
    ]);
  });

  it('returns no hunks for an empty or blank patch (GitHub omits it for large or binary files)', () => {
    expect(parsePatch('')).toEqual([]);
    expect(parsePatch('  \n')).toEqual([]);
  });
});

describe('kindOf', () => {
  it.each([
    ['README.md', 'docs'],
    ['docs/architecture.md', 'docs'],
    ['docs/diagram.png', 'docs'],
    ['guide/index.rst', 'docs'],
    ['LICENSE', 'docs'],
    ['.github/CODEOWNERS', 'docs'],
    ['notes/release.txt', 'docs'],
  ])('%s is documentation', (path, kind) => expect(kindOf(path)).toBe(kind));

  it.each([
    ['tests/test_predict.py'],
    ['serving/test_app.py'],
    ['serving/app_test.py'],
    ['tests/conftest.py'],
    ['src/router/route.test.ts'],
    ['web/components/Button.spec.tsx'],
    ['src/__tests__/api.js'],
    ['internal/store/store_test.go'],
    ['test/fixtures/sample.json'],
  ])('%s is test code', (path) => expect(kindOf(path)).toBe('test'));

  it.each([
    ['package-lock.json'],
    ['web/yarn.lock'],
    ['pnpm-lock.yaml'],
    ['poetry.lock'],
    ['uv.lock'],
    ['go.sum'],
    ['Cargo.lock'],
  ])('%s is a lockfile', (path) => expect(kindOf(path)).toBe('lockfile'));

  it.each([
    ['requirements.txt'],
    ['requirements-dev.txt'],
    ['services/api/requirements.txt'],
    ['constraints.txt'],
    ['serving/app.py'],
    ['package.json'],
    ['pyproject.toml'],
    ['go.mod'],
    ['Dockerfile'],
    ['deploy/k8s/deployment.yaml'],
    ['docker-compose.yml'],
    ['src/index.ts'],
  ])('%s is source', (path) => expect(kindOf(path)).toBe('source'));
});

describe('languageOf', () => {
  it.each([
    ['serving/app.py', 'python'],
    ['stubs/model.pyi', 'python'],
    ['src/index.ts', 'typescript'],
    ['web/App.tsx', 'typescript'],
    ['server.mjs', 'javascript'],
    ['lib/util.cjs', 'javascript'],
    ['cmd/main.go', 'go'],
    ['Dockerfile', 'dockerfile'],
    ['docker/Dockerfile.gpu', 'dockerfile'],
    ['build/api.dockerfile', 'dockerfile'],
    ['requirements.txt', 'requirements'],
    ['requirements-dev.in', 'requirements'],
    ['infra/main.tf', 'terraform'],
    ['deploy/app.YAML', 'yaml'],
    ['package.json', 'json'],
    ['pyproject.toml', 'toml'],
    ['README.md', 'markdown'],
    ['notes.txt', 'text'],
    ['Makefile', 'other'],
    ['.env', 'other'],
    ['archive.tar.gz', 'other'],
  ])('%s is %s', (path, language) => expect(languageOf(path)).toBe(language));
});
