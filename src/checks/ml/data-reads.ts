/** Bulk and analytical data reads, shared by the rules on batch scoring and on feature reads in the request path. */
import type { HeadLine } from '../lines.js';
import { bodyOf } from './serving-util.js';

/** A read of a whole table or file into memory. */
export const BULK_READ =
  /\b(?:pd|pandas|dd|pl|polars|wr\.s3|wr\.athena)\.read_(?:sql|sql_query|sql_table|parquet|csv|json|excel|feather|orc|gbq|table)\s*\(|\bpq\.read_table\s*\(|\bspark\.(?:read\b|sql\s*\(|table\s*\()|\.to_dataframe\s*\(|\.fetchall\s*\(|\.get_historical_features\s*\(/;
/** Iterating a frame or a result set row by row. */
export const ROW_LOOP = /^\s*(?:async\s+)?for\b.*\b(?:iterrows|itertuples|iter_rows|fetchmany)\s*\(|^\s*for\b.*\bin\s+(?:pd|pandas)\.read_\w+\s*\(.*\bchunksize\s*=/;
/** Writing scores back in bulk. */
export const BULK_WRITE = /\.to_(?:sql|parquet|csv|gbq|json|delta)\s*\(|\.write\.(?:mode|parquet|saveAsTable|insertInto|format)\b|\.insert_rows\w*\s*\(|\.executemany\s*\(|\bwr\.s3\.to_\w+\s*\(|\.load_table_from_dataframe\s*\(/;
/** A query text that reads a whole table: `SELECT` with no `WHERE` and no `LIMIT`. */
const WHOLE_TABLE_QUERY = /\bSELECT\b(?![\s\S]*\b(?:WHERE|LIMIT)\b)[\s\S]*\bFROM\b/i;

/** Connections and engines that reach an analytical warehouse, by the name they are bound to in these lines. */
export function warehouseHandles(lines: readonly HeadLine[]): Map<string, string> {
  const handles = new Map<string, string>();
  for (const { text } of lines) {
    const engine =
      /(\w+)\s*=\s*(?:sqlalchemy\.)?create_engine\(\s*f?['"](snowflake|bigquery|redshift|awsathena|athena|databricks|trino|presto|hive|clickhouse)/i.exec(text) ??
      /(\w+)\s*=\s*(snowflake\.connector|redshift_connector|pyathena|databricks\.sql|trino\.dbapi|pyhive\.\w+)\.connect\s*\(/.exec(text) ??
      /(\w+)\s*=\s*(bigquery)\.Client\s*\(/.exec(text);
    if (engine?.[1] && engine[2]) handles.set(engine[1], warehouseName(engine[2]));
  }
  return handles;
}

function warehouseName(raw: string): string {
  const key = raw.toLowerCase();
  if (key.startsWith('snowflake')) return 'Snowflake';
  if (key.startsWith('bigquery')) return 'BigQuery';
  if (key.startsWith('redshift')) return 'Redshift';
  if (key.includes('athena')) return 'Athena';
  if (key.startsWith('databricks')) return 'Databricks SQL';
  if (key.startsWith('trino') || key.startsWith('presto')) return 'Trino/Presto';
  if (key.startsWith('pyhive') || key.startsWith('hive')) return 'Hive';
  return 'ClickHouse';
}

/** Whether the body of the `def` at `defIndex` has the shape of a batch job: a loop over rows, a bulk write, or a whole-table query. */
export function batchShaped(lines: readonly HeadLine[], defIndex: number): boolean {
  const body = bodyOf(lines, defIndex).map((i) => lines[i]?.text ?? '');
  if (body.some((t) => ROW_LOOP.test(t) || BULK_WRITE.test(t))) return true;
  const joined = body.join('\n');
  return /\bread_(?:sql|sql_query|gbq)\s*\(/.test(joined) && WHOLE_TABLE_QUERY.test(joined);
}
