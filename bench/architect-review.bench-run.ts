/**
 * The benchmark: the BUILT action (`node dist/index.js`, as the Actions runner runs it) reviews a
 * generated 3000-file pull request through the fake GitHub server, three times; then the built CLI
 * reviews the same change from a unified diff. Prints each figure next to its target and writes
 * .bench/results.json. A figure that misses its target does not fail the run; an action that does
 * not do its job (bad exit code, no comment, no outputs) does, since its figures would mean nothing.
 *
 *   npm run bench
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeRequest } from '../test/support/fake-github.js';
import { RULES } from '../src/checks/registry.js';
import { generatePullRequest, type GeneratedPullRequest } from './large-pr.js';
import { DROPPED_ENV, cleanEnv, max, median, meets, runNode, startLatencyProxy, table, type ChildRun, type Figure } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** BENCH_ACTION: another build of the action to measure instead of dist/index.js (a candidate bundle, for an A/B). */
const ACTION = process.env.BENCH_ACTION ? resolve(ROOT, process.env.BENCH_ACTION) : join(ROOT, 'dist/index.js');
const CLI = join(ROOT, 'dist/cli.js');
const RESULTS = join(ROOT, '.bench/results.json');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * BENCH_PAIRS: the checks-overhead comparison's pairs (rules on, rules off). Its median is of pairs'
 * ratios, and this machine's load moves between runs: six pairs by default (or BENCH_RUNS, if more),
 * half of them off first.
 */
const PAIRS = Number(process.env.BENCH_PAIRS ?? Math.max(RUNS, 6));
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error(`BENCH_PAIRS must be a whole number of pairs, at least 1 (got ${process.env.BENCH_PAIRS}).`);
/**
 * Extra node flags for the benchmarked children, to look into a miss, e.g.
 * BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=.bench/prof" npm run bench (the figures then include the profiler's cost).
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
/**
 * BENCH_LATENCY_MS: hold every GitHub response this long (a proxy in front of the fake), to see the
 * figures with a real round trip; 0, the default, measures the action against the bare fake.
 */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 0);
/** The round trip of the second checks-overhead comparison: a low estimate of a runner's round trip to GitHub's API. */
const REALISTIC_LATENCY_MS = 50;
const OWNER = 'acme';
const REPO = 'shop';
const PR_NUMBER = 4821;
const MARKER = '<!-- architect-review:summary -->';
const COMMENT_LIMIT = 65_536;

const PR_TITLE = 'Platform consolidation: checkout, storefront and ranking service updates for Q3';
const PR_BODY = [
  'Consolidates the Q3 platform work that was developed on the long-lived `platform-q3` branch.',
  '',
  '- checkout and billing: idempotent payment capture, new ledger reconciliation job',
  '- storefront: new panels, query caching, design-system bump',
  '- ranking and fraud: new scoring endpoints and retrained pipelines',
  '- Go services: store refactor, metrics',
  '- Kubernetes: resource requests and limits for every service',
].join('\n');

interface ActionRun {
  child: ChildRun;
  requests: { method: string; path: string; query: Record<string, string>; headFiles: number; at: number }[];
  coldStartMs: number;
  /**
   * Spawn → first request; → last files-page request (the listing); → first write (the last page's
   * download, patch parsing, the review, the comment's rendering); → exit (publish, job summary, outputs).
   */
  phases: { bootMs: number; listingMs: number; reviewAndRenderMs: number; publishAndExitMs: number };
  commentLength: number;
  outputs: Record<string, string>;
  findingsByRule: Record<string, number>;
  reviewedFiles: number;
  skippedFiles: number;
}

interface CliRun {
  child: ChildRun;
  findings: number;
  reviewedFiles: number;
}

/** `name<<delimiter\nvalue\ndelimiter` blocks, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) if (m[1] !== undefined) out[m[1]] = m[3] ?? '';
  for (const line of text.split('\n')) {
    const simple = /^([\w-]+)=(.*)$/.exec(line);
    if (simple?.[1] !== undefined) out[simple[1]] = simple[2] ?? '';
  }
  return out;
}

const HEAD_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** How many files at the head SHA a request reads: 1 for a contents-API read, one per expression for the GraphQL blob query. */
function headFilesOf(r: { method: string; path: string; query: Record<string, string>; body?: unknown }): number {
  if (r.path.includes('/contents/') && r.query.ref === HEAD_SHA) return 1;
  if (r.method !== 'POST' || r.path !== '/graphql') return 0;
  const variables = (r.body as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
  return Object.values(variables).filter((v) => typeof v === 'string' && v.startsWith(`${HEAD_SHA}:`)).length;
}

function isHeadRead(r: { headFiles: number }): boolean {
  return r.headFiles > 0;
}

function routeOf(r: { method: string; path: string; headFiles: number }): string {
  if (r.path === '/graphql') return `POST /graphql (${r.headFiles} head files)`;
  if (isHeadRead(r)) return 'GET /contents/<file> at head';
  return `${r.method} ${r.path.replace(`/repos/${OWNER}/${REPO}`, '').replace(/\/\d+(?=\/|$)/g, '/:n')}`;
}

function tail(text: string, n = 2000): string {
  return text.length > n ? `…${text.slice(-n)}` : text;
}

/**
 * The two configurations of the checks-overhead comparison: the same config file in both, so both
 * runs make the same requests; one turns every built-in rule off. Both publish the same way (the
 * summary comment only, no inline review or check run): what is compared is the checks, not the
 * paced writes that posting their findings costs (GitHub asks for a second between writes).
 */
const SAME_PUBLISHING = { 'INPUT_INLINE-COMMENTS': 'false', 'INPUT_CHECK-RUN': 'false' };
const CONFIG_RULES_ON = 'rules: {}\n';
const CONFIG_RULES_OFF = `rules:\n${[...RULES.keys()].map((id) => `  ${id}: off`).join('\n')}\n`;

async function runAction(
  pr: GeneratedPullRequest,
  work: string,
  run: number | string,
  config?: string,
  inputs: Record<string, string> = {},
  latencyMs = LATENCY_MS,
): Promise<ActionRun> {
  const fake = await startFakeGitHub();
  const proxy = latencyMs > 0 ? await startLatencyProxy(fake.url, latencyMs) : undefined;
  const dir = join(work, `action-${run}`);
  mkdirSync(join(dir, 'runner-temp'), { recursive: true });
  mkdirSync(join(dir, 'workspace'), { recursive: true });
  try {
    fake.addPullRequest(OWNER, REPO, {
      number: PR_NUMBER, title: PR_TITLE, body: PR_BODY, user: 'dana',
      head: { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'platform-q3' },
      base: { sha: 'ffeeddccbbaa99887766554433221100ffeeddcc', ref: 'main' },
      files: pr.fakeFiles,
    });
    // The repository exists in every run (a README at the base), so the head-file query finds it. The
    // generated change has patches only, no whole files: the head files asked for come back absent,
    // and the figures count the cost of asking, not of checking longer files.
    fake.setContents(OWNER, REPO, 'ffeeddccbbaa99887766554433221100ffeeddcc', 'README.md', '# shop\n');
    if (config !== undefined) fake.setContents(OWNER, REPO, 'ffeeddccbbaa99887766554433221100ffeeddcc', '.github/architect-review.yml', config);
    // When each request arrived, in this process's clock (the fake records them in order).
    const arrivals: number[] = [];
    const push = fake.requests.push.bind(fake.requests);
    fake.requests.push = (...items: FakeRequest[]): number => {
      for (let i = 0; i < items.length; i++) arrivals.push(performance.now());
      return push(...items);
    };

    const eventPath = join(dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify({
      action: 'opened',
      number: PR_NUMBER,
      pull_request: {
        number: PR_NUMBER, title: PR_TITLE, body: PR_BODY, user: { login: 'dana' }, labels: [], draft: false,
        head: { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'platform-q3', repo: { full_name: `${OWNER}/${REPO}` } },
        base: { sha: 'ffeeddccbbaa99887766554433221100ffeeddcc', ref: 'main', repo: { full_name: `${OWNER}/${REPO}` } },
        changed_files: pr.stats.files,
      },
      repository: { full_name: `${OWNER}/${REPO}` },
    }));
    const summaryFile = join(dir, 'step-summary.md');
    const outputFile = join(dir, 'output.txt');
    writeFileSync(summaryFile, '');
    writeFileSync(outputFile, '');
    const runnerTemp = join(dir, 'runner-temp');
    const env = cleanEnv({
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_API_URL: proxy?.url ?? fake.url,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: join(dir, 'workspace'),
      RUNNER_TEMP: runnerTemp,
      'INPUT_GITHUB-TOKEN': 'bench-token',
      'INPUT_FAIL-ON': 'none',
      INPUT_COMMENT: 'true',
      'INPUT_BUILTIN-AGENTS': 'true',
      'INPUT_AGENTS-PATH': '',
      'INPUT_REPORT-PATH': '',
      ...inputs,
    });

    const child = await runNode(ACTION, [], env, { cwd: join(dir, 'workspace'), nodeFlags: NODE_FLAGS });
    const diagnostics = `\n--- stdout ---\n${tail(child.stdout)}\n--- stderr ---\n${tail(child.stderr)}`;

    // Functional checks: a broken action makes the figures meaningless.
    expect(child.code, `action exit code (run ${run})${diagnostics}`).toBe(0);
    const comments = fake.comments(OWNER, REPO, PR_NUMBER);
    const ours = comments.filter((c) => c.body.includes(MARKER));
    expect(ours.length, `comments carrying ${MARKER} (run ${run})${diagnostics}`).toBe(1);
    const comment = ours[0]?.body ?? '';
    expect(comment.length, 'comment length').toBeLessThanOrEqual(COMMENT_LIMIT);
    const outputText = readFileSync(outputFile, 'utf8');
    const outputs = parseOutputs(outputText);
    expect(outputs, `GITHUB_OUTPUT:\n${outputText}${diagnostics}`).toHaveProperty('status');
    expect(outputs, `GITHUB_OUTPUT:\n${outputText}${diagnostics}`).toHaveProperty('findings-count');

    const requests = fake.requests.map((r, i) => ({ method: r.method, path: r.path, query: r.query, headFiles: headFilesOf(r), at: arrivals[i] ?? NaN }));
    const first = requests[0]?.at ?? NaN;
    const files = requests.filter((r) => /\/pulls\/\d+\/files$/.test(r.path));
    const lastFiles = files[files.length - 1]?.at ?? NaN;
    // The first write: the review is done and rendered (the previous review is read during the listing, so no read marks it).
    const firstWrite = requests.find((r) => r.method !== 'GET' && r.path !== '/graphql')?.at ?? NaN;

    let findingsByRule: Record<string, number> = {};
    let reviewedFiles = NaN;
    let skippedFiles = NaN;
    const reportPath = join(runnerTemp, 'architect-review/report.json');
    if (existsSync(reportPath)) {
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { findings: { rule: string }[]; coverage: { reviewed: string[]; skipped: unknown[] } };
      findingsByRule = {};
      for (const f of report.findings) findingsByRule[f.rule] = (findingsByRule[f.rule] ?? 0) + 1;
      reviewedFiles = report.coverage.reviewed.length;
      skippedFiles = report.coverage.skipped.length;
    }
    return {
      child,
      requests,
      coldStartMs: first - child.spawnedAt,
      phases: {
        bootMs: first - child.spawnedAt,
        listingMs: lastFiles - first,
        reviewAndRenderMs: firstWrite - lastFiles,
        publishAndExitMs: child.exitedAt - firstWrite,
      },
      commentLength: comment.length,
      outputs,
      findingsByRule,
      reviewedFiles,
      skippedFiles,
    };
  } finally {
    await proxy?.close();
    await fake.close();
  }
}

async function runCliOnDiff(diffFile: string, work: string): Promise<CliRun> {
  const cwd = join(work, 'cli-cwd');
  mkdirSync(cwd, { recursive: true });
  const child = await runNode(CLI, ['review', '--diff', diffFile, '--format', 'json'], cleanEnv({}), { cwd, nodeFlags: NODE_FLAGS });
  expect(child.code, `CLI exit code\n--- stderr ---\n${tail(child.stderr)}`).toBe(0);
  const report = JSON.parse(child.stdout) as { findings: unknown[]; coverage: { reviewed: string[] } };
  return { child, findings: report.findings.length, reviewedFiles: report.coverage.reviewed.length };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const mb = (kb: number | undefined): number => (kb === undefined ? NaN : kb / 1024);

describe('Architect Review benchmark', () => {
  const work = mkdtempSync(join(tmpdir(), 'architect-review-bench-'));
  const actionRuns: ActionRun[] = [];
  const checkedRuns: ActionRun[] = [];
  const uncheckedRuns: ActionRun[] = [];
  const checkedRemote: ActionRun[] = [];
  const uncheckedRemote: ActionRun[] = [];
  const cliRuns: CliRun[] = [];
  let pr: GeneratedPullRequest | undefined;
  let generationMs = NaN;
  const loadAtStart = loadavg();
  const droppedEnv = Object.keys(process.env).filter((k) => /^(NODE_OPTIONS|NODE_EXTRA_CA_CERTS)$/.test(k) && DROPPED_ENV.test(k));

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (!pr) return;
    const stats = pr.stats;
    const requestTarget = Math.ceil(stats.files / 100) + 3;
    const figures: Figure[] = [
      { label: 'action wall time', unit: 's', values: actionRuns.map((r) => r.child.wallMs), target: { op: '<', value: 3000 } },
      { label: 'action peak RSS', unit: 'MB', values: actionRuns.map((r) => mb(r.child.maxRssKb)), target: { op: '<', value: 250 } },
      // Reads of whole head files (at the head SHA) are counted apart: the target was set for the listing,
      // configuration/agents, comments and publishing; the rules ask for head files only where the diff cannot settle a question.
      { label: 'GitHub requests (base flow)', unit: '', values: actionRuns.map((r) => r.requests.filter((q) => !isHeadRead(q)).length), target: { op: '≤', value: requestTarget } },
      { label: 'head files asked for', unit: '', values: actionRuns.map((r) => r.requests.reduce((n, q) => n + q.headFiles, 0)) },
      { label: 'requests reading them', unit: '', values: actionRuns.map((r) => r.requests.filter(isHeadRead).length) },
      { label: 'cold start to 1st request', unit: 'ms', values: actionRuns.map((r) => r.coldStartMs), target: { op: '<', value: 200 } },
      ...(checkedRuns.length > 0 && uncheckedRuns.length > 0
        ? [{
            label: 'offline checks overhead',
            unit: '%',
            // Each pair ran back to back; the median of the pairs' ratios resists the machine's drift.
            values: checkedRuns.map((r, i) => 100 * (r.child.wallMs / (uncheckedRuns[i]?.child.wallMs ?? NaN) - 1)),
            target: { op: '≤', value: 30 },
          }, ...(checkedRemote.length > 0 && uncheckedRemote.length > 0
            ? [{
                // No target of its own: the figure above, with every GitHub response REALISTIC_LATENCY_MS away.
                label: `same, GitHub ${REALISTIC_LATENCY_MS} ms away`,
                unit: '%',
                values: checkedRemote.map((r, i) => 100 * (r.child.wallMs / (uncheckedRemote[i]?.child.wallMs ?? NaN) - 1)),
              }]
            : []), {
            // The same pairs in CPU time (no target): a cross-check when other work shares the machine and stretches wall times.
            label: 'checks overhead, CPU time',
            unit: '%',
            values: checkedRuns.map((r, i) => 100 * ((r.child.cpuMs ?? NaN) / (uncheckedRuns[i]?.child.cpuMs ?? NaN) - 1)),
          }]
        : []),
      { label: 'CLI wall time (diff)', unit: 's', values: cliRuns.map((r) => r.child.wallMs) },
      { label: 'CLI peak RSS (diff)', unit: 'MB', values: cliRuns.map((r) => mb(r.child.maxRssKb)) },
    ].filter((f) => f.values.length > 0) as Figure[];

    const phase = (key: keyof ActionRun['phases']): string => `${Math.round(median(actionRuns.map((r) => r.phases[key])))} ms`;
    const routes = new Map<string, number>();
    for (const r of actionRuns[0]?.requests ?? []) routes.set(routeOf(r), (routes.get(routeOf(r)) ?? 0) + 1);
    const last = actionRuns[actionRuns.length - 1];
    const planted = Object.entries(stats.planted).map(([rule, n]) => `${rule} ${last?.findingsByRule[rule] ?? 0}/${n}`).join(', ');
    const cli = cliRuns[cliRuns.length - 1];

    const lines = [
      '',
      table(`Architect Review benchmark (${fmt(stats.files)} files, ${fmt(stats.changedLines)} changed lines; ${actionRuns.length} action runs, ${cliRuns.length} CLI runs; ✓/✗ on the median)`, figures),
      '',
      `  action phases (median)    boot→1st request ${phase('bootMs')} · file listing ${phase('listingMs')} · review+render ${phase('reviewAndRenderMs')} · publish+summary+exit ${phase('publishAndExitMs')}`,
      `  requests (run 1)          ${[...routes].map(([route, n]) => `${n}× ${route}`).join(', ')}`,
      ...(last
        ? [
            `  action result             status ${last.outputs.status ?? '?'}, ${last.outputs['findings-count'] ?? '?'} findings, ${fmt(last.reviewedFiles)} files reviewed, ${fmt(last.skippedFiles)} not, comment ${fmt(last.commentLength)} chars`,
            `  planted vs found          ${planted}`,
          ]
        : []),
      ...(cli ? [`  CLI result                ${cli.findings} findings, ${fmt(cli.reviewedFiles)} files reviewed`] : []),
      `  generated PR              +${fmt(stats.additions)} −${fmt(stats.deletions)}, ${Object.entries(stats.byStatus).map(([s, n]) => `${n} ${s}`).join(', ')}; ` +
        `without patch: ${stats.withoutPatch.binary} binary, ${stats.withoutPatch.tooLarge} too large, ${stats.withoutPatch.pureRename} pure renames; ` +
        `patches ${(stats.patchBytes / 1e6).toFixed(1)} MB; generated in ${Math.round(generationMs)} ms`,
      `  machine                   node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'cpu'}, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start; RSS in MiB (maxRSS KiB / 1024)`,
      `  children                  ${relative(ROOT, ACTION)} and ${relative(ROOT, CLI)}${NODE_FLAGS.length > 0 ? ` with ${NODE_FLAGS.join(' ')}` : ''}` +
        `${LATENCY_MS > 0 ? `; GitHub responses held ${LATENCY_MS} ms each (BENCH_LATENCY_MS)` : ''}` +
        `${droppedEnv.length > 0 ? `; dropped from their env: ${droppedEnv.join(', ')}` : ''}`,
      '',
    ];
    console.log(lines.join('\n'));

    const summary = Object.fromEntries(figures.map((f) => [f.label, {
      // Times are kept in ms, whatever the table shows; RSS in MiB.
      unit: f.unit === 's' ? 'ms' : f.unit === 'MB' ? 'MiB' : f.unit || 'count', median: median(f.values), max: max(f.values), values: f.values,
      ...(f.target ? { target: `${f.target.op} ${f.target.value}`, met: meets(f) } : {}),
    }]));
    mkdirSync(join(ROOT, '.bench'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify({
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      loadAverageAtStart: loadAtStart,
      actionEntry: relative(ROOT, ACTION),
      nodeFlags: NODE_FLAGS,
      latencyMs: LATENCY_MS,
      droppedEnv,
      pullRequest: { ...stats, generationMs },
      summary,
      action: actionRuns.map((r) => ({
        wallMs: r.child.wallMs, maxRssKb: r.child.maxRssKb, requests: r.requests.length, coldStartMs: r.coldStartMs,
        phases: r.phases, requestsByRoute: Object.fromEntries([...r.requests.reduce((m, q) => m.set(routeOf(q), (m.get(routeOf(q)) ?? 0) + 1), new Map<string, number>())]),
        status: r.outputs.status, findingsCount: Number(r.outputs['findings-count']), findingsByRule: r.findingsByRule,
        reviewedFiles: r.reviewedFiles, skippedFiles: r.skippedFiles, commentLength: r.commentLength,
        /** Each request as the fake received it, in ms since the spawn. */
        timeline: r.requests.map((q) => `${Math.round(q.at - r.child.spawnedAt)} ms ${q.method} ${q.path}`),
      })),
      /** The checks-overhead pairs, each run back to back: all rules off and all on, in the order `order` says. */
      overheadPairs: checkedRuns.map((on, i) => {
        const off = uncheckedRuns[i];
        const brief = (r: ActionRun | undefined): object | undefined =>
          r && { wallMs: Math.round(r.child.wallMs), cpuMs: Math.round(r.child.cpuMs ?? NaN), phases: r.phases, headReads: r.requests.reduce((n, q) => n + q.headFiles, 0), headReadRequests: r.requests.filter(isHeadRead).length, requests: r.requests.length,
            timeline: r.requests.map((q) => `${Math.round(q.at - r.child.spawnedAt)} ms ${q.method} ${q.path}`), exitMs: Math.round(r.child.exitedAt - r.child.spawnedAt) };
        return { order: i % 2 === 0 ? 'off, then on' : 'on, then off', off: brief(off), on: brief(on) };
      }),
      cli: cliRuns.map((r) => ({ wallMs: r.child.wallMs, maxRssKb: r.child.maxRssKb, findings: r.findings, reviewedFiles: r.reviewedFiles })),
    }, null, 2)}\n`);
    console.log(`  results written to ${RESULTS}\n`);
  });

  it('the built action reviews a 3000-file pull request through the fake GitHub', async () => {
    for (const file of [ACTION, CLI]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run bundle\` first (npm run bench does).`);
    }
    const started = performance.now();
    pr = generatePullRequest();
    generationMs = performance.now() - started;
    for (let run = 1; run <= RUNS; run++) actionRuns.push(await runAction(pr, work, run));
  });

  it('the offline checks add a bounded share of the wall time (all rules on vs all off)', async () => {
    pr ??= generatePullRequest();
    const generated = pr;
    // Each pair back to back, in turn off first and on first, so a machine getting busier or quieter
    // favours neither (exactly so with an even number of pairs).
    const pair = async (run: number, latencyMs: number, off: ActionRun[], on: ActionRun[]): Promise<void> => {
      const where = latencyMs === LATENCY_MS ? '' : 'remote-';
      const runOff = async (): Promise<void> => void off.push(await runAction(generated, work, `off-${where}${run}`, CONFIG_RULES_OFF, SAME_PUBLISHING, latencyMs));
      const runOn = async (): Promise<void> => void on.push(await runAction(generated, work, `on-${where}${run}`, CONFIG_RULES_ON, SAME_PUBLISHING, latencyMs));
      if (run % 2 === 1) {
        await runOff();
        await runOn();
      } else {
        await runOn();
        await runOff();
      }
    };
    for (let run = 1; run <= PAIRS; run++) await pair(run, LATENCY_MS, uncheckedRuns, checkedRuns);
    expect(uncheckedRuns.every((r) => r.outputs['findings-count'] === '0')).toBe(true);
    // The same pairs with GitHub a round trip away (REALISTIC_LATENCY_MS per response), as on a runner.
    if (LATENCY_MS === 0) {
      for (let run = 1; run <= PAIRS; run++) await pair(run, REALISTIC_LATENCY_MS, uncheckedRemote, checkedRemote);
    }
  });

  it('the built CLI reviews the same change from a unified diff', async () => {
    pr ??= generatePullRequest();
    const diffFile = join(work, 'change.diff');
    writeFileSync(diffFile, pr.unifiedDiff);
    for (let run = 1; run <= RUNS; run++) cliRuns.push(await runCliOnDiff(diffFile, work));
  });
});
