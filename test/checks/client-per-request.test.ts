import { describe, expect, it } from 'vitest';
import { clientPerRequest } from '../../src/checks/system/client-per-request.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(clientPerRequest);
const onlyHit = onlyHitOf(hitsOn);

const THUMBNAILS_PY = src`
  import io
  import os

  import boto3
  from fastapi import APIRouter, UploadFile
  from PIL import Image

  router = APIRouter()
  BUCKET = os.environ["THUMBNAIL_BUCKET"]


  @router.post("/thumbnails")
  async def create_thumbnail(file: UploadFile):
      image = Image.open(io.BytesIO(await file.read()))
      image.thumbnail((256, 256))
      out = io.BytesIO()
      image.save(out, format="PNG")
      s3 = boto3.client("s3")
      key = f"thumbs/{file.filename}.png"
      s3.put_object(Bucket=BUCKET, Key=key, Body=out.getvalue(), ContentType="image/png")
      return {"key": key}
`;

const LTV_PY = src`
  import joblib
  from flask import Flask, jsonify, request
  from google.cloud import bigquery

  app = Flask(__name__)
  model = joblib.load("/models/ltv.joblib")
  QUERY = "SELECT orders_180d, revenue_180d FROM analytics.customer_features WHERE customer_id = @customer_id"


  @app.post("/v1/ltv")
  def predict_ltv():
      customer_id = request.get_json()["customer_id"]
      client = bigquery.Client(project="acme-analytics")
      params = [bigquery.ScalarQueryParameter("customer_id", "STRING", customer_id)]
      rows = client.query(QUERY, job_config=bigquery.QueryJobConfig(query_parameters=params)).to_dataframe()
      return jsonify(customer_id=customer_id, ltv=float(model.predict(rows)[0]))
`;

describe('client-per-request fires', () => {
  it('on boto3.client inside a FastAPI handler', () => {
    const hit = onlyHit(addedFile('media/api.py', THUMBNAILS_PY));
    expect(hit.line).toBe(lineOf(THUMBNAILS_PY, 'boto3.client("s3")'));
    expect(hit.title).toBe('`boto3.client` built on every request in `create_thumbnail` (`POST /thumbnails`)');
    expect(hit.remedy).toContain('lifespan');
  });

  it('on a Google Cloud client (bigquery.Client) inside a Flask route', () => {
    const hit = onlyHit(addedFile('serving/ltv/app.py', LTV_PY));
    expect(hit.line).toBe(lineOf(LTV_PY, 'bigquery.Client('));
    expect(hit.title).toBe('`bigquery.Client` built on every request in `predict_ltv` (`POST /v1/ltv`)');
  });

  it('on httpx.AsyncClient in a helper that a handler calls', () => {
    const text = src`
      import httpx
      from fastapi import FastAPI

      app = FastAPI()
      GEO_URL = "https://geo.internal/v1/lookup"


      async def lookup_country(ip: str) -> str:
          async with httpx.AsyncClient(timeout=2.0) as client:
              response = await client.get(GEO_URL, params={"ip": ip})
              response.raise_for_status()
              return response.json()["country"]


      @app.get("/whereami")
      async def where_am_i(ip: str):
          return {"country": await lookup_country(ip)}
    `;
    const hit = onlyHit(addedFile('geo/app.py', text));
    expect(hit.message).toContain('through `lookup_country()`');
  });

  it('on new PrismaClient() in an Express route', () => {
    const text = src`
      import express from 'express';
      import { PrismaClient } from '@prisma/client';

      export const app = express();
      app.use(express.json());

      app.get('/api/products/:id', async (req, res) => {
        const prisma = new PrismaClient();
        const product = await prisma.product.findUnique({ where: { id: req.params.id } });
        if (!product) return res.status(404).json({ error: 'not found' });
        res.json(product);
      });
    `;
    const hit = onlyHit(addedFile('src/server.ts', text));
    expect(hit.line).toBe(lineOf(text, 'new PrismaClient()'));
    expect(hit.title).toBe('`new PrismaClient` built on every request in `route handler` (`GET /api/products/:id`)');
  });

  it('on sql.Open inside a Go http handler', () => {
    const text = src`
      package api

      import (
      	"database/sql"
      	"encoding/json"
      	"net/http"
      	"os"
      )

      func ListTeams(w http.ResponseWriter, r *http.Request) {
      	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
      	if err != nil {
      		http.Error(w, "db", http.StatusInternalServerError)
      		return
      	}
      	defer db.Close()
      	rows, _ := db.QueryContext(r.Context(), "SELECT id, name FROM teams WHERE org_id = $1", r.URL.Query().Get("org"))
      	defer rows.Close()
      	_ = json.NewEncoder(w).Encode(rows)
      }
    `;
    const hit = onlyHit(addedFile('internal/api/teams.go', text));
    expect(hit.line).toBe(lineOf(text, 'sql.Open('));
  });
  it('on a client added deep in a long handler, once the whole file is read (wantsContent)', () => {
    const before = THUMBNAILS_PY.replace(
      '    image = Image.open(io.BytesIO(await file.read()))\n',
      '    image = Image.open(io.BytesIO(await file.read()))\n' + '    image = image.convert("RGB")\n'.repeat(8),
    ).replace('    s3 = boto3.client("s3")\n', '');
    const after = before.replace('    key = f"thumbs/', '    s3 = boto3.client("s3")\n    key = f"thumbs/');
    const file = changedFile({ path: 'media/api.py', before, after });
    expect(hitsOn(file)).toEqual([]); // the hunk does not show the route decorator
    expect(clientPerRequest.wantsContent?.(file)).toBe(true);
    expect(hitsOn({ ...file, content: after })).toHaveLength(1);
  });
});

describe('client-per-request stays quiet', () => {
  it('on the fix: the client built once at module level', () => {
    const after = THUMBNAILS_PY.replace('BUCKET = os.environ["THUMBNAIL_BUCKET"]\n', 'BUCKET = os.environ["THUMBNAIL_BUCKET"]\ns3 = boto3.client("s3")\n').replace('    s3 = boto3.client("s3")\n', '');
    expect(hitsOn(changedFile({ path: 'media/api.py', before: THUMBNAILS_PY, after }))).toEqual([]);
  });

  it('on a Google Cloud client built once at module level, and on its per-request query objects', () => {
    const after = LTV_PY.replace('model = joblib.load', 'bq = bigquery.Client(project="acme-analytics")\nmodel = joblib.load')
      .replace('    client = bigquery.Client(project="acme-analytics")\n', '')
      .replace('rows = client.query(', 'rows = bq.query(');
    expect(hitsOn(addedFile('serving/ltv/app.py', after))).toEqual([]);
  });

  it('in a lifespan hook and an @lru_cache dependency', () => {
    const text = src`
      from contextlib import asynccontextmanager
      from functools import lru_cache

      import httpx
      from fastapi import Depends, FastAPI, Request
      from openai import OpenAI


      @asynccontextmanager
      async def lifespan(app: FastAPI):
          app.state.http = httpx.AsyncClient(timeout=5.0)
          yield
          await app.state.http.aclose()


      @lru_cache
      def get_llm() -> OpenAI:
          return OpenAI(timeout=30)


      app = FastAPI(lifespan=lifespan)


      @app.post("/summaries")
      async def summarise(request: Request, llm: OpenAI = Depends(get_llm)):
          text = (await request.body()).decode()
          reply = llm.responses.create(model="gpt-4.1-mini", input=f"Summarise: {text}")
          return {"summary": reply.output_text}
    `;
    expect(hitsOn(addedFile('summaries/app.py', text))).toEqual([]);
  });

  it('on a Next.js route handler that reuses a globalThis-cached client', () => {
    const text = src`
      import { PrismaClient } from '@prisma/client';

      const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

      export async function GET(request: Request) {
        globalForPrisma.prisma ??= new PrismaClient();
        const url = new URL(request.url);
        const rows = await globalForPrisma.prisma.event.findMany({ where: { slug: url.searchParams.get('slug') ?? '' }, take: 20 });
        return Response.json(rows);
      }
    `;
    expect(hitsOn(addedFile('app/api/events/route.ts', text))).toEqual([]);
  });

  it('on a look-alike: a one-off script building a session in main()', () => {
    const text = src`
      import argparse

      import requests


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--base-url", required=True)
          args = parser.parse_args()
          session = requests.Session()
          session.headers["Authorization"] = "Bearer " + input("token: ")
          for page in range(1, 50):
              r = session.get(f"{args.base_url}/v1/users", params={"page": page}, timeout=10)
              r.raise_for_status()


      if __name__ == "__main__":
          main()
    `;
    expect(hitsOn(addedFile('scripts/backfill_users.py', text))).toEqual([]);
    expect(hitsOn(addedFile('backfill/users.py', text))).toEqual([]);
  });
});
