import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, commentLine, type HeadLine } from '../lines.js';
import { addsTrigger, headViews, isTestPath, triggers } from './code-util.js';
import { addsMention, mentions } from '../text.js';

/**
 * A redis-py client or connection pool made: `redis.Redis(…)`, `StrictRedis(…)`, `RedisCluster(…)`,
 * `ConnectionPool(…)`, through `redis.asyncio`, `redis.client`, `redis.cluster` or aioredis too, and
 * each of them `.from_url(…)`, or the module's own `redis.from_url(…)`.
 */
const CLIENT =
  /(?<![\w.])(?:(?:redis|aioredis)(?:\.(?:asyncio|client|cluster))?\.)?(?:(?:Strict)?Redis(?:Cluster)?|(?:Blocking)?ConnectionPool)(?:\.from_url)?\s*\(|(?<![\w.])(?:redis(?:\.asyncio)?|aioredis)\.from_url\s*\(/g;
/** Words CLIENT needs on an added line: a cheap first test of a file. */
const MAKE_WORDS = triggers({ python: ['Redis', 'ConnectionPool', 'from_url'] });
/** The same, closer, of a file that has the words and of each added line. */
const MAY_MAKE = /Redis\w*\s*\(|ConnectionPool|from_url/;
/** The file uses redis-py: a bare `Redis(` is then its client, not another library's class. */
const USES_REDIS_PY = /^\s*(?:import\s+(?:redis|aioredis)\b|from\s+(?:redis|aioredis)(?:\.\w+)*\s+import\b)/m;
/**
 * Arguments that bound the client's calls or say the timeouts are set elsewhere: a socket timeout
 * other than None (a keyword, or a URL's `?socket_timeout=`), a connection pool (judged where it is
 * made), options spread from a mapping.
 */
const SETTLED = /\bsocket_timeout\s*=\s*(?!None\b)|\bconnection_pool\s*=|\*\*\w/;

function clientHits(lines: readonly HeadLine[], index: number, usesRedisPy: boolean): RuleHit[] {
  const line = lines[index];
  if (!line?.added || !MAY_MAKE.test(line.text) || commentLine(line.text, true)) return [];
  const hits: RuleHit[] = [];
  for (const match of line.text.matchAll(CLIENT)) {
    // A bare `Redis(` is redis-py's only where the file imports redis-py; `class Redis(` defines another.
    if (!usesRedisPy && !/^(?:redis|aioredis)\./.test(match[0])) continue;
    if (/\b(?:class|def)\s+$/.test(line.text.slice(0, match.index ?? 0))) continue;
    // Only a call read to its closing parenthesis settles it: a bracket in a string could run on into later calls.
    const call = callText(lines, index, match.index ?? 0);
    if (call.endsWith(')') && SETTLED.test(call)) continue;
    const name = match[0].replace(/\s*\($/, '');
    hits.push({
      line: line.line,
      title: `Redis ${/ConnectionPool/.test(name) ? 'connection pool' : 'client'} without a socket timeout (\`${name}\`)`,
      message:
        `\`${name}(…)\` has no \`socket_timeout\`, and redis-py waits indefinitely by default. When Redis ` +
        'stalls (a failover, a full network buffer, a blocked server), every command on this client hangs, and with it the request ' +
        'or worker that issued it: a cache meant to save time takes the service down with it.',
      remedy:
        'Pass `socket_timeout` and `socket_connect_timeout` (e.g. `socket_timeout=0.5, socket_connect_timeout=0.5` for a cache), ' +
        'sized to the caller\'s deadline, and decide what a timeout means: for a cache, carry on without it.',
    });
  }
  return hits;
}

function check(file: ChangedFile): RuleHit[] {
  if (file.language !== 'python' || isTestPath(file.path) || !addsTrigger(file, MAKE_WORDS) || !addsMention(file, MAY_MAKE)) return [];
  const usesRedisPy = mentions(file, USES_REDIS_PY);
  return headViews(file).flatMap((lines) => lines.flatMap((_, index) => clientHits(lines, index, usesRedisPy)));
}

export const redisClientWithoutTimeout: Rule = {
  id: 'redis-client-without-timeout',
  summary: 'A Python Redis client or connection pool (redis-py `Redis(…)`, `RedisCluster`, `ConnectionPool`, `from_url(…)`, asyncio too) made without a socket timeout',
  why: 'redis-py waits on a stalled Redis forever by default: every request that touches the cache hangs with it.',
  remedy: "`socket_timeout` and `socket_connect_timeout` sized to the caller's deadline, and a decision on what a timeout means (for a cache: carry on).",
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files',
  appliesTo: (file) => file.language === 'python',
  check,
};
