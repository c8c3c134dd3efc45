import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAgent } from '../../src/agents/parse.js';
import type { Agent } from '../../src/agents/types.js';
import { parseUnifiedDiff } from '../../src/changeset/diff.js';
import type { ChangeSet } from '../../src/changeset/types.js';
import { applyIgnore, applyToAgents, rulesTurnedOff, severityOverrides } from '../../src/config/apply.js';
import { parseConfig } from '../../src/config/load.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = '.github/architect-review.yml';
const KNOWN = new Set(['http-call-without-timeout', 'new-dependency-without-adr', 'model-load-in-request-path', 'unbounded-query']);

function shipped(name: string): Agent {
  const file = `agents/${name}.md`;
  return parseAgent(readFileSync(path.join(repoRoot, file), 'utf8'), file);
}

const ML = shipped('ml-systems-architect');
const SYSTEM = shipped('system-architect');
const config = (text: string) => parseConfig(text, FILE, KNOWN);

describe('applyToAgents', () => {
  it('changes nothing under an empty configuration', () => {
    expect(applyToAgents([ML, SYSTEM], config(''))).toEqual([ML, SYSTEM]);
  });

  it('removes the agents turned off', () => {
    const result = applyToAgents([ML, SYSTEM], config('agents:\n  system-architect:\n    enabled: false\n'));
    expect(result.map((a) => a.name)).toEqual(['ml-systems-architect']);
  });

  it("appends the configured paths to the agent's own, once each", () => {
    const own = ML.review.paths[0];
    if (own === undefined) throw new Error('the shipped ML agent has no paths');
    const text = `agents:\n  ml-systems-architect:\n    paths: ['ranking/**', 'recsys/**/*.py', '${own}']\n`;
    const [ml, system] = applyToAgents([ML, SYSTEM], config(text));
    expect(ml?.review.paths).toEqual([...ML.review.paths, 'ranking/**', 'recsys/**/*.py']);
    expect(system?.review.paths).toEqual(SYSTEM.review.paths);
  });

  it("takes the rules turned off out of every agent's review.rules", () => {
    expect(SYSTEM.review.rules).toHaveProperty('http-call-without-timeout');
    const text = 'rules:\n  http-call-without-timeout: off\n  model-load-in-request-path: { enabled: false }\n  new-dependency-without-adr: high\n';
    const [ml, system] = applyToAgents([ML, SYSTEM], config(text));
    expect(ml?.review.rules).not.toHaveProperty('model-load-in-request-path');
    expect(Object.keys(ml?.review.rules ?? {})).toHaveLength(Object.keys(ML.review.rules).length - 1);
    expect(system?.review.rules).not.toHaveProperty('http-call-without-timeout');
    expect(system?.review.rules).toHaveProperty('new-dependency-without-adr', 'document-all-decisions');
    expect(Object.keys(system?.review.rules ?? {})).toHaveLength(Object.keys(SYSTEM.review.rules).length - 1);
    // The checklist item stays; with no rule on it, it is reported as not checked.
    expect(system?.checklist.map((i) => i.id)).toContain('plan-for-failure');
  });

  it('leaves the agents it was given unchanged', () => {
    const before = structuredClone(SYSTEM);
    applyToAgents([SYSTEM], config("rules:\n  http-call-without-timeout: off\nagents:\n  system-architect:\n    paths: ['x/**']\n"));
    expect(SYSTEM).toEqual(before);
  });

  it('ignores entries for agents that are not loaded', () => {
    expect(applyToAgents([SYSTEM], config('agents:\n  data-architect:\n    enabled: false\n'))).toEqual([SYSTEM]);
  });
});

const DIFF = `diff --git a/vendor/lib/http.py b/vendor/lib/http.py
index 1111111..2222222 100644
--- a/vendor/lib/http.py
+++ b/vendor/lib/http.py
@@ -1 +1,2 @@
 import requests
+requests.get(url)
diff --git a/src/app.py b/src/app.py
index 3333333..4444444 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1 +1,2 @@
 import requests
+requests.get(url, timeout=5)
diff --git a/legacy/.env.example b/legacy/.env.example
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ b/legacy/.env.example
@@ -0,0 +1 @@
+TOKEN=
diff --git a/vendor/logo.png b/vendor/logo.png
index 6666666..7777777 100644
Binary files a/vendor/logo.png and b/vendor/logo.png differ
`;

function changeSet(): ChangeSet {
  const { files, skipped } = parseUnifiedDiff(DIFF);
  return { pr: { title: 'Bump the vendored client', body: '', labels: [], fork: false }, files, skipped };
}

describe('applyIgnore', () => {
  it('moves the ignored files to skipped, naming the file that ignored them', () => {
    const before = changeSet();
    const after = applyIgnore(before, config("ignore:\n  - 'vendor/**'\n  - 'legacy/**'\n"), FILE);
    expect(after.files.map((f) => f.path)).toEqual(['src/app.py']);
    expect(after.skipped).toEqual([
      { path: 'vendor/logo.png', reason: 'binary file' },
      { path: 'vendor/lib/http.py', reason: `ignored by ${FILE}` },
      { path: 'legacy/.env.example', reason: `ignored by ${FILE}` },
    ]);
    expect(after.pr).toBe(before.pr);
    expect(before.files).toHaveLength(3);
  });

  it('keeps every file when nothing matches or nothing is ignored', () => {
    const before = changeSet();
    expect(applyIgnore(before, config("ignore: ['docs/**']\n"), FILE)).toEqual(before);
    expect(applyIgnore(before, config(''), FILE)).toEqual(before);
  });
});

describe('severityOverrides', () => {
  it('maps each rule given a severity to it, leaving out the rules turned off', () => {
    const text = [
      'rules:',
      '  http-call-without-timeout: off',
      '  new-dependency-without-adr: { severity: medium }',
      '  unbounded-query: low',
      '  model-load-in-request-path: { enabled: false, severity: high }',
    ].join('\n');
    const cfg = config(text);
    expect([...severityOverrides(cfg)]).toEqual([
      ['new-dependency-without-adr', 'medium'],
      ['unbounded-query', 'low'],
    ]);
    expect([...rulesTurnedOff(cfg)]).toEqual(['http-call-without-timeout', 'model-load-in-request-path']);
  });

  it('is empty when no rule is configured', () => {
    expect(severityOverrides(config('')).size).toBe(0);
  });
});
