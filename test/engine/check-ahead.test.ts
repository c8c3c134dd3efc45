import { describe, expect, it, vi } from 'vitest';
import { assembleCatalog } from '../../src/catalog.js';
import { parseUnifiedDiff } from '../../src/changeset/diff.js';
import type { ChangeSet } from '../../src/changeset/types.js';
import { RULES } from '../../src/checks/registry.js';
import { checkAhead, checkEarly, planReview, review, withContent } from '../../src/engine.js';
import { workedOut, type Precomputed } from '../../src/checks/run.js';
import { reviewChange, type RepositoryReader } from '../../src/pipeline.js';
import { changeSetOf as fixtureChange, loadFixtures } from '../../eval/harness.js';
import { generatePullRequest } from '../../bench/large-pr.js';
import { changeSetOf, src } from '../changeset/git-diff.js';
import { route } from '../../src/router/route.js';
import { ignoreReformatting } from '../../src/changeset/formatting.js';

const { agents } = await assembleCatalog([], true);

/** How many (rule, file) pairs were worked out with hits (an empty list counts; "does not apply" does not). */
function hitsWorkedOut(precomputed: Precomputed): number {
  return [...precomputed.values()].reduce((n, record) => n + [...record.rules.values()].filter((hits) => hits !== null).length, 0);
}

describe('rules that judge a file alone (no readsWholeChange)', () => {
  it('take one argument: a rule whose check reads the change must say so', () => {
    const mislabelled = [...RULES.values()].filter((r) => (r.check.length >= 2) !== (r.readsWholeChange === true)).map((r) => r.id);
    expect(mislabelled).toEqual([]);
    expect([...RULES.values()].filter((r) => r.readsWholeChange).length).toBeGreaterThan(0);
  });
});

describe('checkAhead: per-file rules worked out while head files are read', () => {
  it('leaves every eval pull request\'s report exactly as the review alone makes it', async () => {
    const fixtures = loadFixtures();
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    let used = 0;
    for (const fixture of fixtures) {
      const change = fixtureChange(fixture);
      const { routing } = planReview(change, agents);
      const precomputed = await checkAhead(change, routing, new Set());
      used += hitsWorkedOut(precomputed);
      expect(review(change, agents, [], { routing, precomputed }), fixture.slug).toEqual(review(change, agents, [], { routing }));
    }
    expect(used).toBeGreaterThan(100);
  });

  it('skips the files being read and the rules that read the whole change', async () => {
    const { files, skipped } = parseUnifiedDiff(generatePullRequest({ changedLines: 10_000 }).unifiedDiff);
    const change: ChangeSet = { pr: { title: 't', body: '', labels: [], fork: false }, files, skipped };
    const { routing } = planReview(change, agents);
    const reading = new Set(routing.assignments.flatMap((a) => a.files.slice(0, 5).map((f) => f.path)));
    const precomputed = await checkAhead(change, routing, reading);
    const keys = [...precomputed].flatMap(([path, record]) => [...record.rules.keys()].map((rule) => [rule, path]));
    expect(keys.length).toBeGreaterThan(100);
    expect(keys.filter(([, path]) => reading.has(path!))).toEqual([]);
    expect(keys.filter(([rule]) => RULES.get(rule!)?.readsWholeChange)).toEqual([]);
  });

  it('lets the event loop run while it works, so the reads it waits beside go out and come back', async () => {
    const { files, skipped } = parseUnifiedDiff(generatePullRequest({ changedLines: 30_000 }).unifiedDiff);
    const change: ChangeSet = { pr: { title: 't', body: '', labels: [], fork: false }, files, skipped };
    const { routing } = planReview(change, agents);
    const order: string[] = [];
    setImmediate(() => order.push('event loop'));
    // Checking a change this size takes well over a slice (8 ms), so it yields at least once.
    await checkAhead(change, routing, new Set()).then(() => order.push('checks done'));
    expect(order).toEqual(['event loop', 'checks done']);
  });
});

describe('reviewChange with head files to read', () => {
  const HANDLER = src`
    from fastapi import FastAPI
    import joblib

    app = FastAPI()


    @app.post("/predict")
    def predict(payload: dict) -> dict:
        features = [payload["a"], payload["b"]]
        scaled = [f / 10 for f in features]
        total = sum(scaled)
        weights = [0.1, 0.2]
        score = total * weights[0]
        return {"score": score}
  `;
  const LOADS = HANDLER.replace('        score = total * weights[0]\n', '        model = joblib.load("models/churn.pkl")\n        score = model.predict([scaled])[0]\n');
  const CLIENT = src`
    import requests


    def fetch(url: str) -> dict:
        return requests.get(url).json()
  `;

  const CHANGES = [
    { path: 'serving/app.py', before: HANDLER, after: LOADS },
    { path: 'svc/client.py', after: CLIENT },
    { path: 'svc/other.py', before: CLIENT.replace('url', 'u'), after: CLIENT },
  ];
  const HEAD = new Map(CHANGES.map((c) => [c.path, c.after]));
  const OPTIONS = { configPath: '.github/architect-review.yml', agentsPath: '.github/architect-review/agents', builtinAgents: true };

  it('finds the same as a review of the change with the head files attached, and asks for those files once', async () => {
    const change = changeSetOf(CHANGES);
    const { routing, wanted } = planReview(change, agents);
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.length).toBeLessThan(CHANGES.length);
    const events: string[] = [];
    const reader: RepositoryReader = {
      baseFile: async () => undefined,
      baseAgents: async () => [],
      headFiles: async (paths) => {
        events.push(`read ${paths.join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push('read done');
        return new Map(paths.map((p) => [p, HEAD.get(p) ?? '']));
      },
    };
    const report = await reviewChange(change, reader, { ...OPTIONS, warn: () => {} });
    const direct = review(withContent(change, new Map(wanted.map((p) => [p, HEAD.get(p) ?? '']))), agents, [], { routing });
    expect(report.findings).toEqual(direct.findings);
    expect(report.agents).toEqual(direct.agents);
    expect(report.findings.map((f) => `${f.rule} ${f.file}`)).toContain('http-call-without-timeout svc/client.py');
    expect(events).toEqual([`read ${wanted.join(',')}`, 'read done']);
  });

  it('with rules at work early: the same report, and the configuration still turns a rule off and sets severities', async () => {
    const change = changeSetOf(CHANGES);
    const reader = (config?: string): RepositoryReader => ({
      // A slow read, as over the network: the rules at work early get through the whole change meanwhile.
      baseFile: async (path) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return path === OPTIONS.configPath ? config : undefined;
      },
      baseAgents: async () => [],
      headFiles: async (paths) => new Map(paths.map((p) => [p, HEAD.get(p) ?? ''])),
    });
    const plain = await reviewChange(change, reader(), { ...OPTIONS, warn: () => {} });
    const early = checkEarly(change);
    expect(await reviewChange(change, reader(), { ...OPTIONS, warn: () => {}, early })).toEqual(plain);
    const worked = await early.stop();
    expect(worked.get('svc/client.py')?.rules.get('http-call-without-timeout')?.length).toBe(1);

    const off = await reviewChange(change, reader('rules:\n  http-call-without-timeout: off\n'), { ...OPTIONS, warn: () => {}, early: checkEarly(change) });
    expect(off.findings.map((f) => f.rule)).not.toContain('http-call-without-timeout');
    const high = await reviewChange(change, reader('rules:\n  http-call-without-timeout: high\n'), { ...OPTIONS, warn: () => {}, early: checkEarly(change) });
    const severities = (r: typeof plain): string[] => r.findings.filter((f) => f.rule === 'http-call-without-timeout').map((f) => f.severity);
    expect(severities(plain)).toEqual(['medium']);
    expect(severities(high)).toEqual(['high']);
  });

  it('reports a head read that fails, and reviews from the diff', async () => {
    const change = changeSetOf(CHANGES);
    const warnings: string[] = [];
    const reader: RepositoryReader = {
      baseFile: async () => undefined,
      baseAgents: async () => [],
      headFiles: async () => {
        throw new Error('git cat-file failed');
      },
    };
    const report = await reviewChange(change, reader, { ...OPTIONS, warn: (m) => warnings.push(m) });
    const message = 'Could not read the changed files whole (git cat-file failed); the review went on without it.';
    expect(warnings).toEqual([message]);
    expect(report.notices).toContain(message);
    expect(report.findings).toEqual(review(change, agents).findings);
  });
});

describe('checkEarly: per-file rules worked out before the configuration and agents are read', () => {
  it('given the agents to expect, works out only what their routing asks, and planReview takes that routing when the agents route alike', async () => {
    for (const fixture of loadFixtures()) {
      const change = fixtureChange(fixture);
      const early = checkEarly(change, Promise.resolve(agents));
      const worked = await early.finished();
      const forecast = early.forecast();
      const routed = route(ignoreReformatting(change), agents);
      expect(forecast?.routing, fixture.slug).toEqual(routed);
      // Each worked-out file is routed, with only the rules its agents run.
      for (const [path, record] of worked) {
        const runs = new Set(routed.assignments.filter((a) => a.files.some((f) => f.path === path)).flatMap((a) => Object.keys(a.agent.review.rules)));
        expect([...record.rules.keys()].filter((id) => !runs.has(id)), `${fixture.slug} ${path}`).toEqual([]);
      }
      // The configuration turned every rule off: the agents still route alike, and the routing made ahead is taken, pointed at them.
      const off = agents.map((a) => ({ ...a, review: { ...a.review, rules: {} } }));
      const plan = planReview(change, off, forecast);
      expect(plan.routing.assignments.map((a) => a.reasons)).toEqual(forecast?.routing.assignments.map((a) => a.reasons));
      plan.routing.assignments.forEach((a, i) => {
        expect(a.reasons).toBe(forecast?.routing.assignments[i]?.reasons);
        expect(off).toContain(a.agent);
      });
      const { routing, wanted } = planReview(change, agents, forecast);
      expect(review(change, agents, [], { routing, precomputed: worked }), fixture.slug).toEqual(review(change, agents));
      expect(wanted).toEqual(planReview(change, agents).wanted);
    }
  });

  it('planReview routes again when the agents or the change differ from what the forecast expected', async () => {
    const change = fixtureChange(loadFixtures()[0] as (ReturnType<typeof loadFixtures>)[number]);
    const early = checkEarly(change, Promise.resolve(agents));
    await early.finished();
    const forecast = early.forecast();
    expect(forecast).toBeDefined();
    const taken = (plan: ReturnType<typeof planReview>): boolean => plan.routing.assignments.some((a, i) => a.reasons === forecast?.routing.assignments[i]?.reasons);
    expect(taken(planReview(change, agents, forecast))).toBe(true);
    // A path the configuration maps to an agent.
    const mapped = agents.map((a, i) => (i === 0 ? { ...a, review: { ...a.review, paths: [...a.review.paths, '**/*.sql'] } } : a));
    expect(taken(planReview(change, mapped, forecast))).toBe(false);
    expect(planReview(change, mapped, forecast).routing).toEqual(route(ignoreReformatting(change), mapped));
    // An agent turned off, and a file the configuration ignores.
    expect(taken(planReview(change, agents.slice(1), forecast))).toBe(false);
    const fewer = { ...change, files: change.files.slice(1) };
    expect(taken(planReview(fewer, agents, forecast))).toBe(false);
    expect(planReview(fewer, agents, forecast).routing).toEqual(route(ignoreReformatting(fewer), agents));
  });

  it('without the agents to expect (or when they fail to load), works out every such rule on every source file', async () => {
    const change = fixtureChange(loadFixtures()[0] as (ReturnType<typeof loadFixtures>)[number]);
    const all = await checkEarly(change).finished();
    const failed = checkEarly(change, Promise.reject(new Error('agents folder unreadable')));
    expect(await failed.finished()).toEqual(all);
    expect(failed.forecast()).toBeUndefined();
  });

  it('leaves every eval pull request\'s report exactly as the review alone makes it, with and without head files', async () => {
    let used = 0;
    for (const fixture of loadFixtures()) {
      const change = fixtureChange(fixture);
      const early = await checkEarly(change).finished();
      used += hitsWorkedOut(early);
      const { routing, wanted } = planReview(change, agents);
      expect(review(change, agents, [], { routing, precomputed: early }), fixture.slug).toEqual(review(change, agents, [], { routing }));
      // Files read whole after the early work: their early hits stand for nothing; checkAhead keeps the rest.
      const full = withContent(change, new Map(wanted.map((path) => [path, '# read whole\n'])));
      const ahead = await checkAhead(change, routing, new Set(wanted), early);
      expect(review(full, agents, [], { routing, precomputed: ahead }), fixture.slug).toEqual(review(full, agents, [], { routing }));
    }
    expect(used).toBeGreaterThan(100);
  });

  it('hits stand only for the hunks they were worked out on, and never for a file read whole', () => {
    const [file] = changeSetOf([{ path: 'svc/app.py', before: 'import os\n', after: 'import os\nimport requests\n' }]).files;
    if (!file) throw new Error('no file');
    const hit = { line: 2, title: 't', message: 'm', remedy: 'r' };
    const precomputed = new Map([[file.path, { hunks: file.hunks, rules: new Map([['http-call-without-timeout', [hit]]]) }]]);
    expect(workedOut(precomputed, file)?.rules.get('http-call-without-timeout')).toEqual([hit]);
    // The same hunks in another array still stand (ignoreReformatting makes a new array each time); other hunks do not.
    expect(workedOut(precomputed, { ...file, hunks: [...file.hunks] })?.rules.get('http-call-without-timeout')).toEqual([hit]);
    expect(workedOut(precomputed, { ...file, hunks: file.hunks.map((h) => ({ ...h })) })).toBeUndefined();
    expect(workedOut(precomputed, { ...file, content: 'import os\nimport requests\n' })).toBeUndefined();
  });

  it('the review takes hits worked out ahead for a rule that judges a file alone, never for one that reads the whole change', () => {
    const change = changeSetOf([{ path: 'svc/app.py', before: 'import os\n', after: 'import os\nimport requests\n' }]);
    const [file] = change.files;
    if (!file) throw new Error('no file');
    const planted = (rule: string): Precomputed =>
      new Map([[file.path, { hunks: file.hunks, rules: new Map([[rule, [{ line: 2, title: `planted for ${rule}`, message: 'm', remedy: 'r' }]]]) }]]);
    const { routing } = planReview(change, agents);
    const titles = (precomputed: Precomputed): string[] => review(change, agents, [], { routing, precomputed }).findings.map((f) => f.title);
    expect(titles(planted('http-call-without-timeout'))).toContain('planted for http-call-without-timeout');
    expect(titles(planted('route-removed'))).not.toContain('planted for route-removed');
  });

  it('remembers that a rule does not apply to a file, so the review does not ask the rule again', async () => {
    const change = changeSetOf([{ path: 'svc/app.py', before: 'import os\n', after: 'import os\nimport requests\n' }]);
    const early = await checkEarly(change).finished();
    // A Python file is no Dockerfile or manifest: worked out as "does not apply", with no hits at all.
    expect(early.get('svc/app.py')?.hunks).toBe(change.files[0]?.hunks);
    expect(early.get('svc/app.py')?.rules.get('image-tag-not-pinned')).toBeNull();
    const rule = RULES.get('image-tag-not-pinned');
    if (!rule) throw new Error('no rule');
    const asked = vi.spyOn(rule, 'appliesTo');
    try {
      const { routing } = planReview(change, agents);
      asked.mockClear();
      const report = review(change, agents, [], { routing, precomputed: early });
      expect(asked).not.toHaveBeenCalled();
      expect(report).toEqual(review(change, agents, [], { routing }));
      expect(asked).toHaveBeenCalled();
    } finally {
      asked.mockRestore();
    }
  });

  it('a rule that throws while worked out ahead is left for the review, which runs it again and reports the failure', async () => {
    const change = changeSetOf([{ path: 'svc/client.py', before: 'import requests\n', after: 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n' }]);
    const rule = RULES.get('http-call-without-timeout');
    if (!rule) throw new Error('no rule');
    const { routing } = planReview(change, agents);
    const fresh = review(change, agents, [], { routing });
    expect(fresh.findings.map((f) => f.rule)).toContain('http-call-without-timeout');
    const failing = vi.spyOn(rule, 'check').mockImplementation(() => {
      throw new Error('boom');
    });
    let early: Precomputed;
    try {
      early = await checkEarly(change).finished();
      const failed = review(change, agents, [], { routing, precomputed: early });
      expect(failed).toEqual(review(change, agents, [], { routing }));
      expect(failed.notices.join('\n')).toMatch(/Rule http-call-without-timeout failed on svc\/client\.py for agent \S+: boom/);
    } finally {
      failing.mockRestore();
    }
    // Nothing was recorded for the rule: not "does not apply", not an empty list.
    expect(early.get('svc/client.py')?.rules.has('http-call-without-timeout')).toBe(false);
    expect(review(change, agents, [], { routing, precomputed: early })).toEqual(fresh);
  });

  it('a reformatted hunk set aside after the early work: its early hits stand for nothing, the review judges the file as it then looks', async () => {
    const before = 'import requests\n\n\ndef fetch(url):\n    return requests.get( url ).json()\n';
    const after = 'import requests\n\n\ndef fetch(url):\n    return requests.get(url).json()\n';
    const change = changeSetOf([{ path: 'svc/client.py', before, after }]);
    const early = await checkEarly(change).finished();
    // On the raw hunk the call line is added, and has no timeout: a hit.
    expect(early.get('svc/client.py')?.rules.get('http-call-without-timeout')?.length).toBe(1);
    const { routing } = planReview(change, agents);
    const alone = review(change, agents, [], { routing });
    // Set aside as reformatting, the line is context: no finding, whatever was worked out early.
    expect(alone.findings.map((f) => f.rule)).not.toContain('http-call-without-timeout');
    expect(review(change, agents, [], { routing, precomputed: early })).toEqual(alone);
    // checkAhead works the file out again on the hunks the review sees, and the review takes those.
    const ahead = await checkAhead(change, routing, new Set(), early);
    expect(ahead.get('svc/client.py')?.rules.get('http-call-without-timeout')).toEqual([]);
    expect(review(change, agents, [], { routing, precomputed: ahead })).toEqual(alone);
  });

  it('stops at its next pause, letting the event loop run between pauses', async () => {
    const { files, skipped } = parseUnifiedDiff(generatePullRequest({ changedLines: 60_000 }).unifiedDiff);
    const change: ChangeSet = { pr: { title: 't', body: '', labels: [], fork: false }, files, skipped };
    const count = (p: Precomputed): number => [...p.values()].reduce((n, m) => n + m.rules.size, 0);
    // Stopped before its first pause: the caller's read goes out first, so nothing was worked out.
    expect(count(await checkEarly(change).stop())).toBe(0);
    const early = checkEarly(change);
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      const turn = (): void => {
        seen.push(count(early.peek()));
        if (seen.length < 5) setImmediate(turn);
        else resolve();
      };
      setImmediate(turn);
    });
    const some = count(await early.stop());
    const all = count(await checkEarly(change).finished());
    // The work went on between the event loop's turns, and stopped well before the end.
    expect(seen[seen.length - 1]).toBeGreaterThan(seen[0] ?? 0);
    expect(some).toBeLessThan(all);
  });
});
