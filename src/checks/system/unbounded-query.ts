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
/**
 * The key of an owner whose rows pile up over the years (`account_id`, `o.org_id`, `billing_account_id`). A
 * key of any parent (`order_id`, `invoice_id`) scopes to a small set of children: that narrows the rows.
 */
const OWNER_KEY = String.raw`(?:\w+_)?(?:account|org|organization|organisation|tenant|user|customer|client|workspace|team|project|company|merchant|member|owner|author|actor|store|shop|seller|vendor|subscriber)_id`;
/** One `col = value` condition on an owner's key: it scopes the rows to a parent, it does not bound them. */
const PARENT_KEY_EQUALS = new RegExp(String.raw`^(?:\w+\.)?(${OWNER_KEY})\s*=\s*${SQL_VALUE}$`, 'i');
/** An ORDER BY on a time column (`created_at`, `issued_at DESC`): rows that accumulate, listed newest or oldest first. */
const TIME_ORDER = /\bORDER\s+BY\s+((?:\w+\.)?\w*(?:_at|_on|date|time|timestamp|created|updated)\b(?:\s+(?:ASC|DESC))?)/i;

/**
 * The last word of a table's name (`audit_events`, `login_history`, `PaymentAttempts` → `events`, `history`,
 * `attempts`) when it names rows that accumulate over time, one per thing that happened: events, logs, messages,
 * orders, payments, runs... Such a table keeps growing under each owner, year after year. Anything else
 * (`api_keys`, `team_members`, `environments`, `payment_methods`, `cart_items`, `user_emails`) is a set the owner
 * curates by hand and stays small, so a list of it is bounded in practice.
 */
const ACCUMULATING_TABLE =
  /^(?:events?|logs?|audits?|messages?|notifications?|orders?|invoices?|receipts?|transactions?|payments?|charges?|refunds?|payouts?|transfers?|activit(?:y|ies)|histor(?:y|ies)|comments?|records?|entr(?:y|ies)|jobs?|runs?|executions?|tasks?|deliver(?:y|ies)|attempts?|requests?|visits?|clicks?|impressions?|sessions?|logins?|alerts?|incidents?|measurements?|readings?|samples?|snapshots?|revisions?|versions?|changes?|deployments?|builds?|tickets?|posts?|replies|uploads?|shipments?|sales?|bookings?|reservations?|calls?|traces?|spans?|ledgers?|journals?|statements?|usages?|results?|submissions?|responses?|reviews?|reactions?|votes?|conversations?|chats?|timelines?)$/i;

/** The last word of the table the SELECT reads FROM (schema, quotes and alias dropped), in lower case. */
function tableWord(sql: string): string | undefined {
  const table = /\bFROM\s+(?:[`"[]?\w+[`"\]]?\.)*[`"[]?(\w+)/i.exec(sql)?.[1];
  return table
    ?.replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .split('_')
    .filter((w) => w !== '')
    .at(-1)
    ?.toLowerCase();
}

/**
 * A SELECT whose only WHERE scopes it to one owner (an account, an org, a user) by its key and which lists
 * the rows in time order, with no LIMIT: every invoice of an account, every audit event of an org. The
 * owner's rows grow without end, so the key is no bound. Any other condition (a range, IN, LIKE, a status) or a GROUP BY counts as one,
 * and so does a table that does not accumulate (ACCUMULATING_TABLE).
 */
function scopedToParent(sql: string): Unbounded['scoped'] {
  const order = TIME_ORDER.exec(sql)?.[1];
  const where = /\bWHERE\b([\s\S]*?)(?=\bORDER\s+BY\b)/i.exec(sql)?.[1];
  const word = tableWord(sql);
  if (!order || where === undefined || !word || !ACCUMULATING_TABLE.test(word) || /\b(?:LIMIT|TOP\s+\d|FETCH\s+FIRST|OFFSET|GROUP\s+BY)\b|\b(?:COUNT|SUM|AVG|MIN|MAX)\s*\(/i.test(sql)) return undefined;
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

interface SqlLiteral {
  sql: string;
  /** The column on its first line where the SQL starts (after the quote). */
  from: number;
  /** The line where the literal closes, and the column after its closing quote. */
  end: number;
  endColumn: number;
}

/** The string literal holding a SELECT that starts on this line (or whose opening quote ends the line before), read to its closing quote. */
function sqlAt(lines: readonly HeadLine[], index: number): SqlLiteral | undefined {
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
    if (close >= 0) return { sql: sql + chunk.slice(0, close), from, end: i, endColumn: close + quote.length + (i === index ? from : 0) };
    sql += `${chunk}\n`;
  }
  return { sql, from, end: Math.min(lines.length, index + 15) - 1, endColumn: Number.MAX_SAFE_INTEGER };
}

/** A call that returns one row, around the SQL it is given: asyncpg `fetchrow`, Go `QueryRow`, sqlx `Get`, `[row] =`. */
const ONE_ROW_CALL = /\b(?:fetchrow|fetchval|fetch_one|fetch_val|QueryRow\w*|Get(?:Context)?|findFirst|findOne)\s*\(|(?:\brows\s*:\s*|^\s*(?:const|let|var)\s+)\[\s*\w+\s*\]/;
/** What reads one row once the statement has run: `cur.fetchone()`, `.first()`, `rows[0]`. */
const ONE_ROW_AFTER = /\.(?:fetchone|first|one|one_or_none|scalar|scalar_one|scalar_one_or_none)\s*\(|\b(?:rows|result|results|records)\[0\]/;

/** The text of the call the SQL is passed to, read back to the statement's first line (at most 3 lines up). */
function callOpening(lines: readonly HeadLine[], index: number, literal: SqlLiteral): string {
  let opening = (lines[index]?.text ?? '').slice(0, literal.from);
  for (let i = index - 1; i >= 0 && i >= index - 3 && !opening.includes('('); i--) {
    const prev = (lines[i]?.text ?? '').trimEnd();
    if (!/[(,=]$|(?:"""|'''|`)$/.test(prev)) break;
    opening = `${prev} ${opening}`;
  }
  return opening;
}

/** The rest of the line where the SQL closes and the `count` lines after it. */
function linesAfter(lines: readonly HeadLine[], literal: SqlLiteral, count: number): string[] {
  return [(lines[literal.end]?.text ?? '').slice(literal.endColumn), ...lines.slice(literal.end + 1, literal.end + 1 + count).map((l) => l.text)];
}

/**
 * Whether the SQL is fetched as one row: by the call it is passed to or on the line it closes and the 3
 * after. The query then returns, or is used for, a single row however many rows match.
 */
function fetchedAsOneRow(lines: readonly HeadLine[], index: number, literal: SqlLiteral): boolean {
  return ONE_ROW_CALL.test(callOpening(lines, index, literal)) || linesAfter(lines, literal, 3).some((text) => ONE_ROW_AFTER.test(text));
}

/**
 * A call that streams the rows instead of loading them, given the SQL: asyncpg/psycopg `cursor(`, SQLAlchemy
 * `stream(` and `stream_results`, Django `server_side_cursors`, knex `.stream(`, pg-query-stream, pg-cursor.
 */
const STREAM_CALL = /\.(?:cursor|stream|iterate)\s*\(|\bnew\s+(?:QueryStream|Cursor)\s*\(|\b(?:yield_per|stream_results|server_side_cursors)\b/;
/**
 * The same once the statement has run (SQLAlchemy `yield_per`), or a response sent as the rows arrive:
 * Starlette's `StreamingResponse`, Django's `StreamingHttpResponse`, a Node stream piped to `res`.
 */
const STREAM_AFTER = /\b(?:yield_per|stream_results)\b|\bStreaming(?:Http)?Response\s*\(|\.pipe\(\s*res\b|\bReadable\.from\s*\(|\bnew\s+Readable\b/;

/**
 * Whether the rows are streamed: by the call the SQL is passed to, or on the line it closes and the 6 after
 * (an export's generator runs a few lines before its `return StreamingResponse(...)`). Memory then stays
 * flat however many rows the owner has: streaming is the remedy the finding itself gives.
 */
function streamed(lines: readonly HeadLine[], index: number, literal: SqlLiteral): boolean {
  const opening = callOpening(lines, index, literal);
  return STREAM_CALL.test(opening) || STREAM_AFTER.test(opening) || linesAfter(lines, literal, 6).some((text) => STREAM_AFTER.test(text));
}

function unboundedAt(lines: readonly HeadLine[], index: number, family: Family): Unbounded | undefined {
  const text = lines[index]?.text ?? '';
  const literal = sqlAt(lines, index);
  if (literal !== undefined) {
    const { sql } = literal;
    if (!/\bFROM\b/i.test(sql)) return undefined;
    const bounded = SQL_BOUND.test(sql);
    const scoped = bounded ? scopedToParent(sql) : undefined;
    if ((bounded && !scoped) || fetchedAsOneRow(lines, index, literal) || (scoped && streamed(lines, index, literal))) return undefined;
    const what = sql.replace(/\s+/g, ' ').trim();
    return scoped ? { what, scoped } : { what };
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
  summary: 'A query with no bound in a request handler (ORM .all(), SELECT without LIMIT/WHERE, Mongo find({}), Prisma findMany() without take, a list scoped to one owner (account, org, user...) and ordered by time with no limit)',
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
