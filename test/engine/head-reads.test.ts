import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/github/client.js';
import { readFilesAtRef } from '../../src/github/contents.js';

/** A contents API that holds each answer a while and counts the requests in flight; it has no GraphQL (404), as behind a REST-only proxy. */
function slowContents(holdMs: number): { server: Server; url: () => string; peak: () => number; served: string[] } {
  let inFlight = 0;
  let peak = 0;
  const served: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/graphql') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    inFlight++;
    peak = Math.max(peak, inFlight);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/repos\/acme\/shop\/contents\//, ''));
    setTimeout(() => {
      inFlight--;
      served.push(path);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`# ${path}\n`);
    }, holdMs);
  });
  return { server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, peak: () => peak, served };
}

describe('reading head files through the contents API (GraphQL unavailable)', () => {
  let fake: ReturnType<typeof slowContents>;
  beforeEach(async () => {
    fake = slowContents(40);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    fake.server.closeAllConnections();
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  });

  it('keeps several reads in flight at once, never more than ten, and reads every file once', async () => {
    const paths = Array.from({ length: 25 }, (_, i) => `svc/file_${i}.py`);
    const client = createClient({ token: 't', baseUrl: fake.url(), userAgent: 'test', warn: () => {} });
    const files = await readFilesAtRef(client, { owner: 'acme', repo: 'shop' }, 'headsha', paths, () => {});
    expect([...files.keys()].sort()).toEqual([...paths].sort());
    expect(files.get('svc/file_3.py')).toBe('# svc/file_3.py\n');
    expect([...fake.served].sort()).toEqual([...paths].sort());
    // Several answers were awaited at once (each held 40 ms by the fake): the reads did not go one at a time. No timing is asserted: that is the benchmark's job.
    expect(fake.peak()).toBeGreaterThan(1);
    expect(fake.peak()).toBeLessThanOrEqual(10);
  });
});
