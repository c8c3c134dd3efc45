/**
 * A large, realistic, deterministic pull request for the benchmark: ~3000 files and ~150,000 changed
 * lines across Python services (some ML serving and training code), TypeScript, Go, Kubernetes YAML,
 * compose files, dependency manifests, docs, tests and a few binary files. The same change is given
 * two ways: as the files API would list it (GitHub `patch` fields, hunks only) and as one unified
 * diff (`git diff` output) for the CLI.
 */
import type { FakeFile } from '../test/support/fake-github.js';

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny, fast, seeded PRNG; the same seed gives the same pull request. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  /** Standard normal, Box–Muller. */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const NOUNS = [
  'order', 'invoice', 'customer', 'cart', 'item', 'price', 'discount', 'shipment', 'carrier', 'address', 'payment',
  'refund', 'ledger', 'account', 'session', 'token', 'product', 'variant', 'stock', 'warehouse', 'reservation',
  'coupon', 'tax', 'rate', 'quote', 'basket', 'checkout', 'receipt', 'event', 'batch', 'record', 'score', 'feature',
  'segment', 'cohort', 'report', 'window', 'cursor', 'page', 'filter', 'query', 'result', 'config', 'limit', 'region',
];
const NOUN_SET: ReadonlySet<string> = new Set(NOUNS);
const VERBS = [
  'get', 'load', 'fetch', 'build', 'apply', 'compute', 'resolve', 'validate', 'update', 'create', 'list', 'sync',
  'merge', 'split', 'render', 'parse', 'format', 'publish', 'record', 'refresh', 'reserve', 'release', 'settle', 'score',
];
const ADJECTIVES = ['pending', 'active', 'total', 'current', 'next', 'default', 'cached', 'raw', 'final', 'partial', 'stale', 'new'];
const SERVICES = ['orders', 'billing', 'inventory', 'checkout', 'catalog', 'shipping', 'accounts', 'notifications', 'search', 'pricing'];
const MODELS = ['ranker', 'fraud', 'churn', 'recs', 'eta'];
const TS_PACKAGES = ['api-client', 'cart', 'catalog-ui', 'checkout-flow', 'design-system', 'analytics', 'auth', 'i18n', 'search-ui', 'shared'];
const TS_DIRS = ['hooks', 'services', 'utils', 'state', 'adapters', 'models', 'routes', 'lib'];
const GO_PKGS = ['handler', 'store', 'service', 'worker', 'middleware', 'config', 'events', 'metrics'];
// Not docs/architecture/: the dependency check counts a file there as a decision record and stays quiet.
const DOC_AREAS = ['design', 'runbooks', 'guides', 'api', 'onboarding', 'operations', 'product'];
const K8S_KINDS = ['deployment', 'service', 'hpa', 'configmap', 'ingress', 'pdb', 'cronjob'];
const PY_TYPES = ['int', 'str', 'float', 'bool', 'list[str]', 'dict[str, float]', 'Decimal', 'datetime'];
const TS_TYPES = ['string', 'number', 'boolean', 'Order', 'CartItem', 'Price', 'Customer', 'Shipment', 'string[]'];
const PY_DEPS: [string, string][] = [
  ['fastapi', '0.110.2'], ['pydantic', '2.7.1'], ['uvicorn', '0.29.0'], ['httpx', '0.27.0'], ['requests', '2.31.0'],
  ['structlog', '24.1.0'], ['sqlalchemy', '2.0.29'], ['alembic', '1.13.1'], ['numpy', '1.26.4'], ['pandas', '2.2.2'],
  ['scikit-learn', '1.4.2'], ['joblib', '1.4.0'], ['tenacity', '8.2.3'], ['orjson', '3.10.1'], ['prometheus-client', '0.20.0'],
  ['python-dateutil', '2.9.0'], ['pyyaml', '6.0.1'], ['click', '8.1.7'], ['boto3', '1.34.90'], ['gunicorn', '22.0.0'],
];
const NPM_DEPS: [string, string][] = [
  ['react', '18.3.1'], ['react-dom', '18.3.1'], ['zod', '3.23.4'], ['date-fns', '3.6.0'], ['clsx', '2.1.1'],
  ['@tanstack/react-query', '5.32.0'], ['lodash-es', '4.17.21'], ['nanoid', '5.0.7'], ['swr', '2.2.5'], ['immer', '10.1.1'],
];
const GO_DEPS: [string, string][] = [
  ['github.com/go-chi/chi/v5', 'v5.0.12'], ['github.com/prometheus/client_golang', 'v1.19.0'], ['go.uber.org/zap', 'v1.27.0'],
  ['github.com/google/uuid', 'v1.6.0'], ['golang.org/x/sync', 'v0.7.0'], ['github.com/stretchr/testify', 'v1.9.0'],
];

const snake = (rng: Rng): string => `${rng.chance(0.4) ? `${rng.pick(ADJECTIVES)}_` : ''}${rng.pick(NOUNS)}`;
const camel = (rng: Rng): string => {
  const s = snake(rng).split('_');
  return s.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join('');
};
const pascal = (rng: Rng): string => {
  const c = camel(rng);
  return (c[0]?.toUpperCase() ?? '') + c.slice(1);
};
const fnSnake = (rng: Rng): string => `${rng.pick(VERBS)}_${rng.pick(NOUNS)}${rng.chance(0.3) ? `_${rng.pick(NOUNS)}s` : ''}`;
const fnCamel = (rng: Rng): string => `${rng.pick(VERBS)}${pascal(rng)}`;
const sentence = (rng: Rng, words: number): string => {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(rng.chance(0.5) ? NOUNS : rng.chance(0.5) ? VERBS : ADJECTIVES));
  const text = out.join(' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
};
const bump = (version: string, rng: Rng): string => {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  const i = rng.int(1, 2);
  parts[i] = (parts[i] ?? 0) + 1;
  for (let j = i + 1; j < parts.length; j++) parts[j] = 0;
  return `${version.startsWith('v') ? 'v' : ''}${parts.join('.')}`;
};

// ---------------------------------------------------------------------------------------------
// Code, one block at a time
// ---------------------------------------------------------------------------------------------

type Lang =
  | 'python' | 'python-test' | 'typescript' | 'tsx' | 'ts-test' | 'go' | 'go-test' | 'k8s' | 'compose'
  | 'requirements' | 'package.json' | 'go.mod' | 'markdown';

function pythonBlock(rng: Rng): string[] {
  const fn = fnSnake(rng);
  const a = snake(rng);
  const b = snake(rng);
  const c = snake(rng);
  if (rng.chance(0.2)) {
    const cls = pascal(rng);
    const lines = [`class ${cls}(BaseModel):`, `    """${sentence(rng, 6)}."""`, ''];
    for (let i = rng.int(2, 6); i > 0; i--) lines.push(`    ${snake(rng)}: ${rng.pick(PY_TYPES)}${rng.chance(0.3) ? ` = ${rng.int(0, 100)}` : ''}`);
    return [...lines, '', ''];
  }
  const body = [
    `def ${fn}(${a}: ${rng.pick(PY_TYPES)}, ${b}: ${rng.pick(PY_TYPES)} = None) -> ${rng.pick(PY_TYPES)}:`,
    `    """${sentence(rng, rng.int(4, 9))}."""`,
    `    ${c} = ${b}.get("${rng.pick(NOUNS)}", ${rng.int(0, 500)}) if ${b} else ${rng.int(0, 9)}`,
  ];
  for (let i = rng.int(1, 5); i > 0; i--) {
    switch (rng.int(0, 5)) {
      case 0: body.push(`    if ${a} is None:`, `        raise ValueError("${a} is required for ${fn}")`); break;
      case 1: body.push(`    for ${rng.pick(NOUNS)} in ${b} or []:`, `        ${c} += ${rng.pick(NOUNS)}.${rng.pick(NOUNS)}_${rng.pick(['count', 'total', 'amount'])}`); break;
      case 2: body.push(`    logger.info("${fn}: ${rng.pick(NOUNS)}=%s ${rng.pick(NOUNS)}=%s", ${a}, ${c})`); break;
      case 3: body.push(`    ${snake(rng)} = ${rng.pick(['round', 'max', 'min', 'len'])}(${c}${rng.chance(0.5) ? `, ${rng.int(1, 9)}` : ''})`); break;
      case 4: body.push(`    # ${sentence(rng, rng.int(5, 11)).toLowerCase()}`); break;
      default: body.push(`    ${c} = settings.${snake(rng).toUpperCase()} * ${rng.int(2, 60)}`);
    }
  }
  body.push(`    return ${rng.chance(0.5) ? c : `{"${rng.pick(NOUNS)}": ${c}, "${rng.pick(NOUNS)}": ${a}}`}`, '', '');
  return body;
}

function pythonTestBlock(rng: Rng): string[] {
  const fn = fnSnake(rng);
  const a = snake(rng);
  return [
    `def test_${fn}_${rng.pick(['returns', 'rejects', 'handles', 'skips'])}_${rng.pick(NOUNS)}(client, ${rng.pick(['db', 'settings', 'freezer'])}):`,
    `    ${a} = make_${rng.pick(NOUNS)}(${rng.pick(NOUNS)}_id=${rng.int(1, 9999)})`,
    `    response = client.post("/v1/${rng.pick(NOUNS)}s", json={"id": ${a}.id})`,
    `    assert response.status_code == ${rng.pick([200, 201, 400, 404, 409, 422])}`,
    `    assert response.json()["${rng.pick(NOUNS)}"] == ${rng.int(0, 100)}`,
    '',
    '',
  ];
}

function typescriptBlock(rng: Rng): string[] {
  const fn = fnCamel(rng);
  const a = camel(rng);
  const b = camel(rng);
  if (rng.chance(0.2)) {
    const lines = [`export interface ${pascal(rng)} {`];
    for (let i = rng.int(2, 6); i > 0; i--) lines.push(`  ${camel(rng)}${rng.chance(0.3) ? '?' : ''}: ${rng.pick(TS_TYPES)};`);
    return [...lines, '}', ''];
  }
  const body = [`export async function ${fn}(${a}: ${rng.pick(TS_TYPES)}, options: ${pascal(rng)}Options = {}): Promise<${rng.pick(TS_TYPES)}> {`];
  body.push(`  const ${b} = await ${camel(rng)}Repository.${fnCamel(rng)}(${a}, options);`);
  for (let i = rng.int(1, 5); i > 0; i--) {
    switch (rng.int(0, 4)) {
      case 0: body.push(`  if (!${b}) {`, `    throw new NotFoundError(\`${pascal(rng)} \${${a}} not found\`);`, '  }'); break;
      case 1: body.push(`  const ${camel(rng)} = ${b}.${camel(rng)}s.filter((x) => x.${camel(rng)} > ${rng.int(0, 50)});`); break;
      case 2: body.push(`  logger.debug('${fn}', { ${a}, ${camel(rng)}: options.${camel(rng)} });`); break;
      case 3: body.push(`  // ${sentence(rng, rng.int(5, 10)).toLowerCase()}`); break;
      default: body.push(`  metrics.increment('${rng.pick(NOUNS)}.${rng.pick(VERBS)}', { region: options.region ?? 'eu-west-1' });`);
    }
  }
  body.push(`  return { ...${b}, ${camel(rng)}: ${rng.int(0, 1000)} };`, '}', '');
  return body;
}

function tsxBlock(rng: Rng): string[] {
  const name = pascal(rng);
  const prop = camel(rng);
  const state = pascal(rng);
  return [
    `export function ${name}Panel({ ${prop}, onChange }: ${name}PanelProps) {`,
    `  const [${camel(rng)}, set${state}] = useState<${rng.pick(TS_TYPES)} | null>(null);`,
    `  const { data, isLoading } = useQuery({ queryKey: ['${rng.pick(NOUNS)}', ${prop}], queryFn: () => api.${fnCamel(rng)}(${prop}) });`,
    `  if (isLoading) return <Spinner size="${rng.pick(['sm', 'md', 'lg'])}" />;`,
    '  return (',
    `    <section className="${rng.pick(NOUNS)}-panel ${rng.pick(ADJECTIVES)}">`,
    `      <h2>{t('${rng.pick(NOUNS)}.${rng.pick(NOUNS)}.title')}</h2>`,
    `      <${pascal(rng)}List items={data?.${camel(rng)}s ?? []} onSelect={(x) => set${state}(x)} />`,
    '    </section>',
    '  );',
    '}',
    '',
  ];
}

function tsTestBlock(rng: Rng): string[] {
  const fn = fnCamel(rng);
  return [
    `it('${fn} ${rng.pick(['returns', 'rejects', 'caches', 'skips'])} the ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}', async () => {`,
    `  const ${camel(rng)} = make${pascal(rng)}({ id: '${rng.pick(NOUNS)}-${rng.int(1, 999)}' });`,
    `  await expect(${fn}(${rng.int(1, 99)})).resolves.toMatchObject({ ${camel(rng)}: ${rng.int(0, 100)} });`,
    '});',
    '',
  ];
}

function goBlock(rng: Rng): string[] {
  const recv = pascal(rng);
  const fn = pascal(rng);
  const v = camel(rng);
  const body = [
    `func (s *${recv}Service) ${rng.pick(VERBS).replace(/^./, (c) => c.toUpperCase())}${fn}(ctx context.Context, ${v}ID string) (*${fn}, error) {`,
    `\t${v}, err := s.store.Get${fn}(ctx, ${v}ID)`,
    '\tif err != nil {',
    `\t\treturn nil, fmt.Errorf("get ${rng.pick(NOUNS)} %s: %w", ${v}ID, err)`,
    '\t}',
  ];
  for (let i = rng.int(0, 4); i > 0; i--) {
    switch (rng.int(0, 3)) {
      case 0: body.push(`\ts.log.Info("${rng.pick(VERBS)} ${rng.pick(NOUNS)}", zap.String("id", ${v}ID), zap.Int("${rng.pick(NOUNS)}", ${rng.int(0, 99)}))`); break;
      case 1: body.push(`\tif ${v}.${pascal(rng)} > ${rng.int(1, 500)} {`, `\t\t${v}.${pascal(rng)} = ${rng.int(0, 9)}`, '\t}'); break;
      case 2: body.push(`\t// ${sentence(rng, rng.int(5, 10)).toLowerCase()}`); break;
      default: body.push(`\ts.metrics.${pascal(rng)}.WithLabelValues("${rng.pick(SERVICES)}").Inc()`);
    }
  }
  body.push(`\treturn ${v}, nil`, '}', '');
  return body;
}

function goTestBlock(rng: Rng): string[] {
  const fn = pascal(rng);
  return [
    `func Test${fn}_${pascal(rng)}(t *testing.T) {`,
    `\tsvc := newTest${pascal(rng)}Service(t)`,
    `\tgot, err := svc.Get${fn}(context.Background(), "${rng.pick(NOUNS)}-${rng.int(1, 999)}")`,
    '\trequire.NoError(t, err)',
    `\tassert.Equal(t, ${rng.int(0, 100)}, got.${pascal(rng)})`,
    '}',
    '',
  ];
}

function k8sBlock(rng: Rng): string[] {
  const svc = rng.pick(SERVICES);
  return [
    `        - name: ${snake(rng).toUpperCase()}`,
    `          value: "${rng.pick([String(rng.int(1, 900)), rng.pick(NOUNS), 'true', 'false'])}"`,
    `        - name: ${svc.toUpperCase()}_${rng.pick(NOUNS).toUpperCase()}_URL`,
    `          value: "http://${rng.pick(SERVICES)}.${rng.pick(['shop', 'platform'])}.svc.cluster.local:${rng.pick([80, 8080, 9000])}"`,
    '          resources:',
    `            requests: { cpu: "${rng.int(1, 8) * 50}m", memory: "${rng.int(1, 16) * 64}Mi" }`,
    `            limits: { cpu: "${rng.int(2, 8) * 250}m", memory: "${rng.int(2, 16) * 128}Mi" }`,
  ];
}

function composeBlock(rng: Rng): string[] {
  const svc = rng.pick(SERVICES);
  return [
    `  ${svc}-${rng.pick(['api', 'worker', 'consumer'])}:`,
    `    build: ./services/${svc}`,
    `    environment:`,
    `      - ${rng.pick(NOUNS).toUpperCase()}_TTL=${rng.int(5, 600)}`,
    `    ports: ["${rng.int(3000, 9999)}:${rng.pick([8000, 8080])}"]`,
  ];
}

function manifestLine(lang: 'requirements' | 'package.json' | 'go.mod', rng: Rng): string {
  if (lang === 'requirements') {
    const [name, version] = rng.pick(PY_DEPS);
    return `${name}==${version}`;
  }
  if (lang === 'package.json') {
    const [name, version] = rng.pick(NPM_DEPS);
    return `    "${name}": "^${version}",`;
  }
  const [name, version] = rng.pick(GO_DEPS);
  return `\t${name} ${version}`;
}

function markdownBlock(rng: Rng): string[] {
  if (rng.chance(0.2)) return [`## ${sentence(rng, rng.int(2, 5))}`, ''];
  if (rng.chance(0.2)) return [`- ${sentence(rng, rng.int(4, 10))}.`, `- ${sentence(rng, rng.int(4, 10))}.`, ''];
  return [`${sentence(rng, rng.int(10, 18))}.`, `${sentence(rng, rng.int(10, 18))}, see \`${rng.pick(SERVICES)}/${fnSnake(rng)}\`.`, ''];
}

function block(lang: Lang, rng: Rng): string[] {
  switch (lang) {
    case 'python': return pythonBlock(rng);
    case 'python-test': return pythonTestBlock(rng);
    case 'typescript': return typescriptBlock(rng);
    case 'tsx': return tsxBlock(rng);
    case 'ts-test': return tsTestBlock(rng);
    case 'go': return goBlock(rng);
    case 'go-test': return goTestBlock(rng);
    case 'k8s': return k8sBlock(rng);
    case 'compose': return composeBlock(rng);
    case 'requirements':
    case 'package.json':
    case 'go.mod': return [manifestLine(lang, rng)];
    case 'markdown': return markdownBlock(rng);
  }
}

/** An endless supply of plausible lines of one language. */
class LineStream {
  private buffer: string[] = [];
  constructor(private readonly lang: Lang, private readonly rng: Rng) {}
  next(): string {
    if (this.buffer.length === 0) this.buffer = block(this.lang, this.rng);
    return this.buffer.shift() ?? '';
  }
  take(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.next());
    return out;
  }
}

/** The head-side version of a line a change edits: a number or a word changed, a version bumped. */
function edit(line: string, lang: Lang, rng: Rng): string | undefined {
  if (lang === 'requirements') return line.replace(/==(.+)$/, (_m, v: string) => `==${bump(v, rng)}`);
  if (lang === 'package.json') return line.replace(/\^([\d.]+)/, (_m, v: string) => `^${bump(v, rng)}`);
  if (lang === 'go.mod') return line.replace(/ (v[\d.]+)$/, (_m, v: string) => ` ${bump(v, rng)}`);
  if (/\d/.test(line) && rng.chance(0.5)) return line.replace(/\d+/, (n) => String(Number(n) + rng.int(1, 20)));
  // Swap one of the generated names (never a keyword) for another.
  const words = [...line.matchAll(/[a-z]+/g)].filter((m) => NOUN_SET.has(m[0]));
  const word = words.length > 0 ? rng.pick(words) : undefined;
  if (word?.index === undefined) return /\d/.test(line) ? line.replace(/\d+/, (n) => String(Number(n) + 1)) : undefined;
  return `${line.slice(0, word.index)}${rng.pick(NOUNS)}${line.slice(word.index + word[0].length)}`;
}

// ---------------------------------------------------------------------------------------------
// Hunks and patches
// ---------------------------------------------------------------------------------------------

interface Line { kind: ' ' | '-' | '+'; text: string }
interface GenHunk { oldStart: number; newStart: number; header: string; lines: Line[] }

const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);

function hunkText(h: GenHunk): string {
  const oldCount = h.lines.filter((l) => l.kind !== '+').length;
  const newCount = h.lines.filter((l) => l.kind !== '-').length;
  const oldStart = oldCount === 0 ? h.oldStart - 1 : h.oldStart;
  const newStart = newCount === 0 ? h.newStart - 1 : h.newStart;
  const head = `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@${h.header ? ` ${h.header}` : ''}`;
  return [head, ...h.lines.map((l) => `${l.kind}${l.text}`)].join('\n');
}

/** Lines to add as one run somewhere in the change, e.g. a request handler that loads a model. */
interface Injection { lines: string[]; atTop?: boolean }

function headerFor(lang: Lang, rng: Rng): string {
  if (lang === 'python') return rng.chance(0.6) ? `def ${fnSnake(rng)}(` : `class ${pascal(rng)}:`;
  if (lang === 'typescript' || lang === 'tsx') return `export async function ${fnCamel(rng)}(`;
  if (lang === 'go') return `func (s *${pascal(rng)}Service) ${pascal(rng)}(`;
  return '';
}

const TOP_OF_FILE: Partial<Record<Lang, string[]>> = {
  python: ['import logging', 'from decimal import Decimal', ''],
  'python-test': ['import pytest', ''],
  typescript: ["import { logger } from '../logger';", "import { metrics } from '../metrics';", ''],
  tsx: ["import { useState } from 'react';", "import { useQuery } from '@tanstack/react-query';", ''],
  go: ['package service', '', 'import ('],
  requirements: ['# Pinned; bump with `make lock`.'],
  'package.json': ['{', '  "name": "@acme/pkg",', '  "dependencies": {'],
  compose: ['services:'],
};

/**
 * A modified file's hunks: each has three lines of context around groups of removed and added lines
 * (most added lines edit a removed one; the rest are new), spread down a file of plausible length.
 */
function modifiedHunks(lang: Lang, budget: number, rng: Rng, injections: Injection[]): GenHunk[] {
  const stream = new LineStream(lang, rng);
  const hunkCount = Math.max(1, Math.min(12, Math.round(budget / rng.int(18, 45))));
  const hunks: GenHunk[] = [];
  let oldCursor = 1;
  let delta = 0;
  let left = budget;
  const top = injections.filter((i) => i.atTop);
  const rest = injections.filter((i) => !i.atTop);
  for (let h = 0; h < hunkCount; h++) {
    const remaining = hunkCount - h;
    const share = remaining === 1
      ? Math.max(1, left)
      : Math.min(Math.max(1, left - (remaining - 1)), Math.max(1, Math.round((left / remaining) * (0.5 + rng.float()))));
    left -= share;
    const lines: Line[] = [];
    let oldStart: number;
    if (h === 0 && top.length > 0) {
      oldStart = 1;
      const preamble = TOP_OF_FILE[lang] ?? [];
      for (const text of preamble) lines.push({ kind: ' ', text });
      for (const inj of top) for (const text of inj.lines) lines.push({ kind: '+', text });
      lines.push({ kind: '+', text: '' });
    } else {
      oldStart = oldCursor + rng.int(4, 90);
    }
    for (const text of stream.take(3)) lines.push({ kind: ' ', text });
    const dels = Math.round(share * (0.2 + rng.float() * 0.3));
    const adds = share - dels;
    const groups = Math.max(1, Math.min(share, rng.int(1, 4)));
    let d = dels;
    let a = adds;
    for (let g = 0; g < groups; g++) {
      const gd = g === groups - 1 ? d : Math.floor(d / (groups - g));
      const ga = g === groups - 1 ? a : Math.floor(a / (groups - g));
      d -= gd;
      a -= ga;
      const removed = stream.take(gd);
      for (const text of removed) lines.push({ kind: '-', text });
      for (let i = 0; i < ga; i++) {
        const old = removed[i];
        const edited = old !== undefined && rng.chance(0.8) ? edit(old, lang, rng) : undefined;
        lines.push({ kind: '+', text: edited ?? stream.next() });
      }
      if (g < groups - 1) for (const text of stream.take(rng.int(1, 3))) lines.push({ kind: ' ', text });
    }
    const inject = rest.filter((_, i) => i % hunkCount === h);
    for (const inj of inject) {
      lines.push({ kind: ' ', text: '' });
      for (const text of inj.lines) lines.push({ kind: '+', text });
    }
    for (const text of stream.take(3)) lines.push({ kind: ' ', text });
    const oldCount = lines.filter((l) => l.kind !== '+').length;
    const newCount = lines.filter((l) => l.kind !== '-').length;
    hunks.push({ oldStart, newStart: oldStart + delta, header: oldStart === 1 ? '' : headerFor(lang, rng), lines });
    oldCursor = oldStart + oldCount;
    delta += newCount - oldCount;
  }
  return hunks;
}

function addedHunk(lang: Lang, budget: number, rng: Rng, injections: Injection[]): GenHunk {
  const stream = new LineStream(lang, rng);
  const lines: Line[] = [];
  for (const text of TOP_OF_FILE[lang] ?? []) lines.push({ kind: '+', text });
  for (const inj of injections.filter((i) => i.atTop)) for (const text of inj.lines) lines.push({ kind: '+', text });
  const rest = injections.filter((i) => !i.atTop);
  const body = Math.max(1, budget - lines.length);
  for (let i = 0; i < body; i++) {
    lines.push({ kind: '+', text: stream.next() });
    if (rest.length > 0 && i === Math.floor(body / 2)) {
      for (const inj of rest) lines.push({ kind: '+', text: '' }, ...inj.lines.map((text) => ({ kind: '+' as const, text })));
    }
  }
  return { oldStart: 1, newStart: 1, header: '', lines };
}

function removedHunk(lang: Lang, budget: number, rng: Rng): GenHunk {
  const stream = new LineStream(lang, rng);
  return { oldStart: 1, newStart: 1, header: '', lines: stream.take(Math.max(1, budget)).map((text) => ({ kind: '-' as const, text })) };
}

// ---------------------------------------------------------------------------------------------
// The pull request
// ---------------------------------------------------------------------------------------------

type Status = 'added' | 'modified' | 'removed' | 'renamed';

export interface GeneratedFile {
  path: string;
  previousPath?: string;
  status: Status;
  lang: Lang | 'binary';
  hunks: GenHunk[];
  /** GitHub lists the file without a patch: binary, or the diff is too large to show. */
  noPatch?: 'binary' | 'too-large';
  /** Ends without a newline (the last added line gets git's marker). */
  noNewlineAtEnd?: boolean;
}

export interface GeneratedPullRequest {
  files: GeneratedFile[];
  /** As the files API lists them. */
  fakeFiles: FakeFile[];
  /** The same change as one `git diff`. */
  unifiedDiff: string;
  stats: {
    files: number;
    additions: number;
    deletions: number;
    changedLines: number;
    byStatus: Record<string, number>;
    byKind: Record<string, number>;
    /** Files listed without a patch: binary, too large for GitHub to show, renamed without a content change. */
    withoutPatch: { binary: number; tooLarge: number; pureRename: number };
    patchBytes: number;
    /** Rule-firing lines planted in the change: what the checks should find. */
    planted: Record<string, number>;
  };
}

interface Category {
  kind: string;
  lang: Lang | 'binary';
  count: number;
  path: (rng: Rng, i: number) => string;
  /** Relative size of the change to a file of this kind. */
  weight: number;
}

const CATEGORIES: Category[] = [
  { kind: 'python service', lang: 'python', count: 760, weight: 1, path: (r, i) => `services/${r.pick(SERVICES)}/app/${r.pick(['api', 'domain', 'repository', 'tasks', 'clients'])}/${fnSnake(r)}_${i}.py` },
  { kind: 'python ML serving', lang: 'python', count: 120, weight: 1, path: (r, i) => `ml/serving/${r.pick(MODELS)}/${r.pick(['app', 'handlers', 'schemas', 'features'])}_${i}.py` },
  { kind: 'python ML training', lang: 'python', count: 100, weight: 1, path: (r, i) => `ml/training/${r.pick(MODELS)}/${r.pick(['train', 'evaluate', 'features', 'dataset'])}_${i}.py` },
  { kind: 'python tests', lang: 'python-test', count: 200, weight: 0.8, path: (r, i) => `services/${r.pick(SERVICES)}/tests/test_${fnSnake(r)}_${i}.py` },
  { kind: 'typescript', lang: 'typescript', count: 540, weight: 1, path: (r, i) => `web/packages/${r.pick(TS_PACKAGES)}/src/${r.pick(TS_DIRS)}/${fnCamel(r)}${i}.ts` },
  { kind: 'react components', lang: 'tsx', count: 200, weight: 1, path: (r, i) => `web/apps/storefront/src/components/${pascal(r)}Panel${i}.tsx` },
  { kind: 'typescript tests', lang: 'ts-test', count: 150, weight: 0.8, path: (r, i) => `web/packages/${r.pick(TS_PACKAGES)}/src/${r.pick(TS_DIRS)}/${fnCamel(r)}${i}.test.ts` },
  { kind: 'go', lang: 'go', count: 380, weight: 1, path: (r, i) => `go/services/${r.pick(SERVICES)}/internal/${r.pick(GO_PKGS)}/${snake(r)}_${i}.go` },
  { kind: 'go tests', lang: 'go-test', count: 100, weight: 0.8, path: (r, i) => `go/services/${r.pick(SERVICES)}/internal/${r.pick(GO_PKGS)}/${snake(r)}_${i}_test.go` },
  { kind: 'kubernetes yaml', lang: 'k8s', count: 150, weight: 0.5, path: (r, i) => `deploy/k8s/${r.pick(SERVICES)}/${r.pick(K8S_KINDS)}-${i}.yaml` },
  { kind: 'compose', lang: 'compose', count: 10, weight: 0.3, path: (_r, i) => `services/${SERVICES[i % SERVICES.length]}/docker-compose.yml` },
  { kind: 'requirements.txt', lang: 'requirements', count: 12, weight: 0.1, path: (_r, i) => (i < 10 ? `services/${SERVICES[i]}/requirements.txt` : `ml/${i === 10 ? 'serving' : 'training'}/requirements.txt`) },
  { kind: 'package.json', lang: 'package.json', count: 10, weight: 0.1, path: (_r, i) => `web/packages/${TS_PACKAGES[i % TS_PACKAGES.length]}/package.json` },
  { kind: 'go.mod', lang: 'go.mod', count: 5, weight: 0.1, path: (_r, i) => `go/services/${SERVICES[i % SERVICES.length]}/go.mod` },
  { kind: 'docs', lang: 'markdown', count: 240, weight: 0.7, path: (r, i) => `docs/${r.pick(DOC_AREAS)}/${fnSnake(r).replace(/_/g, '-')}-${i}.md` },
  { kind: 'binary', lang: 'binary', count: 23, weight: 0, path: (r, i) => `web/apps/storefront/public/${r.pick(['img', 'icons', 'fonts'])}/${r.pick(NOUNS)}-${i}.${r.pick(['png', 'webp', 'woff2'])}` },
];

const PY_HANDLER = (route: string): string[] => [
  `@app.post("${route}")`,
  'def predict(request: PredictRequest) -> PredictResponse:',
  '    model = joblib.load(settings.MODEL_PATH)',
  '    features = build_features(request)',
  '    return PredictResponse(score=float(model.predict_proba([features])[0][1]))',
];

export interface GenerateOptions {
  seed?: number;
  /** Changed lines (additions + deletions) to aim for across the whole pull request. */
  changedLines?: number;
}

export function generatePullRequest(options: GenerateOptions = {}): GeneratedPullRequest {
  const rng = new Rng(prng(options.seed ?? 20240917));
  const target = options.changedLines ?? 150_000;

  // 1. Plan every file: path, status, a raw size drawn from a heavy-tailed distribution.
  interface Planned { path: string; previousPath?: string; status: Status; lang: Lang | 'binary'; kind: string; raw: number; injections: Injection[]; noPatch?: 'binary' | 'too-large' }
  const planned: Planned[] = [];
  const seen = new Set<string>();
  for (const category of CATEGORIES) {
    for (let i = 0; i < category.count; i++) {
      let path = category.path(rng, i);
      while (seen.has(path)) path = path.replace(/(\.[^./]+)$/, `_${rng.int(0, 9)}$1`);
      seen.add(path);
      const manifest = ['requirements', 'package.json', 'go.mod', 'compose'].includes(category.lang);
      let status: Status = 'modified';
      if (!manifest) {
        const roll = rng.float();
        status = roll < 0.1 ? 'added' : roll < 0.125 ? 'renamed' : roll < 0.135 ? 'removed' : 'modified';
      }
      const raw = category.weight * Math.exp(3.3 + 0.85 * rng.normal());
      const p: Planned = { path, status, lang: category.lang, kind: category.kind, raw: Math.min(raw, 1200), injections: [] };
      if (status === 'renamed') p.previousPath = path.replace(/\/([^/]+)$/, `/legacy_$1`);
      if (category.lang === 'binary') {
        p.status = rng.chance(0.5) ? 'added' : 'modified';
        p.noPatch = 'binary';
      }
      planned.push(p);
    }
  }
  // A generated client whose diff is too large for GitHub to show: listed without a patch.
  const generated = planned.find((p) => p.kind === 'typescript' && p.status === 'modified');
  if (generated) {
    generated.path = 'web/packages/api-client/src/generated/graphql.ts';
    generated.noPatch = 'too-large';
    generated.raw = 2400;
  }

  // 2. Plant what the built-in rules look for.
  const planted: Record<string, number> = {};
  const plant = (rule: string): void => {
    planted[rule] = (planted[rule] ?? 0) + 1;
  };
  const live = (p: Planned): boolean => p.status !== 'removed' && p.noPatch === undefined;
  // Model loaded inside a FastAPI POST handler, in three serving modules.
  planned.filter((p) => p.kind === 'python ML serving' && live(p)).slice(0, 3).forEach((p, i) => {
    p.injections.push({ lines: ['import joblib'], atTop: true }, { lines: PY_HANDLER(`/v${i + 1}/predict`) });
    plant('model-load-in-request-path');
  });
  // Training code imports scikit-learn / joblib: the ML agent takes it by import.
  for (const p of planned.filter((x) => x.kind === 'python ML training' && live(x))) {
    p.injections.push({ lines: [rng.chance(0.5) ? 'from sklearn.ensemble import GradientBoostingClassifier' : 'import joblib'], atTop: true });
  }
  for (const p of planned.filter(live)) {
    if (p.lang === 'python' && p.kind === 'python service') {
      if (rng.chance(0.04)) {
        p.injections.push({ lines: ['    resp = requests.get(url)', '    resp.raise_for_status()'] });
        plant('http-call-without-timeout');
      } else if (rng.chance(0.08)) {
        p.injections.push({ lines: ['    resp = requests.post(url, json=payload, timeout=(3.05, 10))', '    resp.raise_for_status()'] });
      }
    }
    if (p.lang === 'go' && rng.chance(0.03)) {
      p.injections.push({ lines: ['\tresp, err := http.Get(url)', '\tif err != nil {', '\t\treturn nil, err', '\t}', '\tdefer resp.Body.Close()'] });
      plant('http-call-without-timeout');
    }
    if (p.lang === 'typescript' && rng.chance(0.03)) {
      p.injections.push({ lines: ['  const res = await fetch(url);', '  if (!res.ok) throw new Error(`upstream ${res.status}`);'] });
      plant('http-call-without-timeout');
    } else if (p.lang === 'typescript' && rng.chance(0.05)) {
      p.injections.push({ lines: ['  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });'] });
    }
  }
  // New stateful services: Redis and PostgreSQL in requirements, PostgreSQL in a compose file.
  const requirements = planned.filter((p) => p.lang === 'requirements');
  requirements[1]?.injections.push({ lines: ['redis==5.0.4'] });
  requirements[4]?.injections.push({ lines: ['psycopg2-binary==2.9.9'] });
  planned.find((p) => p.lang === 'compose')?.injections.push({ lines: ['  orders-db:', '    image: postgres:16', '    volumes: ["pgdata:/var/lib/postgresql/data"]'] });
  for (let i = 0; i < 3; i++) plant('new-dependency-without-adr');

  // 3. Size every change so the whole comes to about `target` changed lines.
  const rawTotal = planned.reduce((s, p) => s + (p.noPatch === 'binary' ? 0 : p.raw), 0);
  const scale = target / rawTotal;

  // 4. Generate the hunks.
  const files: GeneratedFile[] = planned.map((p) => {
    const file: GeneratedFile = { path: p.path, status: p.status, lang: p.lang, hunks: [] };
    if (p.previousPath !== undefined) file.previousPath = p.previousPath;
    if (p.noPatch !== undefined) file.noPatch = p.noPatch;
    if (p.lang === 'binary') return file;
    const budget = Math.max(2, Math.round(p.raw * scale));
    if (p.status === 'renamed' && rng.chance(0.3)) return file; // a pure rename: no content change
    if (p.status === 'added') {
      file.hunks = [addedHunk(p.lang, budget, rng, p.injections)];
      if (rng.chance(0.05)) file.noNewlineAtEnd = true;
    } else if (p.status === 'removed') file.hunks = [removedHunk(p.lang, budget, rng)];
    else file.hunks = modifiedHunks(p.lang, budget, rng, p.injections);
    return file;
  });

  // 5. Both renderings, and the figures.
  const fakeFiles: FakeFile[] = [];
  const diff: string[] = [];
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let additions = 0;
  let deletions = 0;
  let patchBytes = 0;
  const withoutPatch = { binary: 0, tooLarge: 0, pureRename: 0 };
  const shortSha = (text: string): string => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0').slice(0, 7);
  };
  files.forEach((f, i) => {
    const plan = planned[i];
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    if (plan) byKind[plan.kind] = (byKind[plan.kind] ?? 0) + 1;
    let add = 0;
    let del = 0;
    for (const h of f.hunks) for (const l of h.lines) if (l.kind === '+') add++; else if (l.kind === '-') del++;
    additions += add;
    deletions += del;
    const patch = f.hunks.length > 0 ? f.hunks.map(hunkText).join('\n') + (f.noNewlineAtEnd ? '\n\\ No newline at end of file' : '') : undefined;
    const fake: FakeFile = { filename: f.path, status: f.status, additions: add, deletions: del, changes: add + del };
    if (patch !== undefined && f.noPatch === undefined) {
      fake.patch = patch;
      patchBytes += Buffer.byteLength(patch);
    } else if (f.noPatch === 'binary') withoutPatch.binary++;
    else if (f.noPatch === 'too-large') withoutPatch.tooLarge++;
    else withoutPatch.pureRename++;
    if (f.previousPath !== undefined) fake.previous_filename = f.previousPath;
    fakeFiles.push(fake);

    const from = f.previousPath ?? f.path;
    diff.push(`diff --git a/${from} b/${f.path}`);
    if (f.status === 'added') diff.push('new file mode 100644');
    if (f.status === 'removed') diff.push('deleted file mode 100644');
    if (f.status === 'renamed') diff.push(`similarity index ${f.hunks.length === 0 ? 100 : 80 + (i % 19)}%`, `rename from ${from}`, `rename to ${f.path}`);
    const before = f.status === 'added' ? '0000000' : shortSha(`a${from}`);
    const after = f.status === 'removed' ? '0000000' : shortSha(`b${f.path}`);
    if (f.status !== 'renamed' || f.hunks.length > 0 || f.lang === 'binary') diff.push(`index ${before}..${after}${f.status === 'modified' || f.status === 'renamed' ? ' 100644' : ''}`);
    if (f.lang === 'binary') {
      diff.push(`Binary files ${f.status === 'added' ? '/dev/null' : `a/${from}`} and b/${f.path} differ`);
    } else if (patch !== undefined) {
      diff.push(f.status === 'added' ? '--- /dev/null' : `--- a/${from}`, f.status === 'removed' ? '+++ /dev/null' : `+++ b/${f.path}`, patch);
    }
  });

  return {
    files,
    fakeFiles,
    unifiedDiff: `${diff.join('\n')}\n`,
    stats: {
      files: files.length,
      additions,
      deletions,
      changedLines: additions + deletions,
      byStatus,
      byKind,
      withoutPatch,
      patchBytes,
      planted,
    },
  };
}
