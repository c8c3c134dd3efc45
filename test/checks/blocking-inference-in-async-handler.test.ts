import { describe, expect, it } from 'vitest';
import { blockingInferenceInAsyncHandler as rule } from '../../src/checks/ml/blocking-inference-in-async-handler.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { inferenceCall, MAY_INFER } from '../../src/checks/ml/inference-calls.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(rule);

const BLOCKING = src`
  import logging

  import joblib
  import numpy as np
  from fastapi import FastAPI
  from pydantic import BaseModel

  log = logging.getLogger(__name__)
  app = FastAPI(title="churn-service")
  model = joblib.load("models/churn-2024-06.joblib")


  class ChurnRequest(BaseModel):
      customer_id: str
      tenure_months: int
      monthly_charges: float


  @app.post("/predict")
  async def predict(req: ChurnRequest):
      features = np.array([[req.tenure_months, req.monthly_charges]])
      score = float(model.predict_proba(features)[0][1])
      log.info("scored customer=%s score=%.3f", req.customer_id, score)
      return {"customer_id": req.customer_id, "churn_probability": score}
`;

describe('blocking-inference-in-async-handler fires', () => {
  it('on model.predict_proba called directly in an async FastAPI route', () => {
    const hits = hitsOn(addedFile('serving/app.py', BLOCKING));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(BLOCKING, 'model.predict_proba('));
    expect(hits[0]?.title).toBe('Blocking inference in async handler `predict` (`POST /predict`)');
    expect(hits[0]?.message).toContain('`model.predict_proba(…)`');
  });

  it('on a transformer called in an async route and in a Ray Serve async __call__', () => {
    const text = src`
      import torch
      from fastapi import FastAPI
      from ray import serve
      from transformers import AutoModelForSequenceClassification, AutoTokenizer

      app = FastAPI()
      tokenizer = AutoTokenizer.from_pretrained("org/intents-v3")
      intent_model = AutoModelForSequenceClassification.from_pretrained("org/intents-v3").eval()


      @app.post("/intent")
      async def intent(payload: dict):
          inputs = tokenizer(payload["text"], return_tensors="pt", truncation=True)
          with torch.no_grad():
              logits = intent_model(**inputs).logits
          return {"intent": int(logits.argmax(-1))}


      @serve.deployment(num_replicas=2)
      class Summarizer:
          def __init__(self, generator):
              self.generator = generator

          async def __call__(self, request):
              body = await request.json()
              ids = self.generator.generate(body["input_ids"], max_new_tokens=128)
              return {"ids": ids.tolist()}
    `;
    const hits = hitsOn(addedFile('serving/nlp.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'intent_model(**inputs)'), lineOf(text, '.generate(')]);
    expect(hits[0]?.message).toContain('`intent_model(…)`');
    expect(hits[1]?.message).toContain('`self.generator.generate(…)`');
  });

  it('on a handler turned async around an existing predict call, at the def line', () => {
    const before = BLOCKING.replace('async def predict', 'def predict');
    const file = changedFile({ path: 'serving/app.py', before, after: BLOCKING });
    expect(hitsOn(file).map((h) => h.line)).toEqual([lineOf(BLOCKING, 'async def predict')]);
  });
});

describe('blocking-inference-in-async-handler stays quiet', () => {
  it('on a plain def handler, which FastAPI runs in its threadpool', () => {
    expect(hitsOn(addedFile('serving/app.py', BLOCKING.replace('async def predict', 'def predict')))).toEqual([]);
  });

  it('on the fix: the predict offloaded with run_in_threadpool or asyncio.to_thread', () => {
    const fixed = BLOCKING.replace('from fastapi import FastAPI', 'from fastapi import FastAPI\nfrom fastapi.concurrency import run_in_threadpool').replace(
      'score = float(model.predict_proba(features)[0][1])',
      'proba = await run_in_threadpool(model.predict_proba, features)\n    score = float(proba[0][1])',
    );
    const file = changedFile({ path: 'serving/app.py', before: BLOCKING, after: fixed });
    expect(hitsOn(file)).toEqual([]);
    const lambda = BLOCKING.replace('import logging', 'import asyncio\nimport logging').replace(
      'score = float(model.predict_proba(features)[0][1])',
      'score = await asyncio.to_thread(\n        lambda: float(model.predict_proba(features)[0][1])\n    )',
    );
    expect(hitsOn(addedFile('serving/app.py', lambda))).toEqual([]);
  });

  it('on an awaited async client that calls a remote model server', () => {
    const text = src`
      import numpy as np
      import tritonclient.grpc.aio as grpcclient
      from fastapi import FastAPI

      app = FastAPI()
      triton = grpcclient.InferenceServerClient(url="triton.ml.svc:8001")


      @app.post("/embed")
      async def embed(payload: dict):
          text = payload["text"].strip().encode("utf-8")
          inputs = [grpcclient.InferInput("TEXT", [1], "BYTES")]
          inputs[0].set_data_from_numpy(np.array([text], dtype=object))
          result = await triton.infer(model_name="embedder", inputs=inputs)
          vector = await app.state.reranker_client.predict(result.as_numpy("EMBEDDING"))
          return {"vector": vector.tolist()}
    `;
    expect(hitsOn(addedFile('serving/embed.py', text))).toEqual([]);
  });

  it('on inference in a nested sync function handed to run_in_executor, and in a startup hook', () => {
    const text = src`
      import asyncio
      from concurrent.futures import ThreadPoolExecutor

      import onnxruntime as ort
      from fastapi import FastAPI

      app = FastAPI()
      pool = ThreadPoolExecutor(max_workers=4)
      session = ort.InferenceSession("models/ranker.onnx")


      @app.on_event("startup")
      async def warm_up():
          session.run(None, {"input": [[0.0] * 8]})


      @app.post("/rank")
      async def rank(payload: dict):
          def work():
              return session.run(None, {"input": payload["features"]})[0]

          scores = await asyncio.get_running_loop().run_in_executor(pool, work)
          return {"scores": scores.tolist()}
    `;
    expect(hitsOn(addedFile('serving/rank.py', text))).toEqual([]);
  });

  it('asks for content when an added call is below the hunk start of its handler', () => {
    const after = BLOCKING.replace(
      'async def predict(req: ChurnRequest):\n',
      'async def predict(req: ChurnRequest):\n    label = int(model.predict([[req.tenure_months, req.monthly_charges]])[0])\n',
    );
    const file = changedFile({ path: 'serving/app.py', before: BLOCKING, after });
    expect(rule.wantsContent?.(file)).toBe(false); // the hunk shows the decorator and the blank line above it
    const far = BLOCKING.replace('async def predict(req: ChurnRequest):\n', 'async def predict(req: ChurnRequest):\n    """Score one customer.\n\n    The features are the raw inputs.\n    """\n');
    const farAfter = far.replace('    return {"customer_id"', '    label = model.predict(features)[0]\n    return {"label": int(label), "customer_id"');
    const farFile = changedFile({ path: 'serving/app.py', before: far, after: farAfter });
    expect(rule.wantsContent?.(farFile)).toBe(true);
    expect(hitsOn({ ...farFile, content: farAfter }).map((h) => h.line)).toEqual([lineOf(farAfter, 'label = model.predict(')]);
  });
});

describe('MAY_INFER', () => {
  it('matches every fixture line that has an inference call', () => {
    const calls = [
      'score = float(model.predict_proba(features)[0][1])',
      'logits = intent_model(**inputs).logits',
      'ids = self.generator.generate(body["input_ids"], max_new_tokens=128)',
      'vector = await app.state.reranker_client.predict(result.as_numpy("EMBEDDING"))',
      'session.run(None, {"input": [[0.0] * 8]})',
      'label = model.predict(features)[0]',
    ];
    for (const line of calls) {
      expect(inferenceCall(line), line).toBeDefined();
      expect(MAY_INFER.test(line), line).toBe(true);
    }
  });
});
