/** Running a built entry point as a child process and measuring it; the figures table. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Preloaded into every child: writes its peak RSS to BENCH_RSS_FILE on exit. */
const PROBE = new URL('./rss-probe.mjs', import.meta.url).href;

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() just before spawn and at the child's exit, in this process's clock. */
  spawnedAt: number;
  exitedAt: number;
  wallMs: number;
  /** Peak resident set size of the child, from process.resourceUsage().maxRSS (kilobytes). */
  maxRssKb: number | undefined;
  /**
   * CPU time the child used (user + system, all its threads), in ms: unlike wall time, it hardly
   * grows when other work shares the machine's cores.
   */
  cpuMs: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * What cleanEnv drops: the real runner's and the test harness's variables, and node settings a
 * GitHub-hosted runner does not have. NODE_EXTRA_CA_CERTS in particular makes node parse a CA bundle
 * before it runs anything (~35 ms per start on these machines) and the fake server is plain HTTP.
 */
export const DROPPED_ENV = /^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|VITEST|TINYPOOL|NODE_OPTIONS$|NODE_ENV$|NODE_EXTRA_CA_CERTS$)/i;

/** The environment a child starts with: this process's minus DROPPED_ENV, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (DROPPED_ENV.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `node --import rss-probe.mjs <script> ...args` and waits for it to exit. */
export async function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, options: { cwd: string; nodeFlags?: string[] }): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'architect-review-rss-'));
  const rssFile = join(dir, 'maxrss');
  try {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', PROBE, script, ...args], {
      cwd: options.cwd,
      env: { ...env, BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const { code, signal, exitedAt } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; exitedAt: number }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve({ code: c, signal: s, exitedAt: performance.now() }));
    });
    // 'close' follows 'exit' once the pipes are drained.
    if (child.stdout.readable || child.stderr.readable) await new Promise((resolve) => child.once('close', resolve));
    let maxRssKb: number | undefined;
    let cpuMs: number | undefined;
    try {
      const [rss, user, system] = readFileSync(rssFile, 'utf8').trim().split(/\s+/).map(Number);
      maxRssKb = rss;
      cpuMs = user === undefined || system === undefined ? undefined : (user + system) / 1000;
    } catch {
      maxRssKb = undefined;
    }
    return {
      code, signal, spawnedAt, exitedAt, wallMs: exitedAt - spawnedAt, maxRssKb, cpuMs,
      stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export const max = (values: readonly number[]): number => Math.max(...values);

/** A figure of the table: how to show it and, when it has one, its target. */
export interface Figure {
  label: string;
  unit: 's' | 'ms' | 'MB' | '%' | '';
  values: number[];
  target?: { op: '<' | '≤'; value: number };
}

export function formatValue(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 's': return `${(value / 1000).toFixed(2)} s`;
    case 'ms': return `${Math.round(value)} ms`;
    case 'MB': return `${Math.round(value)} MB`;
    case '%': return `${value.toFixed(1)} %`;
    default: return `${Math.round(value)}`;
  }
}

const targetValue = (f: Figure): string => {
  if (!f.target) return '';
  const v = f.unit === 's' ? `${f.target.value / 1000} s` : f.unit === '' ? `${f.target.value}` : `${f.target.value} ${f.unit}`;
  return `${f.target.op} ${v}`;
};

/** Whether the figure's median meets its target; undefined when it has none. */
export function meets(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  const m = median(f.values);
  return f.target.op === '<' ? m < f.target.value : m <= f.target.value;
}

export function table(title: string, figures: readonly Figure[]): string {
  const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - [...s].length));
  const lines = [title, `  ${pad('', 28)}${pad('median', 11)}${pad('max', 11)}target`];
  for (const f of figures) {
    const ok = meets(f);
    const mark = ok === undefined ? '' : ok ? '✓' : '✗';
    const target = f.target ? `target ${targetValue(f)}` : '';
    lines.push(`  ${pad(f.label, 28)}${pad(formatValue(median(f.values), f.unit), 11)}${pad(formatValue(max(f.values), f.unit), 11)}${pad(target, 20)}${mark}`.trimEnd());
  }
  return lines.join('\n');
}

/**
 * A pass-through HTTP proxy in front of `target` that holds every response for `latencyMs` before
 * sending it: a stand-in for GitHub's round trip, which the in-process fake does not have. Requests
 * are forwarded at once, so the fake still sees them when the client sends them.
 */
export async function startLatencyProxy(target: string, latencyMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let url = '';
  const server = createServer((req, res) => {
    const started = performance.now();
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          // Pagination links name the fake; point them back at the proxy, as GitHub's name GitHub.
          const headers = { ...answer.headers };
          if (typeof headers.link === 'string') headers.link = headers.link.split(upstream.origin).join(url);
          setTimeout(() => {
            res.writeHead(answer.statusCode ?? 502, headers).end(Buffer.concat(chunks));
          }, Math.max(0, latencyMs - (performance.now() - started)));
        });
      },
    );
    forward.on('error', (error) => res.writeHead(502).end(String(error)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
