import { describe, expect, it } from 'vitest';
import { redisClientWithoutTimeout } from '../../src/checks/system/redis-timeout.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { checkOf, hitsOf, onlyHitOf } from './harness.js';

const hitsOn = checkOf(redisClientWithoutTimeout);
const onlyHit = onlyHitOf(hitsOf(redisClientWithoutTimeout));

function quiet(file: ChangedFile): void {
  expect(hitsOn(file)).toEqual([]);
}

const FEATURES = src`
  import redis

  cache = redis.Redis(host="cache", port=6379)


  def build_features(profile: dict) -> list[float]:
      return [float(profile["tenure_months"]), float(profile["monthly_charges"])]
`;

describe('redis-client-without-timeout fires', () => {
  it('on a module-level redis.Redis(...) with no socket timeout', () => {
    const hit = onlyHit(addedFile('serving/features.py', FEATURES));
    expect(hit.line).toBe(lineOf(FEATURES, 'redis.Redis('));
    expect(hit.title).toBe('Redis client without a socket timeout (`redis.Redis`)');
    expect(hit.message).toContain('redis-py waits indefinitely by default');
    expect(hit.remedy).toContain('socket_timeout');
  });

  it('on redis.from_url(os.environ[...]) for a session store, and on asyncio clients', () => {
    const text = src`
      import os

      import redis
      from redis.asyncio import Redis

      sessions = redis.from_url(os.environ["SESSION_REDIS_URL"])
      queue = Redis(
          host=os.environ["QUEUE_HOST"],
          decode_responses=True,
      )
    `;
    expect(hitsOn(addedFile('app/state.py', text)).map((h) => [h.line, h.title])).toEqual([
      [lineOf(text, 'redis.from_url('), 'Redis client without a socket timeout (`redis.from_url`)'],
      [lineOf(text, 'queue = Redis('), 'Redis client without a socket timeout (`Redis`)'],
    ]);
  });

  it('on the class-method from_url, a cluster client, a pool made without a timeout, and socket_timeout=None', () => {
    const text = src`
      import os

      import redis
      from redis.cluster import RedisCluster

      cache = redis.Redis.from_url(os.environ["CACHE_URL"])
      cluster = RedisCluster(host="cache-cluster", port=6379)
      pool = redis.ConnectionPool(host="cache", port=6379)
      shared = redis.Redis(connection_pool=pool)
      unbounded = redis.Redis(host="cache", socket_timeout=None)
    `;
    expect(hitsOn(addedFile('app/cache.py', text)).map((h) => [h.line, h.title])).toEqual([
      [lineOf(text, 'redis.Redis.from_url('), 'Redis client without a socket timeout (`redis.Redis.from_url`)'],
      [lineOf(text, 'RedisCluster(host'), 'Redis client without a socket timeout (`RedisCluster`)'],
      [lineOf(text, 'redis.ConnectionPool('), 'Redis connection pool without a socket timeout (`redis.ConnectionPool`)'],
      [lineOf(text, 'socket_timeout=None'), 'Redis client without a socket timeout (`redis.Redis`)'],
    ]);
  });

  it('when a bracket in a string keeps the call from closing, whatever later lines say', () => {
    const text = src`
      import redis

      cache = redis.Redis(host="cache", password="p(ss"
      other = connect(socket_timeout=3)
    `;
    expect(hitsOn(addedFile('app/cache.py', text)).map((h) => h.line)).toEqual([lineOf(text, 'redis.Redis(')]);
  });
});

describe('redis-client-without-timeout stays quiet', () => {
  it('when the client has a socket timeout, on the call or in the URL, or takes a configured pool or options', () => {
    quiet(addedFile('app/cache.py', src`
      import os

      import redis

      POOL = redis.ConnectionPool(host="cache", socket_timeout=0.5)
      a = redis.Redis(host="cache", socket_timeout=0.5, socket_connect_timeout=0.5)
      b = redis.Redis(
          host="cache",
          port=6379,
          socket_timeout=1,
      )
      c = redis.from_url("redis://cache:6379/0?socket_timeout=1")
      d = redis.Redis(connection_pool=POOL)
      e = redis.Redis(**settings.REDIS_OPTIONS)
    `));
  });

  it('on a change that fixes it: the timeout added to an existing client', () => {
    quiet(changedFile({ path: 'serving/features.py', before: FEATURES, after: FEATURES.replace('port=6379)', 'port=6379, socket_timeout=0.5)') }));
  });

  it('on lines the change did not add, on comments, tests, and a Redis class that is not redis-py', () => {
    quiet(changedFile({ path: 'serving/features.py', before: FEATURES, after: `${FEATURES}\n\ndef ttl() -> int:\n    return 300\n` }));
    quiet(addedFile('app/cache.py', src`
      import redis

      # cache = redis.Redis(host="cache")
      TTL = 300
    `));
    quiet(addedFile('tests/test_cache.py', FEATURES));
    quiet(addedFile('app/fakes.py', src`
      class Redis(dict):
          """An in-memory stand-in."""


      store = Redis()
    `));
  });
});
