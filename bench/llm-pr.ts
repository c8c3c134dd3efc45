/**
 * The LLM benchmark's pull request: 50 files assembled from the hand-written evaluation fixtures
 * (test/fixtures/prs), so the model is sent real code with real problems, not generated filler. The
 * mix is what an ML platform team's quarter-end PR touches: ML serving and inference endpoints,
 * feature and training code, infrastructure (Kubernetes, Helm, Terraform, Docker) and backend
 * services, plus the docs, tests, lockfile and CI file such a PR also carries (routed to no agent).
 * `inServices` spreads the same change over several services of a monorepo: a bigger PR, for a
 * review in which every agent needs several calls. `fakeAnswer` is the fake model: what it answers to
 * a review request, read from the request itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUnifiedDiff } from '../src/changeset/diff.js';
import type { ChangeSet, ChangedFile } from '../src/changeset/types.js';
import type { LlmAnswer } from '../src/llm/types.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/prs/', import.meta.url));

/** [fixture number, path in its diff]: each file keeps its path, so routing sees what it would in the fixture. */
const PICKS: readonly (readonly [string, string])[] = [
  // ML serving and inference
  ['01', 'serving/app.py'], ['02', 'inference/api.py'], ['03', 'serving/admin.py'], ['04', 'serving/main.py'],
  ['08', 'serving/credit_limit.py'], ['12', 'src/inference/rerank.ts'], ['12', 'src/inference/index.ts'],
  ['13', 'services/sentiment/service.py'], ['13', 'services/sentiment/bentofile.yaml'], ['16', 'elasticity/predict.py'],
  ['16', 'elasticity/Dockerfile'], ['16', 'elasticity/requirements.txt'], ['17', 'serving/ranker.py'],
  ['18', 'serving/embeddings.py'], ['42', 'serving/server.py'], ['61', 'serving/credit_risk/predictor.py'],
  ['62', 'services/tagger/src/server.ts'], ['62', 'services/tagger/package.json'], ['63', 'serving/ltv/app.py'],
  // Feature code and training
  ['09', 'feature_repo/driver_features.py'], ['14', 'serving/transform.py'], ['14', 'training/features.py'],
  ['55', 'jobs/churn_batch_score.py'], ['39', 'infra/feature-store/dynamodb.tf'], ['10', 'training/train_churn.py'],
  ['11', 'pipelines/pricing/publish.py'], ['44', 'forecasting/train.py'],
  // Infrastructure
  ['05', 'k8s/fraud/inferenceservice.yaml'], ['06', 'k8s/recsys/inferenceservice.yaml'], ['15', 'charts/lead-scoring/values.yaml'],
  ['32', 'k8s/ranking-api/deployment.yaml'], ['55', 'k8s/jobs/churn-batch-score.yaml'],
  ['38', 'charts/search-api/templates/deployment.yaml'], ['34', 'infra/terraform/rds.tf'], ['64', 'k8s/orders-api/deployment.yaml'],
  // Backend services
  ['19', 'app/api/orders.py'], ['21', 'app/routes/customers.py'], ['22', 'src/routes/refunds.ts'], ['26', 'api/routes/exports.py'],
  ['27', 'internal/audit/handler.go'], ['28', 'app/routers/reports.py'], ['30', 'internal/geo/provider.go'],
  ['41', 'internal/ratelimit/middleware.go'], ['54', 'quotes/service.py'], ['59', 'crm/api/customers.py'],
  // Routed to no agent: docs, tests, lockfile, CI
  ['45', 'docs/adr/0012-redis-feast-online-store.md'], ['46', 'tests/test_scoring_api.py'], ['46', 'tests/conftest.py'],
  ['47', 'package-lock.json'], ['57', '.github/workflows/ci.yml'],
];

const TITLE = 'ML platform Q3: scoring endpoints, feature pipelines, serving infrastructure and backend fixes';
const BODY = [
  'Brings the ML platform work of the quarter to main in one go, as agreed with the release managers.',
  '',
  '**Serving.** New scoring endpoints for churn, fraud, credit limit, LTV, elasticity and sentiment; the ONNX',
  're-ranker moves into the search API; the embeddings service runs on Ray Serve; the tagger moves to tfjs-node.',
  '',
  '**Features and training.** Driver features get a new feature service; training and serving share the',
  'transaction transforms; the churn batch-scoring job and the pricing model publisher are new; training runs',
  'register their models in MLflow.',
  '',
  '**Infrastructure.** KServe InferenceServices for fraud and recsys, a Helm bump for lead scoring, the ranking',
  'API deployment, the online store table in Terraform, the orders database rename.',
  '',
  '**Backend.** Orders, customers, refunds, exports, reports, audit log, geo and rate limiting: the changes',
  'the serving work needed, plus the refactor of the quotes pricing client.',
  '',
  'Tested in staging for a week; dashboards are linked in the release ticket.',
].join('\n');

function fixtureDir(number: string): string {
  const name = readdirSync(FIXTURES).find((d) => d.startsWith(`${number}-`));
  if (!name) throw new Error(`No fixture ${number}-* in ${FIXTURES}: the LLM benchmark's PICKS name fixtures that must exist.`);
  return join(FIXTURES, name);
}

/** The 50-file pull request, parsed as the CLI parses a diff. */
export function fiftyFilePullRequest(): ChangeSet {
  const diffs = new Map<string, ChangedFile[]>();
  const files: ChangedFile[] = [];
  for (const [number, path] of PICKS) {
    let parsed = diffs.get(number);
    if (!parsed) {
      parsed = parseUnifiedDiff(readFileSync(join(fixtureDir(number), 'pr.diff'), 'utf8')).files;
      diffs.set(number, parsed);
    }
    const file = parsed.find((f) => f.path === path);
    if (!file) throw new Error(`Fixture ${number} has no file ${path}.`);
    if (files.some((f) => f.path === path)) throw new Error(`${path} is picked twice.`);
    files.push(file);
  }
  return { pr: { title: TITLE, body: BODY, labels: [], fork: false }, files, skipped: [] };
}

/** The same change made in each of `services` (paths under services/<name>/): one bigger monorepo PR. */
export function inServices(change: ChangeSet, services: readonly string[]): ChangeSet {
  const files = services.flatMap((service) =>
    change.files.map((f) => ({
      ...f,
      path: `services/${service}/${f.path}`,
      ...(f.previousPath === undefined ? {} : { previousPath: `services/${service}/${f.previousPath}` }),
    })),
  );
  const title = `${change.pr.title} (${services.join(', ')})`;
  const body = `${change.pr.body}\n\nThe same change lands in each service: ${services.join(', ')}.`;
  return { pr: { ...change.pr, title, body }, files, skipped: [] };
}

export interface PrStats {
  files: number;
  additions: number;
  deletions: number;
  hunks: number;
}

export function prStats(change: ChangeSet): PrStats {
  let additions = 0;
  let deletions = 0;
  let hunks = 0;
  for (const f of change.files) {
    additions += f.additions;
    deletions += f.deletions;
    hunks += f.hunks.length;
  }
  return { files: change.files.length, additions, deletions, hunks };
}

// ---------------------------------------------------------------------------------------------
// The fake model's answers
// ---------------------------------------------------------------------------------------------

interface ShownLine {
  line: number;
  added: boolean;
  text: string;
}

interface ShownFile {
  path: string;
  lines: ShownLine[];
}

/** The data block `name` of a review request's user message, as prompt.ts delimits it with the run's nonce. */
export function dataBlock(text: string, name: string): string {
  const nonce = /nonce="([^"]+)"/.exec(text)?.[1] ?? '';
  const open = `<untrusted-${name} nonce="${nonce}">\n`;
  const start = text.indexOf(open);
  const end = text.indexOf(`\n</untrusted-${name} nonce="${nonce}">`, start);
  return start < 0 || end < 0 ? '' : text.slice(start + open.length, end);
}

/** The files and numbered head lines shown in the diff block (pack.ts: "12 + text", "12   text", "-7 - text"). */
function shownFiles(diff: string): ShownFile[] {
  const files: ShownFile[] = [];
  for (const row of diff.split('\n')) {
    const heading = /^### File: (.+) \((?:added|modified|removed|renamed|copied)(?: from .*)?\)$/.exec(row);
    if (heading?.[1]) {
      files.push({ path: heading[1], lines: [] });
      continue;
    }
    const numbered = /^\s*(\d+) ([+ ]) (.*)$/.exec(row);
    const file = files[files.length - 1];
    if (numbered?.[1] && file) file.lines.push({ line: Number(numbered[1]), added: numbered[2] === '+', text: numbered[3] ?? '' });
  }
  return files;
}

type RequestBody = { messages: { content: string | { type: string; text?: string }[] }[] };

/** The text of a review request's user message. */
export function userText(body: RequestBody): string {
  const content = body.messages[0]?.content ?? '';
  return typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('\n');
}

type Finding = LlmAnswer['findings'][number];

/** What a reviewer says about an added line, when it says something: a handful of common problems. */
const PATTERNS: { test: RegExp; unless?: RegExp; say: (line: ShownLine) => Omit<Finding, 'file' | 'line'> }[] = [
  {
    test: /\brequests\.(get|post|put|patch|delete)\(/,
    unless: /timeout/,
    say: () => ({
      severity: 'medium',
      title: 'HTTP call has no timeout',
      message: 'requests waits forever by default: one slow dependency holds this worker, and under load every worker, until the service stops answering health checks and is restarted mid-request.',
      remedy: 'Pass timeout=(connect, read) sized from the dependency latency SLO, and map a timeout to a 503 the caller can retry.',
    }),
  },
  {
    test: /\b(joblib\.load|pickle\.loads?|torch\.load|InferenceSession)\(/,
    say: () => ({
      severity: 'high',
      title: 'Model load in the request path on every call',
      message: 'The artifact is deserialised inside the handler, so each request pays the full load (hundreds of milliseconds for a tree ensemble, seconds for a transformer) and memory grows with concurrency; p99 latency will breach the SLO at the first traffic peak.',
      remedy: 'Load the model once at start-up (lifespan hook or module scope), warm it with a dummy prediction, and report ready only after that.',
    }),
  },
  {
    test: /\bboto3\.client\(|redis\.Redis\(|redis\.NewClient\(/,
    say: () => ({
      severity: 'medium',
      title: 'Client created per request',
      message: 'A new client per call opens new connections and repeats credential and DNS resolution each time; at the target request rate this exhausts sockets and adds tens of milliseconds to every call.',
      remedy: 'Create the client once per process and reuse it; it is safe for concurrent use.',
    }),
  },
  {
    test: /\bSELECT\b/i,
    unless: /\bLIMIT\b/i,
    say: () => ({
      severity: 'medium',
      title: 'Query reads an unbounded number of rows',
      message: 'Nothing bounds the result: the query grows with the table, and one large tenant turns this endpoint into a full scan that holds a connection from the pool for seconds.',
      remedy: 'Page the query (keyset pagination on the indexed column) and cap the page size.',
    }),
  },
  {
    test: /image:\s*\S+:latest\b|storageUri:.*latest/,
    say: () => ({
      severity: 'medium',
      title: 'Deployment pinned to a moving latest tag',
      message: 'latest changes under a running deployment: two pods can serve different versions, and a rollback redeploys whatever latest is now rather than what ran before.',
      remedy: 'Pin an immutable version or digest and bump it in the PR that ships it.',
    }),
  },
  {
    test: /\btime\.sleep\(|\bprint\(/,
    say: (line) => ({
      severity: 'low',
      title: line.text.includes('sleep') ? 'Sleep in the serving path' : 'print instead of the service logger',
      message: line.text.includes('sleep')
        ? 'A fixed sleep blocks the worker and hides the real wait condition; under load it multiplies into queueing delay.'
        : 'print bypasses the structured logger: the line has no request id, level or JSON shape, so it is lost in the log pipeline.',
      remedy: line.text.includes('sleep') ? 'Wait on the actual condition with a bounded retry and backoff.' : 'Use the module logger with the request context.',
    }),
  },
];

const MAX_FINDINGS = 4;

/**
 * A realistic answer to one review request, through the answer tool: up to four findings on added
 * lines that show a common problem, a question when the change leans on configuration the diff does
 * not show, and verdicts for a few checklist items the offline checks left open.
 */
export function fakeAnswer(body: RequestBody): LlmAnswer {
  const text = userText(body);
  const files = shownFiles(dataBlock(text, 'diff'));
  const findings: Finding[] = [];
  const questions: LlmAnswer['questions'] = [];
  for (const file of files) {
    for (const line of file.lines) {
      if (!line.added || findings.length >= MAX_FINDINGS) continue;
      const pattern = PATTERNS.find((p) => p.test.test(line.text) && !p.unless?.test(line.text));
      if (pattern) findings.push({ file: file.path, line: line.line, ...pattern.say(line) });
      const env = /os\.environ\[["'](\w+)["']\]|process\.env\.(\w+)/.exec(line.text);
      if (env && questions.length === 0) {
        questions.push({ file: file.path, line: line.line, question: `Is ${env[1] ?? env[2]} set in every environment this deploys to? The diff reads it without a default, so a missing value fails at start-up.` });
      }
    }
  }
  if (questions.length === 0) questions.push({ question: 'How is this change rolled back if it misbehaves in production: is there a flag, or only a revert and redeploy?' });
  const open = dataBlock(text, 'checklist')
    .split('\n')
    .map((row) => /^- ([^:\s]+): .* \| offline: not checked$/.exec(row)?.[1])
    .filter((id): id is string => id !== undefined);
  const where = files[0] ? `${files[0].path}:${files[0].lines.find((l) => l.added)?.line ?? 1}` : 'the diff';
  const checklist = open.slice(0, 5).map((id, i) => ({
    id,
    verdict: (['needs_info', 'pass', 'not_applicable', 'pass', 'not_applicable'] as const)[i] ?? 'not_applicable',
    evidence: i === 0 ? `The diff does not show how ${where} behaves when its dependency is down.` : `Judged from the changed lines of ${where} and the files after it.`,
  }));
  return { checklist, findings, questions };
}

