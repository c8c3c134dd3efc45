import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import { familyOf, goImportOn, isScriptPath, isTestPath, pythonImportOn, type Family } from './code-util.js';
import { addsMention } from '../text.js';
import { compareText } from '../../compare.js';

/** Vendor SDKs whose API shape leaks into callers, by the module names that import them. */
const VENDORS: { vendor: string; python?: RegExp; script?: RegExp; go?: RegExp }[] = [
  { vendor: 'AWS SDK', python: /^(?:boto3|botocore|aioboto3)\b/, script: /^(?:@aws-sdk\/|aws-sdk$)/, go: /^github\.com\/aws\/aws-sdk-go/ },
  { vendor: 'Google Cloud SDK', python: /^google\.cloud\b/, script: /^@google-cloud\//, go: /^cloud\.google\.com\/go\// },
  { vendor: 'Azure SDK', python: /^azure\.(?!functions\b)/, script: /^@azure\//, go: /^github\.com\/Azure\/azure-sdk-for-go/ },
  { vendor: 'OpenAI SDK', python: /^openai\b/, script: /^openai$/, go: /^github\.com\/openai\/openai-go/ },
  { vendor: 'Anthropic SDK', python: /^anthropic\b/, script: /^@anthropic-ai\/sdk/, go: /^github\.com\/anthropics\/anthropic-sdk-go/ },
  { vendor: 'Stripe SDK', python: /^stripe\b/, script: /^stripe$/, go: /^github\.com\/stripe\/stripe-go/ },
  { vendor: 'Twilio SDK', python: /^twilio\b/, script: /^twilio$/, go: /^github\.com\/twilio\/twilio-go/ },
  { vendor: 'Firebase Admin SDK', python: /^firebase_admin\b/, script: /^firebase-admin(?:\/|$)/, go: /^firebase\.google\.com\/go/ },
];

/**
 * How an import of a module of VENDORS starts, per family: after `from`/`import` (Python), right after
 * the quote that opens it (JS/TS, Go). A cheap first test of the added lines, and a fast one: these
 * keywords and quotes are far rarer in code than the letters the vendors' names start with.
 */
const MAY_IMPORT_VENDOR: Record<Family, RegExp> = {
  python: /(?:from|import)\s+(?:boto3|botocore|aioboto3|google\.cloud|azure\.|openai|anthropic|stripe|twilio|firebase_admin)/,
  script: /['"]@?(?:aws-sdk|google-cloud|azure|openai|anthropic-ai|stripe|twilio|firebase-admin)/,
  go: /"(?:github\.com|cloud\.google\.com|firebase\.google\.com)\//,
};

/** Where wrapping a vendor belongs: an adapter/client/gateway/integrations module, or a folder named after the vendor. */
const ADAPTER =
  /(?:^|\/)(?:adapters?|clients?|gateways?|integrations?|providers?|infra|infrastructure|vendors?|external|aws|gcp|google|azure|openai|anthropic|llm|stripe|twilio|firebase)\/|(?:^|\/)[^/]*(?:client|adapter|gateway|integration|provider)[^/]*$/i;

function moduleOf(text: string, family: Family): string | undefined {
  if (family === 'python') return pythonImportOn(text);
  if (family === 'go') return goImportOn(text);
  if (/^\s*import\s+type\b/.test(text)) return undefined; // types only: no runtime coupling to speak of
  return /\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/.exec(text)?.slice(1).find(Boolean);
}

function vendorOf(module: string, family: Family): string | undefined {
  return VENDORS.find((v) => v[family]?.test(module))?.vendor;
}

/** A file that newly imports a vendor: where, and in which family of languages. */
interface Importer {
  path: string;
  family: Family;
  line: number | undefined;
}

interface Spread {
  vendor: string;
  /** Files outside any adapter module that newly import the vendor, sorted, with their import line. */
  files: Importer[];
  /** The modules of those files (see moduleKey), sorted: two or more. */
  modules: string[];
}

/** The vendor a file starts using in this change: an added import, with no import of it already there (context) or moved (removed). */
function newVendors(file: ChangedFile, family: Family): Map<string, number | undefined> {
  const added = new Map<string, number | undefined>();
  const existing = new Set<string>();
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) {
      const module = moduleOf(l.text, family);
      const vendor = module === undefined ? undefined : vendorOf(module, family);
      if (!vendor) continue;
      if (l.kind === 'add') {
        if (!added.has(vendor)) added.set(vendor, l.newLine);
      } else existing.add(vendor);
    }
  }
  for (const vendor of existing) added.delete(vendor);
  return added;
}

/** Source roots that say nothing about the module: `src/`, `app/`, `internal/`; below `packages/` the next folder is a package. */
const ROOTS = new Set(['src', 'app', 'lib', 'internal', 'pkg', 'server', 'backend']);
const PACKAGE_PARENTS = new Set(['packages', 'apps', 'services', 'modules']);
/**
 * Folders of feature modules: `src/features/billing/**` is the billing feature. A file right below one
 * is a feature of its own only in JS/TS (`src/features/summary.ts`), where each file is a module; a Go
 * folder is one package, and a Python `features/` package is usually feature engineering
 * (cookiecutter-data-science's `src/features/build_features.py`): one module.
 */
const MODULE_PARENTS = new Set(['features']);

/**
 * The module a file belongs to: its path down to the first folder below the source roots (and package
 * folders), or down to the entry below a folder of modules. `roots` are more folders that say nothing:
 * the project's own top packages.
 */
function moduleKey(path: string, family: Family, roots: ReadonlySet<string>): string {
  const entries = path.split('/');
  const dirs = entries.slice(0, -1);
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[i] ?? '';
    if (MODULE_PARENTS.has(dir) && (i + 1 < dirs.length || family === 'script')) return entries.slice(0, i + 2).join('/');
    if (ROOTS.has(dir) || (i === 0 && roots.has(dir)) || PACKAGE_PARENTS.has(dir) || PACKAGE_PARENTS.has(dirs[i - 1] ?? '')) continue;
    return dirs.slice(0, i + 1).join('/');
  }
  return dirs.join('/');
}

/**
 * The first folders of `paths` that are the project's own top package: some Python file of the change
 * below one imports the project by that name (`from shop.orders.models import …` in `shop/…`). Decided
 * once per change, as the files of one package that import relatively (`from .models import …`) say
 * nothing themselves, and as telling as `src/`.
 */
function ownTopPackages(changeSet: ChangeSet, paths: string[]): Set<string> {
  const tops = new Set(paths.filter((p) => p.split('/').length >= 3).map((p) => p.split('/', 1)[0] ?? ''));
  const own = new Set<string>();
  for (const file of changeSet.files) {
    const top = file.path.split('/', 1)[0] ?? '';
    if (!tops.has(top) || own.has(top) || familyOf(file) !== 'python') continue;
    const importsTop = (text: string): boolean => text.includes(`${top}.`) && pythonImportOn(text)?.startsWith(`${top}.`) === true;
    if (file.hunks.some((h) => h.lines.some((l) => l.kind !== 'del' && importsTop(l.text)))) own.add(top);
  }
  return own;
}

const spreads = memoByObject((changeSet: ChangeSet): Spread[] => {
  const byVendor = new Map<string, Importer[]>();
  for (const file of changeSet.files) {
    const family = familyOf(file);
    // The text test before the path tests: it rejects nearly every file, and costs less.
    if (!family || !addsMention(file, MAY_IMPORT_VENDOR[family]) || isTestPath(file.path) || isScriptPath(file.path) || ADAPTER.test(file.path)) continue;
    for (const [vendor, line] of newVendors(file, family)) {
      byVendor.set(vendor, [...(byVendor.get(vendor) ?? []), { path: file.path, family, line }]);
    }
  }
  // Three or more files in two or more top-level modules: files of one module (src/payments/**) are one place.
  const candidates = [...byVendor].filter(([, files]) => files.length >= 3);
  if (candidates.length === 0) return [];
  const roots = ownTopPackages(changeSet, candidates.flatMap(([, files]) => files.map((f) => f.path)));
  const out: Spread[] = [];
  for (const [vendor, files] of candidates) {
    const modules = [...new Set(files.map((f) => moduleKey(f.path, f.family, roots)))].sort(compareText);
    if (modules.length >= 2) out.push({ vendor, files: files.sort((a, b) => compareText(a.path, b.path)), modules });
  }
  return out;
});

/** One finding per importing file, at its import: each is a place a reviewer asks to route through the adapter. */
function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const { vendor, files, modules } of spreads(changeSet)) {
    const own = files.find((f) => f.path === file.path);
    if (!own) continue;
    const others = files.filter((f) => f !== own).map((f) => code(f.path));
    // The title counts modules, not files; when some module holds several of the files, the message says which.
    const grouped = files.length > modules.length ? `: ${files.length} files in ${modules.length} modules (${modules.map(code).join(', ')})` : '';
    hits.push({
      ...(own.line !== undefined ? { line: own.line } : {}),
      title: `${vendor} imported directly in ${modules.length} modules`,
      message:
        `This change starts using the ${vendor} directly in ${code(own.path)} and also in ${others.join(', ')}${grouped}. With ` +
        "the vendor's types and calls spread across the code, swapping or upgrading it, mocking it in tests, or adding " +
        'retries, metrics and cost controls in one place becomes a change to every one of these modules.',
      remedy:
        `Put the ${vendor} behind a small interface (port) that says what the application needs (e.g. ` +
        '`BlobStore.put(key, bytes)`, `Payments.charge(...)`), implement it once in an adapter module, and have these ' +
        'modules depend on the interface.',
    });
  }
  return hits;
}

export const vendorSdkSpread: Rule = {
  id: 'vendor-sdk-spread',
  summary: 'The same vendor SDK (AWS, Google Cloud, Azure, OpenAI, Anthropic, Stripe, Twilio, Firebase) newly imported in 3+ modules outside one adapter',
  why: "With the vendor's API spread across modules, switching or upgrading it, testing without it, or adding retries and cost controls means changing every one of them.",
  remedy: 'Put the SDK behind a small interface (port) with one adapter module, and have the other modules depend on the interface.',
  severity: 'low',
  kind: 'problem',
  scope: 'Python, JS/TS or Go files',
  appliesTo: (file) => familyOf(file) !== undefined,
  readsWholeChange: true,
  check,
};
