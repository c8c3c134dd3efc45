import { describe, expect, it } from 'vitest';
import { httpCallWithoutTimeout } from '../../src/checks/system/http-timeout.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { checkOf, hitsOf, onlyHitOf } from './harness.js';

const hitsOn = checkOf(httpCallWithoutTimeout);
const onlyHit = onlyHitOf(hitsOf(httpCallWithoutTimeout));

function quiet(file: ChangedFile): void {
  expect(hitsOn(file)).toEqual([]);
}

describe('http-call-without-timeout fires', () => {
  it('on requests.get(url) in a Python client', () => {
    const text = src`
      import logging

      import requests

      from billing.config import settings

      log = logging.getLogger(__name__)


      def fetch_invoice(invoice_id: str) -> dict:
          url = f"{settings.billing_url}/v1/invoices/{invoice_id}"
          response = requests.get(url)
          response.raise_for_status()
          log.info("fetched invoice %s", invoice_id)
          return response.json()
    `;
    const hit = onlyHit(addedFile('billing/client.py', text));
    expect(hit.line).toBe(lineOf(text, 'requests.get(url)'));
    expect(hit.title).toBe('`requests.get` without a timeout');
    expect(hit.message).toContain('`requests.get(…)` has no timeout');
    expect(hit.remedy).toContain('timeout=(3.05, 10)');
    // A one-line remedy: the line with the timeout added, for a GitHub suggestion.
    expect(hit.suggestion).toBe('    response = requests.get(url, timeout=(3.05, 10))');
  });

  it('on a multi-line requests.post(...) call, at its first line', () => {
    const text = src`
      import requests

      WEBHOOK_URL = "https://hooks.example.com/services/T000/B000"


      def notify_deploy(service: str, version: str) -> None:
          payload = {"text": f"{service} {version} deployed", "channel": "#deploys"}
          response = requests.post(
              WEBHOOK_URL,
              json=payload,
              headers={"Content-Type": "application/json"},
          )
          response.raise_for_status()
    `;
    const hit = onlyHit(addedFile('ops/notify.py', text));
    expect(hit.line).toBe(lineOf(text, 'requests.post('));
    expect(hit.title).toBe('`requests.post` without a timeout');
    // Several lines to change: no one-line suggestion.
    expect(hit.suggestion).toBeUndefined();
  });

  it('on urllib.request.urlopen(url)', () => {
    const text = src`
      import json
      import urllib.request


      def latest_release(repo: str) -> str:
          url = f"https://api.github.com/repos/{repo}/releases/latest"
          with urllib.request.urlopen(url) as response:
              return json.load(response)["tag_name"]
    `;
    const hit = onlyHit(addedFile('tools/releases.py', text));
    expect(hit.line).toBe(lineOf(text, 'urlopen(url)'));
    expect(hit.title).toBe('`urllib.request.urlopen` without a timeout');
  });

  it('on a server-side fetch(url) in a .ts file', () => {
    const text = src`
      import type { Request, Response } from 'express';

      const INVENTORY_URL = process.env.INVENTORY_URL ?? 'http://inventory.internal';

      export async function stockLevel(req: Request, res: Response): Promise<void> {
        const sku = encodeURIComponent(req.params.sku ?? '');
        const upstream = await fetch(\`\${INVENTORY_URL}/v1/stock/\${sku}\`);
        if (!upstream.ok) {
          res.status(502).json({ error: 'inventory unavailable' });
          return;
        }
        res.json(await upstream.json());
      }
    `;
    const hit = onlyHit(addedFile('server/routes/stock.ts', text));
    expect(hit.suggestion).toBe('  const upstream = await fetch(`${INVENTORY_URL}/v1/stock/${sku}`, { signal: AbortSignal.timeout(5_000) });');
    expect(hit.line).toBe(lineOf(text, 'await fetch('));
    expect(hit.title).toBe('`fetch` without a timeout');
    expect(hit.remedy).toContain('AbortSignal.timeout');
  });

  it('on fetch with a space before its parenthesis', () => {
    const text = src`
      export async function stockLevel(sku: string): Promise<unknown> {
        const upstream = await fetch (\`http://inventory.internal/v1/stock/\${sku}\`);
        return upstream.json();
      }
    `;
    expect(onlyHit(addedFile('server/stock.ts', text)).line).toBe(lineOf(text, 'await fetch ('));
  });

  it('on fetch with an options object that has no signal', () => {
    const text = src`
      export async function publish(event: { type: string }): Promise<void> {
        await fetch('http://events.internal/v1/publish', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
        });
      }
    `;
    const hit = onlyHit(addedFile('server/events.ts', text));
    expect(hit.line).toBe(lineOf(text, 'await fetch('));
  });

  it('on the global axios even when the file creates an instance with a timeout', () => {
    const text = src`
      import axios from 'axios';

      const inventory = axios.create({ baseURL: 'http://inventory.internal', timeout: 2000 });

      export async function reserve(sku: string, qty: number): Promise<void> {
        await inventory.post('/v1/reservations', { sku, qty });
        await axios.post('http://payments.internal/v1/charges', { sku, qty });
      }
    `;
    const hit = onlyHit(addedFile('src/orders/reserve.ts', text));
    expect(hit.line).toBe(lineOf(text, "axios.post('http://payments"));
  });

  it('on axios.get(url)', () => {
    const text = src`
      const axios = require('axios');

      async function getExchangeRate(from, to) {
        const url = \`https://rates.example.com/v2/latest?base=\${from}&symbols=\${to}\`;
        const { data } = await axios.get(url);
        return data.rates[to];
      }

      module.exports = { getExchangeRate };
    `;
    const hit = onlyHit(addedFile('lib/rates.js', text));
    expect(hit.line).toBe(lineOf(text, 'axios.get(url)'));
    expect(hit.title).toBe('`axios.get` without a timeout');
  });

  it('on Go http.Get(url)', () => {
    const text = src`
      package catalog

      import (
      	"encoding/json"
      	"fmt"
      	"net/http"
      )

      type Product struct {
      	ID    string  \`json:"id"\`
      	Price float64 \`json:"price"\`
      }

      func FetchProduct(base, id string) (*Product, error) {
      	resp, err := http.Get(fmt.Sprintf("%s/v1/products/%s", base, id))
      	if err != nil {
      		return nil, err
      	}
      	defer resp.Body.Close()
      	var p Product
      	return &p, json.NewDecoder(resp.Body).Decode(&p)
      }
    `;
    const hit = onlyHit(addedFile('internal/catalog/client.go', text));
    expect(hit.line).toBe(lineOf(text, 'http.Get('));
    expect(hit.title).toBe('`http.Get` without a timeout');
    expect(hit.remedy).toContain('http.Client{Timeout');
  });

  it('on each unbounded call of a file, once per call', () => {
    const text = src`
      import requests


      def sync(base: str) -> None:
          users = requests.get(f"{base}/users").json()
          requests.post(f"{base}/audit", json={"count": len(users)}, timeout=5)
          requests.delete(f"{base}/cache")
    `;
    const hits = hitsOn(addedFile('jobs/sync.py', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(text, 'requests.get('), '`requests.get` without a timeout'],
      [lineOf(text, 'requests.delete('), '`requests.delete` without a timeout'],
    ]);
  });
});

describe('http-call-without-timeout stays quiet', () => {
  it('on requests calls with timeout=, on one line or several', () => {
    const text = src`
      import requests

      TIMEOUT = (3.05, 10)


      def fetch_profile(base: str, customer_id: str) -> dict:
          return requests.get(f"{base}/customers/{customer_id}", timeout=5).json()


      def push_score(base: str, customer_id: str, score: float) -> None:
          response = requests.post(
              f"{base}/scores",
              json={"customer_id": customer_id, "score": score},
              timeout=TIMEOUT,
          )
          response.raise_for_status()
    `;
    quiet(addedFile('serving/clients.py', text));
  });

  it('on a wrapper that passes **kwargs through (the caller decides)', () => {
    const text = src`
      import requests


      def get_json(url: str, **kwargs) -> dict:
          kwargs.setdefault("timeout", 10)
          response = requests.get(url, **kwargs)
          response.raise_for_status()
          return response.json()
    `;
    quiet(addedFile('common/http.py', text));
  });

  it('on urlopen with a timeout', () => {
    quiet(addedFile('tools/ping.py', 'import urllib.request\n\n\ndef ping(url):\n    return urllib.request.urlopen(url, timeout=3).status\n'));
  });

  it('on fetch with an abort signal, and on fetch with an options variable it cannot see into', () => {
    const text = src`
      const BASE = process.env.PRICING_URL ?? 'http://pricing.internal';

      export async function price(sku: string): Promise<number> {
        const res = await fetch(\`\${BASE}/v1/prices/\${sku}\`, { signal: AbortSignal.timeout(5000) });
        return ((await res.json()) as { price: number }).price;
      }

      export async function call(path: string, options: RequestInit): Promise<Response> {
        return fetch(\`\${BASE}\${path}\`, options);
      }

      export async function callWith(path: string, init: RequestInit): Promise<Response> {
        return fetch(\`\${BASE}\${path}\`, { ...init, headers: { accept: 'application/json' } });
      }
    `;
    quiet(addedFile('server/pricing.ts', text));
  });

  it('on fetch in a .tsx React component (browser code)', () => {
    const text = src`
      import { useEffect, useState } from 'react';

      export function OrderList({ customerId }: { customerId: string }) {
        const [orders, setOrders] = useState<string[]>([]);
        useEffect(() => {
          fetch(\`/api/customers/\${customerId}/orders\`)
            .then((res) => res.json())
            .then(setOrders);
        }, [customerId]);
        return <ul>{orders.map((o) => <li key={o}>{o}</li>)}</ul>;
      }
    `;
    const file = addedFile('web/src/OrderList.tsx', text);
    expect(httpCallWithoutTimeout.appliesTo(file)).toBe(false);
    quiet(file);
  });

  it('on axios calls with a timeout option', () => {
    const text = src`
      import axios from 'axios';

      export async function getUser(id: string) {
        const { data } = await axios.get(\`http://users.internal/v1/users/\${id}\`, { timeout: 3000 });
        return data;
      }

      export async function createUser(user: { email: string }) {
        const { data } = await axios.post('http://users.internal/v1/users', user, {
          timeout: 3000,
          headers: { 'x-request-source': 'signup' },
        });
        return data;
      }
    `;
    quiet(addedFile('server/users.ts', text));
  });

  it('on a file that sets axios.defaults.timeout', () => {
    const text = src`
      import axios from 'axios';

      axios.defaults.timeout = 5000;
      axios.defaults.baseURL = 'http://orders.internal';

      export async function listOrders(customerId: string) {
        const { data } = await axios.get(\`/v1/customers/\${customerId}/orders\`);
        return data;
      }
    `;
    quiet(addedFile('server/orders.ts', text));
  });

  it('on httpx (5 s default timeout), on a Session and on other objects named fetch', () => {
    const text = src`
      import httpx
      import requests

      session = requests.Session()
      session.headers["User-Agent"] = "churn-service/1.0"


      def profile(base: str, customer_id: str) -> dict:
          return httpx.get(f"{base}/customers/{customer_id}").json()


      def orders(base: str, customer_id: str) -> list:
          return session.get(f"{base}/customers/{customer_id}/orders", timeout=5).json()
    `;
    quiet(addedFile('serving/upstream.py', text));
    const ts = src`
      import { LRUCache } from 'lru-cache';

      export class Catalog {
        private readonly cache = new LRUCache<string, string>({ max: 500, fetchMethod: (k) => this.load(k) });

        async product(id: string): Promise<string | undefined> {
          return this.cache.fetch(id);
        }

        async warm(ids: string[]): Promise<void> {
          await Promise.all(ids.map((id) => this.fetch(id)));
          this.prefetch(ids);
        }

        private prefetch(ids: string[]): void {
          for (const id of ids) void this.cache.fetch(id);
        }

        private async fetch(id: string): Promise<string | undefined> {
          return this.cache.fetch(id);
        }

        private async load(id: string): Promise<string> {
          return \`product:\${id}\`;
        }
      }
    `;
    quiet(addedFile('server/catalog.ts', ts));
  });

  it('on a change that adds the missing timeout', () => {
    const before = src`
      import requests


      def fetch_invoice(base: str, invoice_id: str) -> dict:
          response = requests.get(f"{base}/v1/invoices/{invoice_id}")
          response.raise_for_status()
          return response.json()
    `;
    const after = before.replace('requests.get(f"{base}/v1/invoices/{invoice_id}")', 'requests.get(f"{base}/v1/invoices/{invoice_id}", timeout=5)');
    const file = changedFile({ path: 'billing/client.py', before, after });
    expect(file.additions).toBe(1);
    quiet(file);
  });

  it('on an unbounded call that the change only moves past (context lines are not re-reported)', () => {
    const before = src`
      import requests


      def fetch_invoice(base: str, invoice_id: str) -> dict:
          response = requests.get(f"{base}/v1/invoices/{invoice_id}")
          return response.json()
    `;
    const after = before.replace('    return response.json()', '    response.raise_for_status()\n    return response.json()');
    quiet(changedFile({ path: 'billing/client.py', before, after }));
  });

  it('on commented-out calls', () => {
    const text = src`
      import requests


      def fetch(url: str) -> bytes:
          # requests.get(url) hung forever in prod, see INC-2231
          return requests.get(url, timeout=10).content
    `;
    quiet(addedFile('common/download.py', text));
    const ts = src`
      export async function head(url: string): Promise<number> {
        // const res = await fetch(url);  -- hung on a dead upstream, see INC-2231
        /* await fetch(url) */
        const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(2_000) });
        return res.status;
      }
    `;
    quiet(addedFile('server/head.ts', ts));
  });

  it('on a wrapper function whose own name is urlopen or fetch (a definition is not a call)', () => {
    const text = src`
      import urllib.request

      DEFAULT_TIMEOUT = 10


      def urlopen(url, data=None):
          return urllib.request.urlopen(url, data, DEFAULT_TIMEOUT)
    `;
    quiet(addedFile('common/net.py', text));
    const ts = src`
      export async function fetch(input: string, init: RequestInit = {}): Promise<Response> {
        return globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(5_000) });
      }
    `;
    quiet(addedFile('server/net.ts', ts));
  });

  it('on Go code that uses a client with a Timeout', () => {
    const text = src`
      package catalog

      import (
      	"net/http"
      	"time"
      )

      var client = &http.Client{Timeout: 10 * time.Second}

      func Ping(url string) error {
      	resp, err := client.Get(url)
      	if err != nil {
      		return err
      	}
      	return resp.Body.Close()
      }
    `;
    quiet(addedFile('internal/catalog/ping.go', text));
  });
});
