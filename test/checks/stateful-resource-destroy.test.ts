import { describe, expect, it } from 'vitest';
import { statefulResourceDestroy } from '../../src/checks/system/stateful-resource-destroy.js';
import type { RuleHit } from '../../src/checks/types.js';
import type { ChangeSet } from '../../src/changeset/types.js';
import { changeSetOf, lineOf, src, type FileChange } from '../changeset/git-diff.js';

function hitsIn(changeSet: ChangeSet): { file: string; hit: RuleHit }[] {
  return changeSet.files
    .filter((f) => statefulResourceDestroy.appliesTo(f))
    .flatMap((f) => statefulResourceDestroy.check(f, changeSet).map((hit) => ({ file: f.path, hit })));
}

function hitsOf(changes: FileChange[], content = false): RuleHit[] {
  const changeSet = changeSetOf(changes);
  if (content) for (const f of changeSet.files) f.content = changes.find((c) => c.path === f.path)?.after?.toString();
  return hitsIn(changeSet).map(({ hit }) => hit);
}

const DATABASE_TF = src`
  resource "aws_db_subnet_group" "orders" {
    name       = "orders-\${var.env}"
    subnet_ids = var.private_subnet_ids
  }

  resource "aws_db_instance" "orders" {
    identifier              = "orders-\${var.env}"
    engine                  = "postgres"
    engine_version          = "16.3"
    instance_class          = "db.r6g.large"
    allocated_storage       = 200
    storage_encrypted       = true
    db_subnet_group_name    = aws_db_subnet_group.orders.name
    username                = "orders"
    manage_master_user_password = true
    backup_retention_period = 14
    deletion_protection     = true
    skip_final_snapshot     = false
    final_snapshot_identifier = "orders-\${var.env}-final"

    lifecycle {
      prevent_destroy = true
    }
  }

  resource "aws_s3_bucket" "exports" {
    bucket = "acme-orders-exports-\${var.env}"
  }

  resource "aws_s3_bucket_versioning" "exports" {
    bucket = aws_s3_bucket.exports.id
    versioning_configuration {
      status = "Enabled"
    }
  }
`;

const TABLE_TF = src`
  resource "aws_dynamodb_table" "sessions" {
    name           = "sessions-\${var.env}"
    billing_mode   = "PROVISIONED"
    read_capacity  = 50
    write_capacity = 20
    hash_key       = "user_id"

    attribute {
      name = "user_id"
      type = "S"
    }
  }
`;

describe('stateful-resource-destroy fires', () => {
  it('on an RDS instance renamed without a moved block', () => {
    const after = DATABASE_TF.replace('resource "aws_db_instance" "orders"', 'resource "aws_db_instance" "primary"');
    const hits = hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }]);
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, 'resource "aws_db_instance" "primary"'), 'Stateful resource `aws_db_instance.orders` renamed or replaced without a `moved` block'],
    ]);
    expect(hits[0]?.remedy).toContain('moved { from = aws_db_instance.orders  to = aws_db_instance.primary }');
  });

  it('on a bucket removed, and on a whole Terraform file deleted', () => {
    const after = DATABASE_TF.replace(/resource "aws_s3_bucket" "exports" \{[\s\S]*$/, '');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }]).map((h) => h.title)).toEqual([
      'Stateful resource `aws_s3_bucket.exports` removed without a `moved` block',
    ]);
    const hits = hitsOf([{ path: 'infra/legacy/cache.tf', before: 'resource "aws_elasticache_replication_group" "sessions" {\n  replication_group_id = "sessions"\n  node_type = "cache.r6g.large"\n}\n' }]);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[undefined, 'Stateful resource `aws_elasticache_replication_group.sessions` removed without a `moved` block']]);
  });

  it('on the data-loss guards turned off on an existing database (read with the whole file)', () => {
    const after = DATABASE_TF.replace('deletion_protection     = true', 'deletion_protection     = false')
      .replace('skip_final_snapshot     = false', 'skip_final_snapshot     = true')
      .replace('  final_snapshot_identifier = "orders-${var.env}-final"\n', '')
      .replace('\n  lifecycle {\n    prevent_destroy = true\n  }\n', '\n');
    const hits = hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }], true);
    expect(hits.map((h) => h.message.slice(0, 40))).toEqual([
      '`deletion_protection = false` turns off ',
      '`skip_final_snapshot = true` means a des',
      'Removing `prevent_destroy = true` from `',
    ]);
    expect(hits.every((h) => h.title === 'Data-loss guard weakened on `aws_db_instance.orders`')).toBe(true);
    expect(hits[0]?.line).toBe(lineOf(after, 'deletion_protection'));
  });

  it('on force_destroy and count added to an existing bucket', () => {
    const after = DATABASE_TF.replace('  bucket = "acme-orders-exports-${var.env}"\n}', '  count         = var.exports_enabled ? 1 : 0\n  bucket        = "acme-orders-exports-${var.env}"\n  force_destroy = true\n}');
    const hits = hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }]);
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, 'count         ='), 'Address of stateful resource `aws_s3_bucket.exports` changed without a `moved` block'],
      [lineOf(after, 'force_destroy'), 'Data-loss guard weakened on `aws_s3_bucket.exports`'],
    ]);
  });

  it('on DeletionPolicy: Retain removed from a CloudFormation table', () => {
    const before = src`
      AWSTemplateFormatVersion: "2010-09-09"
      Resources:
        OrdersTable:
          Type: AWS::DynamoDB::Table
          DeletionPolicy: Retain
          UpdateReplacePolicy: Retain
          Properties:
            BillingMode: PAY_PER_REQUEST
            AttributeDefinitions:
              - AttributeName: pk
                AttributeType: S
            KeySchema:
              - AttributeName: pk
                KeyType: HASH
    `;
    const after = before.replace('    DeletionPolicy: Retain\n', '    DeletionPolicy: Delete\n');
    const hits = hitsOf([{ path: 'cfn/orders.yaml', before, after }]);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'DeletionPolicy: Delete'), '`DeletionPolicy: Retain` removed from a `AWS::DynamoDB::Table`']]);
  });

  it('on the key of an existing DynamoDB table changed (diff only, columns realigned), and on a bucket renamed in place', () => {
    const after = TABLE_TF.replace('billing_mode   = "PROVISIONED"\n  read_capacity  = 50\n  write_capacity = 20\n  hash_key       = "user_id"', 'billing_mode = "PAY_PER_REQUEST"\n  hash_key     = "session_key"')
      .replace('name           =', 'name         =')
      .replace('name = "user_id"', 'name = "session_key"');
    const hits = hitsOf([{ path: 'infra/sessions.tf', before: TABLE_TF, after }]);
    expect(hits.map((h) => [h.title, h.line])).toEqual([['Changing `hash_key` replaces stateful resource `aws_dynamodb_table.sessions`', lineOf(after, 'hash_key')]]);
    expect(hits[0]?.message).toContain('`"user_id"` → `"session_key"`');
    const renamed = DATABASE_TF.replace('bucket = "acme-orders-exports-${var.env}"', 'bucket = "acme-order-exports-${var.env}"');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after: renamed }]).map((h) => h.title)).toEqual(['Changing `bucket` replaces stateful resource `aws_s3_bucket.exports`']);
  });

  it('on an Azure SQL database renamed in place', () => {
    const before = src`
      resource "azurerm_mssql_database" "orders" {
        name      = "orders"
        server_id = azurerm_mssql_server.main.id
        sku_name  = "S1"
      }
    `;
    const after = before.replace('name      = "orders"', 'name      = "orders-primary"');
    expect(hitsOf([{ path: 'infra/sql.tf', before, after }]).map((h) => h.title)).toEqual(['Changing `name` replaces stateful resource `azurerm_mssql_database.orders`']);
  });

  it('on an ElastiCache cluster replaced, with a cold cache rather than lost data as the consequence', () => {
    const before = src`
      resource "aws_elasticache_replication_group" "catalog" {
        replication_group_id = "catalog-cache"
        description          = "Product catalog cache"
        engine               = "redis"
        node_type            = "cache.r6g.large"
        num_cache_clusters   = 2
      }
    `;
    const after = before.replace('"catalog-cache"', '"catalog-cache-v2"');
    const hits = hitsOf([{ path: 'infra/cache.tf', before, after }]);
    expect(hits.map((h) => h.title)).toEqual(['Changing `replication_group_id` replaces stateful resource `aws_elasticache_replication_group.catalog`']);
    expect(hits[0]?.message).toContain('starts cold');
    expect(hits[0]?.message).not.toContain('all its data');
  });
});

describe('stateful-resource-destroy stays quiet', () => {
  it('on a rename with a moved block (the fix)', () => {
    const after = `${DATABASE_TF.replace('resource "aws_db_instance" "orders"', 'resource "aws_db_instance" "primary"')}\nmoved {\n  from = aws_db_instance.orders\n  to   = aws_db_instance.primary\n}\n`;
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }])).toEqual([]);
  });

  it('on a resource moved to another file of the same module, and on a non-stateful resource removed', () => {
    const bucket = 'resource "aws_s3_bucket" "exports" {\n  bucket = "acme-orders-exports-${var.env}"\n}\n';
    const after = DATABASE_TF.replace(bucket, '');
    expect(hitsOf([
      { path: 'infra/database.tf', before: DATABASE_TF, after },
      { path: 'infra/storage.tf', after: bucket },
    ])).toEqual([]);
    const subnet = DATABASE_TF.replace(/resource "aws_db_subnet_group" "orders" \{[\s\S]*?\n\}\n\n/, '');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after: subnet }])).toEqual([]);
  });

  it('on a new database with dev-style settings, and on the guards turned back on', () => {
    const dev = src`
      resource "aws_db_instance" "scratch" {
        identifier          = "scratch-\${var.env}"
        engine              = "postgres"
        instance_class      = "db.t4g.micro"
        allocated_storage   = 20
        skip_final_snapshot = true
        deletion_protection = false
      }
    `;
    expect(hitsOf([{ path: 'infra/scratch.tf', before: '', after: dev }])).toEqual([]);
    const weak = DATABASE_TF.replace('deletion_protection     = true', 'deletion_protection     = false');
    expect(hitsOf([{ path: 'infra/database.tf', before: weak, after: DATABASE_TF }], true)).toEqual([]);
  });

  it('on force-new arguments realigned, moved into an expression, set on a new table, or inside a nested block', () => {
    const realigned = TABLE_TF.replace('name           =', 'name =').replace('hash_key       =', 'hash_key =');
    expect(hitsOf([{ path: 'infra/sessions.tf', before: TABLE_TF, after: realigned }])).toEqual([]);
    const viaLocal = DATABASE_TF.replace('bucket = "acme-orders-exports-${var.env}"', 'bucket = local.exports_bucket');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after: viaLocal }])).toEqual([]);
    const attributeOnly = TABLE_TF.replace('name = "user_id"\n    type = "S"', 'name = "user_id"\n    type = "N"');
    expect(hitsOf([{ path: 'infra/sessions.tf', before: TABLE_TF, after: attributeOnly }])).toEqual([]);
    const fresh = TABLE_TF.replace('"sessions" {', '"sessions_v2" {').replace('"user_id"', '"session_key"');
    expect(hitsOf([{ path: 'infra/sessions.tf', before: TABLE_TF, after: `${TABLE_TF}\n${fresh}` }])).toEqual([]);
  });

  it('on an RDS instance renamed through `identifier` (updated in place since AWS provider 5)', () => {
    const after = DATABASE_TF.replace('identifier              = "orders-${var.env}"', 'identifier              = "orders-primary-${var.env}"');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }], true)).toEqual([]);
  });

  it('on Azure resources that hold no data (a migration service renamed, a role assignment removed)', () => {
    const before = src`
      resource "azurerm_database_migration_service" "orders" {
        name                = "dms-orders"
        location            = azurerm_resource_group.main.location
        resource_group_name = azurerm_resource_group.main.name
        subnet_id           = azurerm_subnet.dms.id
        sku_name            = "Standard_1vCores"
      }

      resource "azurerm_kusto_database_principal_assignment" "reader" {
        name                = "analytics-reader"
        resource_group_name = azurerm_resource_group.main.name
        cluster_name        = azurerm_kusto_cluster.main.name
        database_name       = azurerm_kusto_database.events.name
        tenant_id           = data.azurerm_client_config.current.tenant_id
        principal_id        = azuread_group.analysts.object_id
        principal_type      = "Group"
        role                = "Viewer"
      }
    `;
    const renamed = before.replace('name                = "dms-orders"', 'name                = "dms-orders-migration"');
    expect(hitsOf([{ path: 'infra/migration.tf', before, after: renamed }])).toEqual([]);
    const removed = before.replace(/\nresource "azurerm_kusto_database_principal_assignment"[\s\S]*$/, '');
    expect(hitsOf([{ path: 'infra/migration.tf', before, after: removed }])).toEqual([]);
  });

  it('on ordinary attribute changes of a stateful resource (instance class, retention)', () => {
    const after = DATABASE_TF.replace('db.r6g.large', 'db.r6g.xlarge').replace('backup_retention_period = 14', 'backup_retention_period = 30');
    expect(hitsOf([{ path: 'infra/database.tf', before: DATABASE_TF, after }], true)).toEqual([]);
  });
});
