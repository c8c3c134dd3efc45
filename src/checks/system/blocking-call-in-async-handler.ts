import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { balancedText, commentLine, enclosingOpeners, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { addsTrigger, describeHandler, familyOf, headViewsAcrossDefs, isTestPath, requestPath, triggers } from './code-util.js';

interface Blocking {
  re: RegExp;
  /** The async way to do it, for the remedy. */
  instead: string;
}

const PY_BLOCKING: Blocking[] = [
  { re: /(?<![\w.])time\.sleep\s*\(/, instead: '`await asyncio.sleep(...)`' },
  { re: /(?<![\w.])(?:requests|httpx)\.(?:get|post|put|patch|delete|head|request)\s*\(/, instead: 'a shared `httpx.AsyncClient` (`await client.get(...)`)' },
  { re: /(?<![\w])(?:urllib\.request\.)?urlopen\s*\(/, instead: 'a shared `httpx.AsyncClient` (`await client.get(...)`)' },
  { re: /(?<![\w.])(?:psycopg2|pymysql|sqlite3|MySQLdb)\.connect\s*\(/, instead: 'an async driver (`asyncpg`, `aiomysql`, `aiosqlite`) or SQLAlchemy\'s async engine' },
  { re: /(?<![\w.])subprocess\.(?:run|call|check_call|check_output)\s*\(/, instead: '`await asyncio.create_subprocess_exec(...)`' },
  { re: /(?<![\w.])smtplib\.SMTP(?:_SSL)?\s*\(/, instead: '`aiosmtplib`, or a background task' },
];
/** pymongo's collection methods: blocking unless the file uses motor, whose calls are awaited. */
const PYMONGO_CALL = /\.(?:find_one|insert_one|insert_many|update_one|update_many|delete_one|delete_many|replace_one|count_documents|aggregate)\s*\(/;
/**
 * boto3's S3, SQS and DynamoDB calls: plain HTTP requests that block, unless the file uses aioboto3 or
 * aiobotocore, whose calls are awaited. Local helpers (`generate_presigned_url`) are left out, and so
 * are methods of `self` (Django REST framework's `self.get_object()`).
 */
const BOTO3_CALL =
  /(?<!\bself)\.(?:put_object|get_object|delete_object|head_object|copy_object|list_objects(?:_v2)?|upload_file(?:obj)?|download_file(?:obj)?|send_message(?:_batch)?|receive_message|put_item|get_item|update_item|delete_item|batch_write_item)\s*\(/;
/**
 * Words every pattern above (PYMONGO_CALL's and BOTO3_CALL's methods included) needs on an added line:
 * a cheap first test, of a file and of a line. Every call of JS_BLOCKING ends in `Sync`.
 */
const MAY_BLOCK = triggers({
  python: [
    'sleep', 'requests.', 'httpx.', 'urlopen', '.connect', 'subprocess.', 'smtplib.', '_one', '_many', 'count_documents', 'aggregate',
    '_object', 'upload_file', 'download_file', 'send_message', 'receive_message', '_item(',
  ],
  script: ['Sync'],
});
/** The call is handed to a thread: `asyncio.to_thread(requests.get, url)`, `run_in_executor(None, lambda: ...)`. */
const OFFLOADED = /\b(?:to_thread|run_in_threadpool|run_in_executor|run_sync|sync_to_async)\s*\(/;

/**
 * Whether the line at `index` is handed to a thread: the offload is on the line, or on a line above
 * whose parenthesis is still open there (`await run_in_threadpool(` then `lambda: s3.put_object(...)`
 * on the next line). An offload that closes before the line, or a block opener, does not count.
 */
function offloaded(lines: readonly HeadLine[], index: number): boolean {
  if (OFFLOADED.test(lines[index]?.text ?? '')) return true;
  return enclosingOpeners(lines, index).some((opener) => {
    const offload = OFFLOADED.exec(lines[opener]?.text ?? '');
    if (!offload) return false;
    // The call's text from the offload up to the line before `index`: unclosed there, it encloses the line.
    return !balancedText(lines, opener, offload.index, index - opener, 'round').text.endsWith(')');
  });
}

const JS_BLOCKING: Blocking[] = [
  { re: /\b(?:fs\.)?(?:readFileSync|writeFileSync|appendFileSync|readdirSync)\s*\(/, instead: '`await fs.promises.readFile(...)` (or read it once at start-up)' },
  { re: /\b(?:child_process\.)?(?:execSync|execFileSync|spawnSync)\s*\(/, instead: '`execFile` with a promise (`util.promisify`) or a job queue' },
  { re: /\b(?:crypto\.)?(?:pbkdf2Sync|scryptSync)\s*\(/, instead: 'the callback/promise form (`crypto.scrypt`), which runs on the libuv threadpool' },
];

function viewText(file: ChangedFile, lines: readonly HeadLine[]): string {
  return file.content ?? lines.map((l) => l.text).join('\n');
}

function usesPymongo(file: ChangedFile, lines: readonly HeadLine[]): boolean {
  const text = viewText(file, lines);
  return /\bpymongo\b|\bMongoClient\b/.test(text) && !/\bmotor\b|AsyncIOMotorClient|AsyncMongoClient/.test(text);
}

/** Whether the view builds its AWS clients with boto3 (and not with the async aioboto3/aiobotocore). */
function usesBoto3(file: ChangedFile, lines: readonly HeadLine[]): boolean {
  const text = viewText(file, lines);
  return /\bimport boto3\b|\bboto3\.(?:client|resource|Session)\s*\(/.test(text) && !/\baioboto3\b|\baiobotocore\b/.test(text);
}

/** A call that blocks only because of the library behind it (pymongo, boto3), when the view uses that library and does not await it. */
function libraryCall(file: ChangedFile, lines: readonly HeadLine[], text: string, uses: { pymongo?: boolean; boto3?: boolean }): Blocking | undefined {
  if (/\bawait\b/.test(text)) return undefined;
  if (PYMONGO_CALL.test(text) && (uses.pymongo ??= usesPymongo(file, lines))) {
    return { re: PYMONGO_CALL, instead: "motor's `AsyncIOMotorClient` (or pymongo's `AsyncMongoClient`)" };
  }
  if (BOTO3_CALL.test(text) && (uses.boto3 ??= usesBoto3(file, lines))) {
    return { re: BOTO3_CALL, instead: 'an async client (`aioboto3`)' };
  }
  return undefined;
}

function check(file: ChangedFile): RuleHit[] {
  const family = familyOf(file);
  if ((family !== 'python' && family !== 'script') || isTestPath(file.path)) return [];
  if (!addsTrigger(file, MAY_BLOCK)) return [];
  const hits: RuleHit[] = [];
  const mayBlock = MAY_BLOCK[family];
  // A change to a handler's body often leaves its `def` between two hunks: read them as one view.
  for (const lines of headViewsAcrossDefs(file)) {
    // Whether the view uses pymongo or boto3, read only once a line calls one of their methods.
    const uses: { pymongo?: boolean; boto3?: boolean } = {};
    lines.forEach((line, index) => {
      if (!line.added || !mayBlock.test(line.text) || commentLine(line.text, family === 'python')) return;
      const found =
        (family === 'python' ? PY_BLOCKING : JS_BLOCKING).find((b) => b.re.test(line.text)) ??
        (family === 'python' ? libraryCall(file, lines, line.text, uses) : undefined);
      if (!found || offloaded(lines, index)) return;
      const path = requestPath(lines, index, family, file.path);
      // Python: only `async def` handlers run on the event loop (FastAPI runs plain `def` in a threadpool).
      // JS: every handler runs on the one event loop, async or not.
      if (!path || (family === 'python' && !path.handler.async)) return;
      const call = (found.re.exec(line.text)?.[0] ?? '').replace(/^\./, '').replace(/\s*\($/, '');
      const where = describeHandler(path.handler);
      const via = path.via ? ` (through ${code(`${path.via}()`)})` : '';
      hits.push({
        line: line.line,
        title: `Blocking ${code(call)} in ${family === 'python' ? 'async handler' : 'request handler'} ${where}`,
        message:
          `${code(`${call}(…)`)} blocks${via} inside ${family === 'python' ? '`async def` handler' : 'request handler'} ${where}, ` +
          'which runs on the event loop: while it waits, no other request in this worker makes progress. One slow call ' +
          'stalls every concurrent request, and throughput collapses under load.',
        remedy:
          `Use ${found.instead}` +
          (family === 'python'
            ? ', or offload it with `await asyncio.to_thread(...)` / `run_in_threadpool(...)`, or declare the handler with plain `def` so the framework runs it in its threadpool.'
            : ', so the event loop keeps serving other requests.'),
      });
    });
  }
  return hits;
}

/** Calls whose handler may be above the hunk: the file is worth reading whole (a boto3 call also needs its import). */
const PY_CALLS_WORTH_A_READ = [...PY_BLOCKING.map((b) => b.re), BOTO3_CALL];

export const blockingCallInAsyncHandler: Rule = {
  id: 'blocking-call-in-async-handler',
  summary: 'Blocking I/O (time.sleep, requests, urlopen, sync DB drivers, boto3 S3/SQS/DynamoDB calls, subprocess, readFileSync/execSync) inside an async request handler',
  why: 'A blocking call on the event loop stops every other request in the worker while it waits; one slow upstream stalls them all.',
  remedy: 'Use the async client or driver, offload with `asyncio.to_thread`/`run_in_threadpool`, or make the handler a plain `def` (FastAPI runs it in a threadpool).',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python or JS/TS files',
  appliesTo: (file) => {
    const family = familyOf(file);
    return family === 'python' || family === 'script';
  },
  wantsContent: (file) =>
    file.language === 'python' &&
    file.content === undefined &&
    !isTestPath(file.path) &&
    addsTrigger(file, MAY_BLOCK) &&
    file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && /^\s/.test(l.text) && PY_CALLS_WORTH_A_READ.some((re) => re.test(l.text)))),
  check,
};
