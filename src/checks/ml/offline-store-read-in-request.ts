import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { batchShaped, warehouseHandles } from './data-reads.js';
import { BATCH_PATH, describe, enclosingDef, pythonRequestPath, requestPathUnknown, views } from './serving-util.js';
import { addsMention } from '../text.js';

interface OfflineRead {
  /** The call as written: `store.get_historical_features`. */
  call: string;
  /** What it reads: "the Feast offline store", "Snowflake", "a Parquet file". */
  store: string;
  column: number;
}

const DIRECT: [RegExp, string][] = [
  [/([\w.]*\.get_historical_features)\s*\(/, 'the Feast offline store (a point-in-time join over the warehouse or files)'],
  [/((?:pd|pandas|pandas_gbq)\.read_gbq)\s*\(/, 'BigQuery'],
  [/(bigquery\.Client\s*\([^)]*\)\s*\.query)\s*\(/, 'BigQuery'],
  [/(snowflake\.connector\.connect)\s*\(/, 'Snowflake'],
  [/(redshift_connector\.connect)\s*\(/, 'Redshift'],
  [/((?:pyathena\.connect|(?:wr|awswrangler)\.athena\.read_sql_\w+))\s*\(/, 'Athena'],
  [/((?:pd|pandas|pl|polars|dd)\.read_parquet|pq\.read_table)\s*\(/, 'a Parquet file'],
];

/** What offlineRead needs on the line: a DIRECT pattern, a warehouse handle's query, execute or cursor, or `read_sql`. */
const MAY_READ = /get_historical_features|read_gbq|\.query\s*\(|snowflake\.connector\.connect|redshift_connector\.connect|pyathena\.connect|read_sql|read_parquet|read_table|\.execute\s*\(|\.cursor\s*\(/;

/** The offline or warehouse read on a line, if any. */
function offlineRead(lines: readonly HeadLine[], index: number, handles: ReadonlyMap<string, string>): OfflineRead | undefined {
  const text = lines[index]?.text ?? '';
  for (const [re, store] of DIRECT) {
    const m = re.exec(text);
    if (!m) continue;
    const call = (m[1] ?? '').replace(/\s*\([^)]*\)\s*/, '()');
    // Reading the client's own upload is not a feature read.
    if (store === 'a Parquet file' && /request\.files|\.file\b|BytesIO|\bawait\b/.test(callText(lines, index, m.index))) continue;
    return { call, store, column: m.index };
  }
  for (const [name, store] of handles) {
    const m = new RegExp(`(?<![\\w.])(${name}\\.(?:query|execute|cursor))\\s*\\(|\\b((?:pd|pandas)\\.read_sql(?:_query)?)\\s*\\(`).exec(text);
    if (!m) continue;
    if (m[2] && !new RegExp(`(?<![\\w.])${name}\\b`).test(callText(lines, index, m.index))) continue;
    return { call: m[1] ?? m[2] ?? name, store, column: m.index };
  }
  return undefined;
}

function hitsIn(file: ChangedFile, lines: readonly HeadLine[]): RuleHit[] {
  if (BATCH_PATH.test(file.path)) return [];
  const handles = warehouseHandles(lines);
  const hits: RuleHit[] = [];
  lines.forEach((line, index) => {
    if (!line.added || commentLine(line.text, true)) return;
    const read = offlineRead(lines, index, handles);
    if (!read) return;
    const path = pythonRequestPath(lines, index);
    const defIndex = enclosingDef(lines, index);
    // A handler that scores a whole table is batch scoring, reported by its own rule.
    if (!path || defIndex === undefined || batchShaped(lines, defIndex)) return;
    const via = path.via ? ` through ${code(`${path.via}()`)}` : '';
    hits.push({
      line: line.line,
      title: `Offline feature read on every request in ${describe(path.handler)}`,
      message:
        `${code(`${read.call}(…)`)} reads from ${read.store} inside request handler ${describe(path.handler)}${via}. ` +
        'Offline and analytical stores are built for training sets and batch scans: each call takes hundreds of ' +
        'milliseconds to minutes, is billed and rate-limited per query, and serialises behind the warehouse queue, so ' +
        'under serving traffic the endpoint blows its latency budget and the warehouse bill grows with every request.',
      remedy:
        'Serve features from a low-latency online store: `store.get_online_features(features=..., entity_rows=[...])` ' +
        'backed by Redis, DynamoDB or Bigtable, kept fresh by `feast materialize-incremental` or a streaming job; for a ' +
        'small static table, load it once at start-up into memory and look rows up by key.',
    });
  });
  return hits;
}

/** Whether an added offline read may run in a handler the hunk does not show. */
function wantsContent(file: ChangedFile): boolean {
  if (file.status === 'added' || BATCH_PATH.test(file.path) || !addsMention(file, MAY_READ)) return false;
  return file.hunks.some((hunk) => {
    const lines = headLines(hunk);
    const handles = warehouseHandles(lines);
    return lines.some((l, i) => {
      if (!l.added || commentLine(l.text, true)) return false;
      // A `read_sql` whose connection is defined outside the hunk may be a warehouse.
      const unknownSql = /\bread_sql(?:_query)?\s*\(/.test(l.text) && handles.size === 0;
      if (unknownSql) return requestPathUnknown(lines, i) || pythonRequestPath(lines, i) !== undefined;
      return offlineRead(lines, i, handles) !== undefined && requestPathUnknown(lines, i);
    });
  });
}

export const offlineStoreReadInRequest: Rule = {
  id: 'offline-store-read-in-request',
  summary: 'Features read per request from an offline or analytical store (Feast get_historical_features, BigQuery/Snowflake/Redshift/Athena, Parquet files)',
  why: 'Offline stores and warehouses answer in seconds, bill and rate-limit per query: the endpoint misses its latency budget and cost grows with traffic.',
  remedy: 'Read features from the online store (`get_online_features`, Redis/DynamoDB/Bigtable) materialised from the offline store on a schedule.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python files',
  appliesTo: (file) => file.language === 'python',
  wantsContent,
  check: (file) => (addsMention(file, MAY_READ) ? views(file).flatMap((lines) => hitsIn(file, lines)) : []),
};
