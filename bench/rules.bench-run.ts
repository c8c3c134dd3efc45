/** Time per rule and per engine stage on the benchmark's generated PR: `npx vitest run --config bench/vitest.config.ts bench/rules.bench-run.ts`. */
import { it } from 'vitest';
import { assembleCatalog } from '../src/catalog.js';
import { parseUnifiedDiff } from '../src/changeset/diff.js';
import { ignoreReformatting } from '../src/changeset/formatting.js';
import { RULES } from '../src/checks/registry.js';
import { contentWanted, review } from '../src/engine.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { route } from '../src/router/route.js';
import { generatePullRequest } from './large-pr.js';

it('times each rule over the files routed to its agents', async () => {
  const pr = generatePullRequest();
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return Math.round(ms);
  };
  const { files, skipped } = parseUnifiedDiff(pr.unifiedDiff);
  const changeSet = ignoreReformatting({ pr: { title: 't', body: '', labels: [], fork: false }, files, skipped });
  const parseMs = lap();
  const { agents } = await assembleCatalog([], true);
  const routing = route(changeSet, agents);
  const routeMs = lap();
  const wanted = contentWanted(changeSet, agents);
  const wantedMs = lap();
  const times = new Map<string, { ms: number; files: number; hits: number }>();
  for (const { agent, files: routed } of routing.assignments) {
    for (const id of Object.keys(agent.review.rules)) {
      const rule = RULES.get(id);
      if (!rule) continue;
      const start = performance.now();
      let n = 0;
      let hits = 0;
      for (const f of routed) {
        if (!rule.appliesTo(f)) continue;
        n++;
        hits += rule.check(f, changeSet).length;
      }
      const entry = times.get(id) ?? { ms: 0, files: 0, hits: 0 };
      times.set(id, { ms: entry.ms + performance.now() - start, files: entry.files + n, hits: entry.hits + hits });
    }
  }
  lap();
  const report = review(changeSet, agents);
  const reviewMs = lap();
  renderMarkdown(report, { maxLength: 65_536, marker: true });
  const renderMs = lap();
  console.log(`parse ${parseMs} ms, route ${routeMs} ms, contentWanted ${wantedMs} ms (${wanted.length} files), review ${reviewMs} ms, render ${renderMs} ms`);
  for (const [id, { ms, files: n, hits }] of [...times].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${Math.round(ms).toString().padStart(6)} ms  ${id.padEnd(38)} ${n} files, ${hits} hits`);
  }
}, 120_000);
