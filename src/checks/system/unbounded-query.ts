import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, commentLine, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { addsTrigger, describeHandler, familyOf, headViews, isScriptPath, isTestPath, requestPath, triggers, type Family, type RequestPath } from './code-util.js';
import { addsMention } from '../text.js';

interface Unbounded {
  /** What the finding calls it: the call or the SQL, shortened. */
  what: string;
  /** A WHERE that only scopes the rows to one parent (`account_id = $1`) and the time order they grow in: why it is still unbounded. */
  scoped?: { keys: string[]; order: string };
}

/** Anything that bounds or narrows the rows: a limit, a filter, a key lookup, a page. */
const ORM_BOUND = /\.(?:limit|filter|filter_by|where|get|get_or_404|paginate|offset|slice|first|one|one_or_none|scalar|count|exists)\s*\(|\.all\(\)\s*\[/;
const SQL_BOUND = /\b(?:LIMIT|WHERE|TOP\s+\d|FETCH\s+FIRST|OFFSET)\b|\b(?:COUNT|SUM|AVG|MIN|MAX)\s*\(/i;
/** A bind parameter or a literal: what an equality in a scoping WHERE compares a column with. */
const SQL_VALUE = String.raw`(?:\$\d+|\?|:\w+|%s|%\(\w+\)s|@\w+|'[^']*'|\d+|true|false)`;
/** One `col = value` condition on a foreign key (`account_id`, `o.org_id`): it scopes the rows to a parent, it does not bound them. */
const PARENT_KEY_EQUALS = new RegExp(String.raw`^(?:\w+\.)?(\w+_id)\s*=\s*${SQL_VALUE}$`, 'i');
/** An ORDER BY on a time column (`created_at`, `issued_at DESC`): rows that accumulate, listed newest or oldest first. */
const TIME_ORDER = /\bORDER\s+BY\s+((?:\w+\.)?\w*(?:_at|_on|date|time|timestamp|created|updated)\b(?:\s+(?:ASC|DESC))?)/i;

/**
 * A SELECT whose only WHERE scopes it to one parent by foreign key and which lists the rows in time order,
 * with no LIMIT: every invoice of an account, every audit event of an org. The parent's rows grow without
 * end, so the key is no bound. Any other condition (a range, IN, LIKE, a status) or a GROUP BY counts as one.
 */
function scopedToParent(sql: string): Unbounded['scoped'] {
  const order = TIME_ORDER.exec(sql)?.[1];
  const where = /\bWHERE\b([\s\S]*?)(?=\bORDER\s+BY\b)/i.exec(sql)?.[1];
  if (!order || where === undefined || /\b(?:LIMIT|TOP\s+\d|FETCH\s+FIRST|OFFSET|GROUP\s+BY)\b|\b(?:COUNT|SUM|AVG|MIN|MAX)\s*\(/i.test(sql)) return undefined;
  const keys: string[] = [];
  for (const condition of where.trim().split(/\s+AND\s+/i)) {
    const key = PARENT_KEY_EQUALS.exec(condition.trim())?.[1];
    if (!key) return undefined;
    keys.push(key);
  }
  return keys.length > 0 ? { keys, order: order.replace(/\s+/g, ' ') } : undefined;
}

/** What every branch of unboundedAt needs on the added line: a SELECT (in any case), `.all()`, read_sql_table, find/findMany/findAll/Find. */
const MAY_QUERY = /select\s|\.all\(\)|read_sql_table|\.find(?:Many|All)?\s*\(/i;

/** MAY_QUERY in plain words first, for the many files without any: `.find(` only as FIND_ALL has it, with no argument or `{`. */
const MAY_QUERY_WORDS = /\.all\(\)|read_sql_table|\.find\(\s*[{)]|\.find(?:Many|All)|\.Find\(|[sS][eE][lL][eE][cC][tT]/;

function mayQuery(file: ChangedFile): boolean {
  return addsMention(file, MAY_QUERY_WORDS);
}

/**
 * The words each family's branches of unboundedAt need, `select` followed by a space as sqlAt reads it
 * (not `onSelect=`): a first test of a file, before MAY_QUERY_WORDS.
 */
const QUERY_WORDS = triggers({
  python: ['.all()', 'read_sql_table', '.find(', 'select'],
  script: ['.find(', '.findMany', '.findAll', 'select'],
  go: ['.find(', '.Find(', 'select'],
});

/** `find()`, `find({})`, `find({}, {projection})`: every document. */
const FIND_ALL = /\.find\(\s*(?:\{\s*\}\s*(?:,\s*\{[^{}]*\})?)?\s*\)/;

/** The statement a line belongs to, joined: earlier lines it continues (`(`, `.` chains) and later `.chain()` lines. */
function statementAround(lines: readonly HeadLine[], index: number): string {
  let start = index;
  while (start > 0 && start > index - 8) {
    const own = (lines[start]?.text ?? '').trim();
    const prev = (lines[start - 1]?.text ?? '').trimEnd();
    if (/^[.)\]]/.test(own) || /[(\\.=,[]$/.test(prev)) start--;
    else break;
  }
  let end = index;
  while (end + 1 < lines.length && end < index + 8 && /^\s*\./.test(lines[end + 1]?.text ?? '')) end++;
  let out = '';
  for (const l of lines.slice(start, end + 1)) {
    const part = l.text.trim();
    out += out === '' || /^[.)\]]/.test(part) || /[([]$/.test(out) ? part : ` ${part}`;
  }
  // `orders = (` adds nothing to what the finding quotes.
  return out.replace(/^[\w.]+\s*(?::[^=]+)?=\s*(?:await\s+)?\(?(?=\S)/, '');
}

/** The string literal holding a SELECT that starts on this line (or whose opening quote ends the line before), read to its closing quote. */
function sqlAt(lines: readonly HeadLine[], index: number): string | undefined {
  const text = lines[index]?.text ?? '';
  let quote: string | undefined;
  let from = 0;
  const inline = /(?:[rbf]|rb|br)?("""|'''|["'`])\s*(select\s)/i.exec(text);
  if (inline) {
    quote = inline[1];
    from = inline.index + inline[0].length - (inline[2]?.length ?? 0);
  } else if (/^\s*SELECT\s/i.test(text)) {
    quote = /("""|'''|`)\s*$/.exec(lines[index - 1]?.text ?? '')?.[1];
  }
  if (!quote) return undefined;
  let sql = '';
  for (let i = index; i < lines.length && i < index + 15; i++) {
    const chunk = i === index ? text.slice(from) : (lines[i]?.text ?? '');
    const close = chunk.indexOf(quote);
    if (close >= 0) return sql + chunk.slice(0, close);
    sql += `${chunk}\n`;
  }
  return sql;
}

function unboundedAt(lines: readonly HeadLine[], index: number, family: Family): Unbounded | undefined {
  const text = lines[index]?.text ?? '';
  const sql = sqlAt(lines, index);
  if (sql !== undefined) {
    if (!/\bFROM\b/i.test(sql)) return undefined;
    const what = sql.replace(/\s+/g, ' ').trim();
    if (!SQL_BOUND.test(sql)) return { what };
    const scoped = scopedToParent(sql);
    return scoped ? { what, scoped } : undefined;
  }
  if (family === 'python' && /\.all\(\)/.test(text)) {
    const statement = statementAround(lines, index);
    if (!/\.query\(|\bselect\(|\.objects\.|\.scalars\(/.test(statement) || ORM_BOUND.test(statement)) return undefined;
    return { what: statement };
  }
  if (family === 'python' && /\bpd\.read_sql_table\s*\(/.test(text)) return { what: 'pd.read_sql_table(…)' };
  if (FIND_ALL.test(text)) {
    const statement = statementAround(lines, index);
    if (/\.limit\(|\bto_list\(\s*(?:length\s*=\s*)?\d/.test(statement)) return undefined;
    return { what: statement };
  }
  const many = /\.(findMany|findAll)\s*\(/.exec(text);
  if (many && family === 'script') {
    const call = callText(lines, index, many.index);
    if (/\b(?:take|limit|where|cursor)\b/.test(call)) return undefined;
    return { what: statementAround(lines, index) };
  }
  const gorm = /\.Find\(\s*&\w+\s*\)/.exec(text);
  if (gorm && family === 'go' && !/\.(?:Where|Limit|Scopes|Joins)\(/.test(statementAround(lines, index))) return { what: statementAround(lines, index) };
  return undefined;
}

/** Whether the handler paginates what it loads (Django's Paginator, a `page`/`cursor` parameter applied in the query). */
function paginated(lines: readonly HeadLine[], path: RequestPath, index: number): boolean {
  return lines.slice(path.defIndex, index + 8).some((l) => /paginat/i.test(l.text));
}

function short(text: string): string {
  return text.length > 90 ? `${text.slice(0, 87)}…` : text;
}

function messageOf(found: Unbounded, where: string): string {
  const head = `${code(short(found.what))} in request handler ${where}`;
  if (!found.scoped) {
    return (
      `${head} reads every matching row with no limit, on every request. Response size, memory and latency grow with ` +
      'the table: fine in staging, but at 10x data the endpoint times out, the worker is OOM-killed, and the database ' +
      'does a full scan per call.'
    );
  }
  const keys = found.scoped.keys.map((k) => code(k)).join(' and ');
  return (
    `${head} reads every row of one ${keys}, ordered by ${code(found.scoped.order)}, with no limit, on every request. ` +
    'The key only scopes the rows to a parent; they keep accumulating under it, and a large tenant has years of them: ' +
    'the response, memory and latency grow with its history until the endpoint times out or the worker is OOM-killed, ' +
    'holding a database connection for the whole read.'
  );
}

function check(file: ChangedFile): RuleHit[] {
  const family = familyOf(file);
  if (!family || isTestPath(file.path) || isScriptPath(file.path) || !addsTrigger(file, QUERY_WORDS) || !mayQuery(file)) return [];
  const hits: RuleHit[] = [];
  for (const lines of headViews(file)) {
    lines.forEach((line, index) => {
      if (!line.added || !MAY_QUERY.test(line.text) || commentLine(line.text, family === 'python')) return;
      const found = unboundedAt(lines, index, family);
      if (!found) return;
      const path = requestPath(lines, index, family, file.path);
      if (!path || paginated(lines, path, index)) return;
      const where = describeHandler(path.handler);
      hits.push({
        line: line.line,
        title: `Unbounded query in ${where}`,
        message: messageOf(found, where),
        remedy:
          'Bound it: paginate with a capped page size (`.limit(page_size).offset(...)`, keyset/cursor pagination, Prisma ' +
          '`take`/`cursor`, Mongo `.limit()`), or narrow it with a `WHERE` on an indexed key; stream or export large ' +
          'result sets through a background job instead.',
      });
    });
  }
  return hits;
}

export const unboundedQuery: Rule = {
  id: 'unbounded-query',
  summary: 'A query with no bound in a request handler (ORM .all(), SELECT without LIMIT/WHERE, Mongo find({}), Prisma findMany() without take, a list scoped to one parent and ordered by time with no limit)',
  why: 'Response size, memory and latency grow with the table; at 10x data the endpoint times out or the worker is OOM-killed.',
  remedy: 'Paginate with a capped page size (limit/offset or a cursor, Prisma `take`, Mongo `.limit()`) or narrow the query by an indexed key.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, JS/TS or Go files',
  appliesTo: (file) => familyOf(file) !== undefined,
  wantsContent: (file) => {
    const family = familyOf(file);
    if (!family || file.content !== undefined || isTestPath(file.path) || isScriptPath(file.path) || !mayQuery(file)) return false;
    return file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && /^\s/.test(l.text) && /\.all\(\)|\bselect\s|\.find\(|\.findMany\(|\.findAll\(|\.Find\(/i.test(l.text)));
  },
  check,
};
