import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/types.js';
import { anyGlob, route } from '../../src/router/route.js';
import { changeSetOf } from '../changeset/git-diff.js';
import { shippedAgents } from './shipped-agents.js';

const GLOBS = [
  '**/serving/**',
  '**/*.{yml,yaml}',
  'Dockerfile',
  '**/Dockerfile*',
  'src/**/!(*.test).ts',
  '**/k8s/**/*.yaml',
  '.github/workflows/*.yml',
  '!**/vendor/**',
  'requirements*.txt',
  '**/models/[a-c]*.py',
];

const PATHS = [
  'ml/serving/app.py',
  'serving/app.py',
  'deploy/k8s/api/deployment.yaml',
  'docker-compose.yml',
  'Dockerfile',
  'services/api/Dockerfile.prod',
  'src/a/b.ts',
  'src/a/b.test.ts',
  '.github/workflows/ci.yml',
  'vendor/lib/x.go',
  'requirements-dev.txt',
  'app/models/churn.py',
  'app/models/zeta.py',
  '.hidden/serving/x.py',
  'README.md',
];

describe('anyGlob', () => {
  it('matches exactly the paths picomatch matches with any of the globs', () => {
    for (let n = 0; n <= GLOBS.length; n++) {
      const globs = GLOBS.slice(0, n);
      const expected = n === 0 ? () => false : picomatch(globs, { dot: true });
      const actual = anyGlob(globs);
      for (const path of PATHS) expect(actual(path), `${path} with ${globs.join(' ')}`).toBe(expected(path));
    }
  });

  it('matches a path equal to a glob, and never the empty path, as picomatch does', () => {
    expect(picomatch('weird[name].py', { dot: true })('weird[name].py')).toBe(true);
    expect(anyGlob(['weird[name].py'])('weird[name].py')).toBe(true);
    expect(anyGlob(['**'])('')).toBe(false);
  });
});

describe('content signals', () => {
  const [base] = shippedAgents();
  if (!base) throw new Error('no shipped agent');
  // `^`/`$` are a line's ends; the negative lookbehind is tested line by line.
  const probe: Agent = { ...base, name: 'probe', triggers: [], review: { ...base.review, paths: [], imports: [], exclude: [], content: ['^import torch$', '(?<![\\w.])model\\.predict\\('] } };
  const routed = (path: string, before: string, after: string): string[] => {
    const routing = route(changeSetOf([{ path, before, after }]), [probe]);
    return routing.assignments.flatMap((a) => a.reasons.map((r) => r.detail));
  };

  it('match an added line anywhere in the file, start and end anchored to that line', () => {
    expect(routed('app/a.py', 'x = 1\n', 'x = 1\nimport torch\n')).toEqual(['^import torch$']);
    expect(routed('app/b.py', 'x = 1\n', 'x = 1\nimport torchvision\n')).toEqual([]);
  });

  it('with a negative lookbehind, match a line that starts with the call and not a method of another object', () => {
    expect(routed('app/c.py', 'x = 1\n', 'x = 1\nmodel.predict(rows)\n')).toEqual(['(?<![\\w.])model\\.predict\\(']);
    expect(routed('app/d.py', 'x = 1\n', 'x = 1\nself.model.predict(rows)\n')).toEqual([]);
  });

  it('ignore removed lines', () => {
    expect(routed('app/e.py', 'import torch\nx = 1\n', 'x = 1\n')).toEqual([]);
  });
});
