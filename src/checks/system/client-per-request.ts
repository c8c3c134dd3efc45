import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { addsTrigger, describeHandler, familyOf, headViews, isScriptPath, isTestPath, requestPath, triggers, type Family } from './code-util.js';
import { addsMention } from '../text.js';

/** Constructors of clients that own connections (a pool, a TLS session, a DB connection): costly to build, meant to be shared. */
const CLIENTS: Record<Family, RegExp[]> = {
  python: [
    /(?<![\w.])requests\.Session\s*\(/,
    /(?<![\w.])httpx\.(?:Async)?Client\s*\(/,
    /(?<![\w.])aiohttp\.ClientSession\s*\(/,
    /(?<![\w.])boto3\.(?:client|resource|Session|session\.Session)\s*\(/,
    /(?<![\w.])(?:sqlalchemy\.(?:ext\.asyncio\.)?)?create_(?:async_)?engine\s*\(/,
    /(?<![\w.])(?:psycopg2|psycopg|asyncpg|pymysql|MySQLdb|aiomysql)\.connect\s*\(/,
    /(?<![\w.])(?:asyncpg\.|aiopg\.|aiomysql\.)create_pool\s*\(/,
    /(?<![\w.])(?:pymongo\.|motor\.motor_asyncio\.)?(?:MongoClient|AsyncIOMotorClient)\s*\(/,
    /(?<![\w.])(?:redis\.(?:asyncio\.)?)?(?:Strict)?Redis(?:\.from_url)?\s*\(|(?<![\w.])(?:redis|aioredis)\.from_url\s*\(/,
    /(?<![\w.])(?:openai\.)?(?:Async)?(?:Azure)?OpenAI\s*\(/,
    /(?<![\w.])(?:anthropic\.)?(?:Async)?Anthropic\s*\(/,
    /(?<![\w.])(?:elasticsearch\.)?(?:Async)?Elasticsearch\s*\(/,
    // Google Cloud clients (`from google.cloud import bigquery`): each holds its own credentials and gRPC/HTTP channels.
    /(?<![\w.])(?:google\.cloud\.)?(?:bigquery|storage|firestore|spanner|bigtable|datastore)\.Client\s*\(/,
    /(?<![\w.])(?:google\.cloud\.)?pubsub(?:_v1)?\.(?:Publisher|Subscriber)Client\s*\(/,
  ],
  script: [
    /\bnew\s+(?:PrismaClient|Pool|MongoClient|Redis|IORedis|OpenAI|Anthropic|Sequelize)\s*\(/,
    /\bnew\s+(?:S3|DynamoDB|DynamoDBDocument|SQS|SNS|SES|SESv2|Lambda|SecretsManager|Kinesis|EventBridge|CloudWatch)Client\s*\(/,
    /\b(?:mysql|mysql2)\.createPool\s*\(|\bknex\s*\(\s*\{/,
  ],
  go: [/\b(?:sql|sqlx)\.(?:Open|Connect)\s*\(/, /\bpgxpool\.(?:New|Connect|NewWithConfig)\s*\(/, /\bredis\.NewClient\s*\(/, /\bmongo\.Connect\s*\(/, /\bgorm\.Open\s*\(/],
};

/** Words every constructor of CLIENTS needs on an added line: a cheap first test of a file. */
const BUILD_WORDS = triggers({
  python: [
    'requests.Session', 'ClientSession', 'httpx.', 'boto3.', 'create_engine', 'create_async_engine', 'create_pool', '.connect',
    'MongoClient', 'MotorClient', 'Redis', 'from_url', 'OpenAI', 'Anthropic', 'Elasticsearch', 'Client(',
  ],
  script: ['Client', 'Pool', 'Redis', 'OpenAI', 'Anthropic', 'Sequelize', 'knex'],
  go: ['.Open', '.Connect', 'pgxpool.', 'NewClient'],
});

/** The same, closer (a JS client needs `new`), of a file that has the words and of each added line. */
const MAY_BUILD: Record<Family, RegExp> = {
  python: BUILD_WORDS.python,
  script: /new\s+\w*(?:Client|Pool|Redis|OpenAI|Anthropic|Sequelize)|createPool|knex/,
  go: BUILD_WORDS.go,
};

function mayBuild(file: ChangedFile, family: Family): boolean {
  return addsTrigger(file, BUILD_WORDS) && addsMention(file, MAY_BUILD[family]);
}

const REMEDY: Record<Family, string> = {
  python:
    'Build it once at start-up and reuse it: at module level, in a FastAPI `lifespan` that stores it on `app.state`, ' +
    'or behind an `@lru_cache` dependency; close it on shutdown. Handlers then borrow connections from its pool.',
  script:
    'Build it once per process and reuse it: a module-level singleton (for Next.js dev reloads, cached on `globalThis`), ' +
    'imported by the handlers; close it on shutdown.',
  go: 'Open it once in `main` (or the server constructor), keep it on the handler struct, and let every request share its pool.',
};

function check(file: ChangedFile): RuleHit[] {
  const family = familyOf(file);
  if (!family || isTestPath(file.path) || isScriptPath(file.path) || !mayBuild(file, family)) return [];
  const hits: RuleHit[] = [];
  for (const lines of headViews(file)) {
    lines.forEach((line, index) => {
      if (!line.added || !MAY_BUILD[family].test(line.text) || commentLine(line.text, family === 'python')) return;
      const match = CLIENTS[family].map((re) => re.exec(line.text)).find((m) => m !== null);
      if (!match) return;
      const path = requestPath(lines, index, family, file.path);
      if (!path) return;
      const call = match[0].replace(/^new\s+/, 'new ').replace(/\s*\($/, '');
      const where = describeHandler(path.handler);
      const via = path.via ? ` through ${code(`${path.via}()`)}` : '';
      hits.push({
        line: line.line,
        title: `${code(call)} built on every request in ${where}`,
        message:
          `${code(`${call}(…)`)} is constructed inside request handler ${where}${via}, so each request builds a new client ` +
          'with its own connections (TCP and TLS handshakes, auth, a fresh pool) and throws them away. Latency grows by the ' +
          'connection set-up, and at 10x traffic the service runs out of sockets or hits the database\'s connection limit.',
        remedy: REMEDY[family],
      });
    });
  }
  return hits;
}

/** A client built in a Python function whose decorator or caller may be above the hunk. */
function wantsContent(file: ChangedFile): boolean {
  const family = familyOf(file);
  if (!family || file.content !== undefined || isTestPath(file.path) || isScriptPath(file.path)) return false;
  if (!mayBuild(file, family)) return false;
  return file.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && /^\s/.test(l.text) && CLIENTS[family].some((re) => re.test(l.text))));
}

export const clientPerRequest: Rule = {
  id: 'client-per-request',
  summary: 'An expensive client or connection pool (HTTP session, boto3, Google Cloud, DB engine/connection, Redis, Mongo, LLM SDK) built inside a request handler',
  why: "Each request pays for new connections (TCP, TLS, auth) and a fresh pool; at 10x traffic the service runs out of sockets or hits the database's connection limit.",
  remedy: 'Build the client once at start-up (module level, a lifespan hook, an `@lru_cache` dependency, a struct field in Go) and share it.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, JS/TS or Go files',
  appliesTo: (file) => familyOf(file) !== undefined,
  wantsContent,
  check,
};
