import type { ChangeSet, ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { memoByObject } from '../../path-memo.js';
import { indentOf } from '../lines.js';
import { code } from '../../render/escape.js';
import { mentions } from '../text.js';

// Azure: the databases themselves (`azurerm_mssql_database`, `azurerm_cosmosdb_sql_database`, ...), not the
// types that merely name one (`azurerm_database_migration_service`, `azurerm_kusto_database_principal_assignment`).
const STATEFUL_TF =
  /^(?:aws_db_instance|aws_rds_cluster|aws_s3_bucket|aws_dynamodb_table|aws_elasticache_(?:cluster|replication_group|serverless_cache)|aws_efs_file_system|aws_ebs_volume|aws_docdb_cluster|aws_neptune_cluster|aws_redshift_cluster|aws_opensearch_domain|aws_elasticsearch_domain|google_sql_database_instance|google_sql_database|google_storage_bucket|google_bigquery_dataset|google_bigquery_table|azurerm_\w*_database|azurerm_(?:postgresql|mysql|mssql|mariadb)\w*_server|azurerm_storage_account|azurerm_cosmosdb_account)$/;
const HEADER = /^\s*resource\s+"([\w-]+)"\s+"([\w-]+)"\s*\{/;
const TOP_BLOCK = /^[a-z_]+(?:\s+"[^"]*")*\s*\{/;

function dirOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}

function terraform(file: ChangedFile): boolean {
  return file.language === 'terraform' && file.path.endsWith('.tf');
}

/** Resource addresses added anywhere in the change (per directory), and addresses a `moved`/`removed` block accounts for. */
interface TfFacts {
  added: Set<string>;
  addedByType: Map<string, string[]>;
  handled: Set<string>;
}

const factsOf = memoByObject((changeSet: ChangeSet): TfFacts => {
  const facts: TfFacts = { added: new Set(), addedByType: new Map(), handled: new Set() };
  for (const file of changeSet.files.filter(terraform)) {
    for (const l of file.hunks.flatMap((h) => h.lines).filter((x) => x.kind === 'add')) {
      const m = HEADER.exec(l.text);
      if (m) {
        facts.added.add(`${dirOf(file.path)}\u0000${m[1]}.${m[2]}`);
        const key = `${dirOf(file.path)}\u0000${m[1]}`;
        facts.addedByType.set(key, [...(facts.addedByType.get(key) ?? []), `${m[1]}.${m[2]}`]);
      }
      const from = /^\s*from\s*=\s*(?:module\.[\w-]+\.)*([\w-]+\.[\w-]+)/.exec(l.text)?.[1];
      if (from) facts.handled.add(from);
    }
  }
  return facts;
});

interface Located {
  text: string;
  kind: 'add' | 'del' | 'context';
  /** Head-side line; for a removed line, the next head line. */
  head: number | undefined;
}

function located(hunk: Hunk): Located[] {
  const out: Located[] = [];
  let pending: Located[] = [];
  for (const l of hunk.lines) {
    const item: Located = { text: l.text, kind: l.kind, head: l.newLine };
    if (l.kind === 'del') pending.push(item);
    else {
      for (const p of pending) p.head = l.newLine;
      pending = [];
    }
    out.push(item);
  }
  return out;
}

/** The resource block around line `i` (its header on the same side), searching the hunk and then the head content above it. */
function enclosing(lines: Located[], i: number, side: 'add' | 'del', above: string[]): { type: string; name: string; fresh: boolean; indent: number } | undefined {
  for (let j = i - 1; j >= 0; j--) {
    const l = lines[j];
    if (!l || l.kind === (side === 'add' ? 'del' : 'add')) continue;
    const m = HEADER.exec(l.text);
    if (m) return { type: m[1] ?? '', name: m[2] ?? '', fresh: l.kind !== 'context', indent: indentOf(l.text) };
    if (TOP_BLOCK.test(l.text)) return undefined;
  }
  for (let j = above.length - 1; j >= 0; j--) {
    const m = HEADER.exec(above[j] ?? '');
    if (m) return { type: m[1] ?? '', name: m[2] ?? '', fresh: false, indent: indentOf(above[j] ?? '') };
    if (TOP_BLOCK.test(above[j] ?? '')) return undefined;
  }
  return undefined;
}

/** `typed`: only judged when the resource's type is in view; `moves`: the change alters the resource's address. */
const ATTRIBUTES: { re: RegExp; side: 'add' | 'del'; typed: boolean; moves?: boolean; what: (a: string) => string }[] = [
  { re: /^\s*force_destroy\s*=\s*true\b/, side: 'add', typed: true, what: (a) => `${code('force_destroy = true')} lets Terraform delete ${code(a)} together with every object in it: a later removal, rename or replacement erases the data instead of failing.` },
  { re: /^\s*deletion_protection(?:_enabled)?\s*=\s*false\b/, side: 'add', typed: true, what: (a) => `${code('deletion_protection = false')} turns off the guard on ${code(a)}: a later destroy or replacement deletes it instead of being refused.` },
  { re: /^\s*skip_final_snapshot\s*=\s*true\b/, side: 'add', typed: false, what: (a) => `${code('skip_final_snapshot = true')} means a destroy or replacement of ${code(a)} keeps no final snapshot: the data is gone for good.` },
  { re: /^\s*prevent_destroy\s*=\s*true\b/, side: 'del', typed: false, what: (a) => `Removing ${code('prevent_destroy = true')} from ${code(a)} lets Terraform carry out plans that destroy it (a rename, a replacement forced by an attribute change) instead of refusing them.` },
  { re: /^\s*(?:count|for_each)\s*=/, side: 'add', typed: true, moves: true, what: (a) => `Adding ${code('count')}/${code('for_each')} to ${code(a)} changes its address (to ${code(`${a}[0]`)} or ${code(`${a}["key"]`)}): without a \`moved\` block Terraform plans to destroy the current one and create an empty one.` },
];

/**
 * Arguments the providers mark "forces new resource": a changed value makes `terraform apply` destroy
 * the resource with its data and create an empty one. Only ones that are always so, per type.
 */
const AZURE_FORCES_NEW = ['name', 'resource_group_name', 'location'];
const FORCES_NEW: Record<string, readonly string[]> = {
  aws_dynamodb_table: ['name', 'hash_key', 'range_key'],
  aws_s3_bucket: ['bucket', 'bucket_prefix'],
  // Not `identifier`: the AWS provider renames an instance in place since 5.x (terraform-provider-aws #32687).
  aws_db_instance: ['storage_encrypted', 'kms_key_id', 'character_set_name'],
  aws_rds_cluster: ['cluster_identifier', 'database_name', 'master_username', 'storage_encrypted', 'kms_key_id'],
  aws_docdb_cluster: ['cluster_identifier', 'master_username', 'storage_encrypted', 'kms_key_id'],
  aws_neptune_cluster: ['cluster_identifier', 'storage_encrypted', 'kms_key_id'],
  aws_efs_file_system: ['creation_token', 'encrypted', 'kms_key_id', 'performance_mode'],
  aws_ebs_volume: ['availability_zone', 'encrypted', 'kms_key_id', 'snapshot_id'],
  aws_elasticache_cluster: ['cluster_id'],
  aws_elasticache_replication_group: ['replication_group_id'],
  aws_opensearch_domain: ['domain_name'],
  aws_elasticsearch_domain: ['domain_name'],
  google_sql_database_instance: ['name', 'region'],
  google_sql_database: ['name', 'instance'],
  google_storage_bucket: ['name', 'location'],
  google_bigquery_dataset: ['dataset_id', 'location'],
  google_bigquery_table: ['dataset_id', 'table_id'],
};

/** Every argument named above: most changed lines name none, and need no walk up to their resource. */
const FORCES_NEW_ANY = new Set([...Object.values(FORCES_NEW).flat(), ...AZURE_FORCES_NEW]);

function forcesNew(type: string, attribute: string): boolean {
  const args = FORCES_NEW[type] ?? (type.startsWith('azurerm_') && STATEFUL_TF.test(type) ? AZURE_FORCES_NEW : []);
  return args.includes(attribute);
}

const CACHE_TF = /^aws_elasticache_/;

/** What replacing a resource of `type` costs: a cache comes back cold, a store comes back empty. */
function replacementCost(type: string): string {
  return CACHE_TF.test(type)
    ? 'Terraform plans to destroy it and create a new one that starts cold: every read misses and falls through to the database (a spike of load) until it refills, and anything kept only there, such as sessions, is gone.'
    : 'Terraform plans to destroy it with all its data and create an empty one, and everything reading it sees nothing until it is refilled.';
}

const ASSIGNMENT = /^\s*(\w+)\s*=\s*(.*?)\s*(?:#.*|\/\/.*)?$/;

/**
 * Whether two values are surely different: literals (strings, numbers, booleans) that differ, with the
 * same interpolations in the same order. An expression (`local.name`, `var.key`) may evaluate to the old value.
 */
function surelyDiffers(before: string, after: string): boolean {
  const literal = /^(?:"(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)$/;
  if (!literal.test(before) || !literal.test(after) || before === after) return false;
  const interpolations = (v: string): string => (v.match(/\$\{[^}]*\}/g) ?? []).join('\u0000');
  return interpolations(before) === interpolations(after);
}

/** An argument of an existing stateful resource whose value change forces its replacement (same hunk, same resource). */
function replacementHits(lines: Located[], above: string[]): RuleHit[] {
  const before = new Map<string, string>();
  const after = new Map<string, { value: string; line: number | undefined; type: string; address: string; attribute: string }>();
  lines.forEach((l, i) => {
    if (l.kind === 'context') return;
    const m = ASSIGNMENT.exec(l.text);
    if (!m || !FORCES_NEW_ANY.has(m[1] ?? '')) return;
    const owner = enclosing(lines, i, l.kind, above);
    // Only the resource's own arguments (terraform fmt indents them one step), not a nested block's (`attribute { name = ... }`).
    if (!owner || owner.fresh || indentOf(l.text) !== owner.indent + 2 || !forcesNew(owner.type, m[1] ?? '')) return;
    const address = `${owner.type}.${owner.name}`;
    const key = `${address}\u0000${m[1]}`;
    if (l.kind === 'del') before.set(key, m[2] ?? '');
    else after.set(key, { value: m[2] ?? '', line: l.head, type: owner.type, address, attribute: m[1] ?? '' });
  });
  const hits: RuleHit[] = [];
  for (const [key, now] of after) {
    const was = before.get(key);
    if (was === undefined || !surelyDiffers(was, now.value)) continue;
    hits.push({
      ...(now.line !== undefined ? { line: now.line } : {}),
      title: `Changing ${code(now.attribute)} replaces stateful resource ${code(now.address)}`,
      message: `${code(now.attribute)} of ${code(now.address)} cannot be changed in place (${code(was)} → ${code(now.value)}): ${replacementCost(now.type)}`,
      remedy: `Create the new resource alongside the old one under a new name, copy or backfill the data into it, move readers and writers over, then remove the old one in a later change; keep \`lifecycle { prevent_destroy = true }\` on stateful resources so a plan that replaces one fails instead.`,
    });
  }
  return hits;
}

const REMEDY_FLAGS = 'Keep the protection on stateful resources (`deletion_protection = true`, `skip_final_snapshot = false` with a `final_snapshot_identifier`, `lifecycle { prevent_destroy = true }`); if this resource really must be destroyable, say why in the PR and take a backup first.';

function terraformHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const facts = factsOf(changeSet);
  const dir = dirOf(file.path);
  const content = file.content?.split('\n');
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const lines = located(hunk);
    const above = content?.slice(0, Math.max(0, hunk.newStart - 1)) ?? [];
    lines.forEach((l, i) => {
      if (l.kind === 'context') return;
      const header = l.kind === 'del' ? HEADER.exec(l.text) : null;
      if (header && STATEFUL_TF.test(header[1] ?? '')) {
        const address = `${header[1]}.${header[2]}`;
        if (facts.added.has(`${dir}\u0000${address}`) || facts.handled.has(address)) return;
        const renamed = facts.addedByType.get(`${dir}\u0000${header[1]}`)?.[0];
        hits.push({
          ...(l.head !== undefined && file.status !== 'removed' ? { line: l.head } : {}),
          title: `Stateful resource ${code(address)} ${renamed ? 'renamed or replaced' : 'removed'} without a \`moved\` block`,
          message: renamed
            ? `${code(address)} is gone and ${code(renamed)} of the same type appears: if this is a rename, Terraform still sees a new resource, so the next apply destroys ${code(address)} with its data and creates an empty ${code(renamed)}.`
            : `This change deletes ${code(`resource "${header[1]}" "${header[2]}"`)}: the next \`terraform apply\` destroys it and the data in it.`,
          remedy: renamed
            ? `Add \`moved { from = ${address}  to = ${renamed} }\` so Terraform renames it in state instead of replacing it.`
            : 'If it should stay but leave Terraform, add `removed { from = ' + address + ' lifecycle { destroy = false } }` (Terraform 1.7+) or `terraform state rm` it; if it must go, take a final backup first and say so in the PR.',
        });
        return;
      }
      for (const attr of ATTRIBUTES) {
        if (attr.side !== l.kind || !attr.re.test(l.text)) continue;
        if (attr.side === 'del' && lines.some((o) => o.kind === 'add' && attr.re.test(o.text))) continue; // moved within the hunk
        if (attr.moves && lines.some((o) => o.kind === 'del' && attr.re.test(o.text))) continue; // a new count value, same addresses
        const owner = enclosing(lines, i, attr.side, above);
        if (owner?.fresh) continue; // a new resource holds no data yet
        if (owner ? !STATEFUL_TF.test(owner.type) : attr.typed) continue;
        const address = owner ? `${owner.type}.${owner.name}` : 'this resource';
        if (attr.moves && facts.handled.has(address)) continue;
        hits.push({
          ...(l.head !== undefined ? { line: l.head } : {}),
          title: attr.moves ? `Address of stateful resource ${code(address)} changed without a \`moved\` block` : `Data-loss guard weakened on ${owner ? code(address) : 'a resource'}`,
          message: attr.what(address),
          remedy: attr.moves ? `Add \`moved { from = ${address}  to = ${address}[0] }\` (or the \`for_each\` key).` : REMEDY_FLAGS,
        });
      }
    });
    if (file.status === 'modified') hits.push(...replacementHits(lines, above));
  }
  return hits;
}

const STATEFUL_CFN = /^AWS::(?:RDS::DB(?:Instance|Cluster)|S3::Bucket|DynamoDB::(?:Global)?Table|EFS::FileSystem|EC2::Volume|ElastiCache::(?:CacheCluster|ReplicationGroup)|Neptune::DBCluster|DocDB::DBCluster|Redshift::Cluster|OpenSearchService::Domain|Elasticsearch::Domain)$/;
const POLICY = /^\s*"?DeletionPolicy"?\s*:\s*"?(Retain|Snapshot|RetainExceptOnCreate)\b/;

function cloudFormationHits(file: ChangedFile): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    const lines = located(hunk);
    lines.forEach((l, i) => {
      const policy = l.kind === 'del' ? POLICY.exec(l.text)?.[1] : undefined;
      if (!policy || lines.some((o) => o.kind === 'add' && POLICY.test(o.text))) return;
      // The resource's Type is a sibling key: same indentation, no shallower line in between.
      const indent = indentOf(l.text);
      let type: string | undefined;
      for (const dir of [-1, 1]) {
        for (let j = i + dir; j >= 0 && j < lines.length && type === undefined; j += dir) {
          const o = lines[j];
          if (!o || o.kind === 'add' || !o.text.trim()) continue;
          if (indentOf(o.text) < indent) break;
          if (indentOf(o.text) === indent) type = /^\s*"?Type"?\s*:\s*"?(AWS::[\w:]+)/.exec(o.text)?.[1];
        }
      }
      if (!type || !STATEFUL_CFN.test(type)) return;
      hits.push({
        ...(l.head !== undefined ? { line: l.head } : {}),
        title: `\`DeletionPolicy: ${policy}\` removed from a ${code(type)}`,
        message: `Without \`DeletionPolicy: ${policy}\`, removing this ${code(type)} from the template, a replacement, or deleting the stack makes CloudFormation delete it with its data (the default policy is Delete for most types).`,
        remedy: `Keep \`DeletionPolicy: ${policy}\` and \`UpdateReplacePolicy: ${policy}\` on stateful resources; to really delete it, take a backup first and say so in the PR.`,
      });
    });
  }
  return hits;
}

const CLOUDFORMATION = /AWS::|AWSTemplateFormatVersion/;

function cloudFormation(file: ChangedFile): boolean {
  // The file's joined text first (one test, not one per line): few YAML or JSON files name AWS types.
  if (file.language !== 'yaml' && file.language !== 'json') return false;
  return mentions(file, CLOUDFORMATION) && file.hunks.some((h) => h.lines.some((l) => CLOUDFORMATION.test(l.text)));
}

export const statefulResourceDestroy: Rule = {
  id: 'stateful-resource-destroy',
  summary: 'Infrastructure changes that destroy data: a stateful Terraform resource removed or renamed without `moved`, or replaced by a change to an argument that forces a new resource (a DynamoDB `hash_key`, a bucket name), data-loss guards turned off, CloudFormation DeletionPolicy removed',
  why: 'Terraform destroys and recreates the resource, or the guard that would stop it is gone: the data is lost, often with no snapshot.',
  remedy: 'Add a moved block for a rename, keep prevent_destroy / deletion protection / final snapshots, and plan data migrations explicitly.',
  severity: 'high',
  kind: 'problem',
  scope: 'Terraform (.tf) files or CloudFormation templates',
  appliesTo: (file) => terraform(file) || cloudFormation(file),
  // Whether an attribute sits in a stateful resource depends on the header, often above the hunk.
  wantsContent: (file) =>
    terraform(file) &&
    file.status === 'modified' &&
    file.hunks.some((h) => h.lines.some((l) => l.kind !== 'context' && (ATTRIBUTES.some((a) => a.re.test(l.text)) || FORCES_NEW_ANY.has(ASSIGNMENT.exec(l.text)?.[1] ?? '')))),
  readsWholeChange: true,
  check: (file, changeSet) => (terraform(file) ? terraformHits(file, changeSet) : cloudFormationHits(file)),
};
