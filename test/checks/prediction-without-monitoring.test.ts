import { describe, expect, it } from 'vitest';
import { predictionWithoutMonitoring as rule } from '../../src/checks/ml/prediction-without-monitoring.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';
import { EXPRESS_TAGGER } from './express-fixtures.js';

const hitsOn = hitsOf(rule);

const SERVICE = src`
  import logging

  import joblib
  import numpy as np
  from fastapi import FastAPI
  from pydantic import BaseModel

  log = logging.getLogger(__name__)
  app = FastAPI(title="churn-service")
  model = joblib.load("/models/churn-v9.joblib")
  log.info("model loaded")


  class ChurnRequest(BaseModel):
      customer_id: str
      tenure_months: int
      monthly_charges: float


  @app.get("/healthz")
  def healthz():
      return {"ok": True}


  @app.post("/predict")
  def predict(req: ChurnRequest):
      features = np.array([[req.tenure_months, req.monthly_charges]])
      score = float(model.predict_proba(features)[0][1])
      return {"customer_id": req.customer_id, "churn_probability": score}
`;

const V2 = `

@app.post("/v2/predict")
def predict_v2(req: ChurnRequest):
    features = np.array([[req.tenure_months, req.monthly_charges, 1.0]])
    label = int(model.predict(features)[0])
    return {"customer_id": req.customer_id, "churn": bool(label)}
`;

describe('prediction-without-monitoring asks', () => {
  it('on a new Express route that runs model.predict in a service with no metrics or prediction log', () => {
    const hits = hitsOn(addedFile('services/tagger/src/server.ts', EXPRESS_TAGGER));
    expect(hits.map((h) => h.line)).toEqual([lineOf(EXPRESS_TAGGER, "app.post('/v1/tags'")]);
    expect(hits[0]?.title).toBe('New prediction endpoint `route handler` (`POST /v1/tags`) without prediction logging or metrics');
    expect(hits[0]?.message).toContain('serves `model.predict(…)` results');
  });

  it('on a new prediction endpoint in a new service with no logging of predictions or metrics', () => {
    const hits = hitsOn(addedFile('serving/app.py', SERVICE));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(SERVICE, 'def predict('));
    expect(hits[0]?.title).toBe('New prediction endpoint `predict` (`POST /predict`) without prediction logging or metrics');
    expect(hits[0]?.message).toContain('serves `model.predict_proba(…)` results');
    expect(hits[0]?.message).toMatch(/where are predictions and inputs logged or measured\?$/);
  });

  it('on an endpoint added to an existing file, once the whole file shows no instrumentation', () => {
    const after = SERVICE + V2;
    const file = changedFile({ path: 'serving/app.py', before: SERVICE, after });
    expect(rule.wantsContent?.(file)).toBe(true);
    expect(hitsOn(file)).toEqual([]); // the imports are not in the hunk: the diff alone cannot tell
    const hits = hitsOn({ ...file, content: after });
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'def predict_v2(')]);
    expect(hits[0]?.message).toContain('`model.predict(…)`');
  });
});

describe('prediction-without-monitoring stays quiet', () => {
  it('on new Express routes that run SQL and Cypher, not a model (`pool.execute`, a Neo4j `session.run`)', () => {
    const text = src`
      import express from 'express';
      import mysql from 'mysql2/promise';
      import neo4j from 'neo4j-driver';

      const pool = mysql.createPool({ uri: process.env.DATABASE_URL });
      const driver = neo4j.driver(process.env.NEO4J_URL ?? 'bolt://localhost');
      const app = express();

      app.get('/orders/:id', async (req, res) => {
        const [rows] = await pool.execute('SELECT * FROM orders WHERE id = ?', [req.params.id]);
        res.json(rows);
      });

      app.get('/friends/:id', async (req, res) => {
        const session = driver.session();
        const result = await session.run('MATCH (u:User {id: $id})-[:FRIEND]->(f) RETURN f', { id: req.params.id });
        res.json(result.records.map((r) => r.get('f').properties));
      });
    `;
    expect(hitsOn(addedFile('services/social/src/server.ts', text))).toEqual([]);
  });

  it('on the Express route when the service exports a prom-client histogram, or logs each prediction', () => {
    const measured = EXPRESS_TAGGER.replace(
      "import express from 'express';",
      "import express from 'express';\nimport { Histogram } from 'prom-client';\n\nconst latency = new Histogram({ name: 'tagger_predict_seconds', help: 'predict latency' });",
    );
    expect(hitsOn(addedFile('services/tagger/src/server.ts', measured))).toEqual([]);
    const logged = EXPRESS_TAGGER.replace(
      '  res.json({ scores: Array.from(scores) });',
      "  logger.info({ modelVersion: 'tagger-v5', scores: Array.from(scores) }, 'prediction');\n  res.json({ scores: Array.from(scores) });",
    );
    expect(logged).not.toBe(EXPRESS_TAGGER);
    expect(hitsOn(addedFile('services/tagger/src/server.ts', logged))).toEqual([]);
  });

  it('on a new prediction route in an Express router or Fastify plugin file: the app, and its metrics middleware, are elsewhere', () => {
    const before = src`
      import { Router } from 'express';

      export const predictRouter = Router();
    `;
    const after = src`
      import * as tf from '@tensorflow/tfjs-node';
      import { Router } from 'express';

      import { loadModel } from '../model';

      export const predictRouter = Router();

      predictRouter.post('/predict', async (req, res) => {
        const model = await loadModel();
        const output = model.predict(tf.tensor2d([req.body.features])) as tf.Tensor;
        res.json({ score: (await output.data())[0] });
      });
    `;
    const file = changedFile({ path: 'src/routes/predict.ts', before, after });
    expect(hitsOn({ ...file, content: after })).toEqual([]);
    const plugin = src`
      import type { FastifyInstance } from 'fastify';

      import { model } from '../model.js';

      export default async function predictRoutes(fastify: FastifyInstance) {
        fastify.post('/predict', async (request) => {
          const scores = model.predict(request.body.features);
          return { scores };
        });
      }
    `;
    expect(hitsOn(addedFile('src/routes/predict.ts', plugin))).toEqual([]);
    // A file that builds the app itself is still judged, however it builds it.
    const app = src`
      const fastify = require('fastify')({ logger: true });
      const { model } = require('./model');

      fastify.post('/predict', async (request) => {
        const scores = model.predict(request.body.features);
        return { scores };
      });

      fastify.listen({ port: 8080 });
    `;
    expect(hitsOn(addedFile('src/server.js', app))).toHaveLength(1);
  });

  it('when the file exports Prometheus metrics at module level', () => {
    const instrumented = SERVICE.replace('from fastapi import FastAPI', 'from fastapi import FastAPI\nfrom prometheus_client import Histogram').replace(
      'log.info("model loaded")',
      'log.info("model loaded")\nSCORES = Histogram("churn_score", "Predicted churn probability", buckets=[i / 10 for i in range(11)])',
    );
    const after = instrumented + V2;
    const file = changedFile({ path: 'serving/app.py', before: instrumented, after });
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });

  it('on the fix: the prediction logged with its inputs', () => {
    const fixed = SERVICE.replace(
      '    return {"customer_id": req.customer_id, "churn_probability": score}',
      '    log.info("prediction", extra={"customer_id": req.customer_id, "features": features.tolist(), "score": score, "model": "churn-v9"})\n    return {"customer_id": req.customer_id, "churn_probability": score}',
    );
    expect(hitsOn(addedFile('serving/app.py', fixed))).toEqual([]);
  });

  it('on a modified existing endpoint and on new endpoints that do not predict', () => {
    const modified = SERVICE.replace('score = float(model.predict_proba(features)[0][1])', 'score = round(float(model.predict_proba(features)[0][1]), 4)');
    expect(hitsOn({ ...changedFile({ path: 'serving/app.py', before: SERVICE, after: modified }), content: modified })).toEqual([]);
    const metadata = `${SERVICE}

@app.get("/model")
def model_info():
    return {"name": "churn", "version": "v9", "features": ["tenure_months", "monthly_charges"]}
`;
    expect(hitsOn({ ...changedFile({ path: 'serving/app.py', before: SERVICE, after: metadata }), content: metadata })).toEqual([]);
  });

  it('when predictions are captured by a shared monitoring module', () => {
    const text = src`
      from fastapi import FastAPI

      from serving.model import MODEL
      from serving.monitoring import capture

      app = FastAPI()


      @app.post("/rank")
      def rank(payload: dict):
          scores = MODEL.predict(payload["candidates"]).tolist()
          capture(payload, scores)
          return {"scores": scores}
    `;
    expect(hitsOn(addedFile('serving/rank.py', text))).toEqual([]);
  });
});
