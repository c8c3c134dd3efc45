/**
 * Time per engine stage and per rule on the benchmark's generated PR, in CPU time of this process
 * (it holds up while other work shares the machine):
 *   npx vitest run --config bench/vitest.config.ts bench/rules.bench-run.ts
 * The stages run as the action runs them (route, contentWanted, review) on a fresh parse; the
 * per-rule figures come from further passes, each on another fresh parse, so none warms another's caches.
 * BENCH_PROFILE=1 also writes a CPU profile of contentWanted + review to .bench/rules.cpuprofile.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { it } from 'vitest';
import { assembleCatalog } from '../src/catalog.js';
import { parseUnifiedDiff } from '../src/changeset/diff.js';
import { ignoreReformatting } from '../src/changeset/formatting.js';
import type { ChangeSet } from '../src/changeset/types.js';
import { RULES } from '../src/checks/registry.js';
import { addedText, fileText, removedText } from '../src/checks/text.js';
import { contentWanted, review } from '../src/engine.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { route } from '../src/router/route.js';
import { generatePullRequest } from './large-pr.js';

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function parse(diff: string): ChangeSet {
  const { files, skipped } = parseUnifiedDiff(diff);
  return { pr: { title: 't', body: '', labels: [], fork: false }, files, skipped };
}

it('times each engine stage and each rule', async () => {
  const pr = generatePullRequest();
  const { agents } = await assembleCatalog([], true);
  let t = cpuMs();
  const lap = (): number => {
    const now = cpuMs();
    const ms = now - t;
    t = now;
    return Math.round(ms);
  };

  // The action's "rules off" run, first: it warms what both runs share (parsing, routing, reformat detection).
  const offAgents = agents.map((a) => ({ ...a, review: { ...a.review, rules: {} } }));
  const offChange = parse(pr.unifiedDiff);
  const offRouting = route(ignoreReformatting(offChange), offAgents);
  contentWanted(offRouting);
  review(offChange, offAgents, [], { routing: offRouting });
  const offMs = lap();

  const change = parse(pr.unifiedDiff);
  const parseMs = lap();
  const session = process.env.BENCH_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    lap();
  }
  const routing = route(ignoreReformatting(change), agents);
  const routeMs = lap();
  const wanted = contentWanted(routing);
  const wantedMs = lap();
  const report = review(change, agents, [], { routing });
  const reviewMs = lap();
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync('.bench', { recursive: true });
    writeFileSync('.bench/rules.cpuprofile', JSON.stringify(profile));
    session.disconnect();
    lap();
  }
  renderMarkdown(report, { maxLength: 65_536, marker: true });
  const renderMs = lap();
  console.log(
    `CPU time: all rules off (parse, route, review) ${offMs} ms; then rules on: parse ${parseMs} ms, route ${routeMs} ms, ` +
      `contentWanted ${wantedMs} ms (${wanted.length} files), review ${reviewMs} ms (${report.findings.length} findings), render ${renderMs} ms`,
  );

  // The per-rule figures: each pass on a fresh parse (no cache carried over), the least of BENCH_RULE_PASSES per rule.
  const passes = Number(process.env.BENCH_RULE_PASSES ?? 3);
  const times = new Map<string, { ms: number; files: number; hits: number }>();
  const firstPass = new Map<string, number>();
  let joinMs = Infinity;
  for (let pass = 0; pass < passes; pass++) {
    const changeSet = ignoreReformatting(parse(pr.unifiedDiff));
    // The joined texts the rules' prefilters read, made once per file whichever rule asks first: timed apart.
    lap();
    for (const file of changeSet.files) {
      addedText(file);
      removedText(file);
      fileText(file);
    }
    joinMs = Math.min(joinMs, lap());
    const own = new Map<string, { ms: number; files: number; hits: number }>();
    for (const { agent, files: routed } of route(changeSet, agents).assignments) {
      for (const id of Object.keys(agent.review.rules)) {
        const rule = RULES.get(id);
        if (!rule) continue;
        const start = cpuMs();
        let n = 0;
        let hits = 0;
        for (const f of routed) {
          if (!rule.appliesTo(f)) continue;
          n++;
          hits += rule.check(f, changeSet).length;
        }
        const entry = own.get(id) ?? { ms: 0, files: 0, hits: 0 };
        own.set(id, { ms: entry.ms + cpuMs() - start, files: entry.files + n, hits: entry.hits + hits });
      }
    }
    for (const [id, entry] of own) {
      if (pass === 0) firstPass.set(id, entry.ms);
      const best = times.get(id);
      if (!best || entry.ms < best.ms) times.set(id, entry);
    }
  }
  const total = [...times.values()].reduce((sum, e) => sum + e.ms, 0);
  const first = [...firstPass.values()].reduce((sum, ms) => sum + ms, 0);
  console.log(`joined texts of every file: ${joinMs} ms; rules: ${Math.round(total)} ms (least of ${passes} passes each), ${Math.round(first)} ms in the first pass`);
  console.log(' least  first  rule');
  for (const [id, { ms, files: n, hits }] of [...times].sort((a, b) => b[1].ms - a[1].ms)) {
    const cold = Math.round(firstPass.get(id) ?? NaN).toString().padStart(6);
    console.log(`${Math.round(ms).toString().padStart(6)} ${cold}  ${id.padEnd(38)} ${n} files, ${hits} hits`);
  }
}, 120_000);
