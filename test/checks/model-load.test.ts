import { describe, expect, it } from 'vitest';
import { modelLoadInRequestPath } from '../../src/checks/ml/model-load.js';
import { addedFile, changeSetOf, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(modelLoadInRequestPath);
const onlyHit = onlyHitOf(hitsOn);

describe('model-load-in-request-path fires', () => {
  it('on joblib.load inside a FastAPI @app.post("/predict") handler', () => {
    const text = src`
      import joblib
      import numpy as np
      from fastapi import FastAPI, HTTPException
      from pydantic import BaseModel

      app = FastAPI(title="churn-service")
      MODEL_PATH = "models/churn-2024-06.joblib"


      class ChurnRequest(BaseModel):
          customer_id: str
          tenure_months: int
          monthly_charges: float


      @app.get("/healthz")
      def healthz():
          return {"ok": True}


      @app.post("/predict")
      async def predict(req: ChurnRequest):
          if req.tenure_months < 0:
              raise HTTPException(status_code=422, detail="tenure must be >= 0")
          model = joblib.load(MODEL_PATH)
          features = np.array([[req.tenure_months, req.monthly_charges]])
          score = float(model.predict_proba(features)[0][1])
          return {"customer_id": req.customer_id, "churn_probability": score}
    `;
    const hit = onlyHit(addedFile('serving/app.py', text));
    expect(hit.line).toBe(lineOf(text, 'joblib.load(MODEL_PATH)'));
    expect(hit.title).toBe('Model loaded on every request in `predict` (`POST /predict`)');
    expect(hit.message).toContain('`joblib.load(…)`');
    expect(hit.message).toContain('`predict` (`POST /predict`)');
    expect(hit.remedy).toMatch(/once at start-up/);
  });

  it('on torch.load inside a Flask blueprint @bp.route, naming the route', () => {
    const text = src`
      import io

      import torch
      from flask import Blueprint, jsonify, request
      from PIL import Image
      from torchvision import transforms

      bp = Blueprint("vision", __name__, url_prefix="/v1")
      preprocess = transforms.Compose([
          transforms.Resize(256),
          transforms.CenterCrop(224),
          transforms.ToTensor(),
      ])


      @bp.route("/classify", methods=["POST"])
      def classify():
          image = Image.open(io.BytesIO(request.files["image"].read())).convert("RGB")
          model = torch.load("weights/resnet50-finetuned.pt", map_location="cpu")
          model.eval()
          with torch.no_grad():
              logits = model(preprocess(image).unsqueeze(0))
          label = int(logits.argmax(dim=1))
          return jsonify({"label": label})
    `;
    const hit = onlyHit(addedFile('vision/routes.py', text));
    expect(hit.line).toBe(lineOf(text, 'torch.load('));
    expect(hit.title).toBe('Model loaded on every request in `classify` (`POST /classify`)');
    expect(hit.message).toContain('`torch.load(…)`');
  });

  it('on AutoModel.from_pretrained in an uncached get_model() helper a handler calls, naming the helper', () => {
    const text = src`
      from fastapi import APIRouter
      from pydantic import BaseModel
      from transformers import AutoModelForSequenceClassification, AutoTokenizer

      router = APIRouter()
      MODEL_NAME = "distilbert-base-uncased-finetuned-sst-2-english"


      class Review(BaseModel):
          text: str


      def get_model():
          tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
          model = AutoModelForSequenceClassification.from_pretrained(MODEL_NAME)
          model.eval()
          return tokenizer, model


      @router.post("/sentiment")
      def sentiment(review: Review):
          tokenizer, model = get_model()
          inputs = tokenizer(review.text, return_tensors="pt", truncation=True)
          logits = model(**inputs).logits
          return {"positive": bool(logits.argmax(-1).item() == 1)}
    `;
    const hits = hitsOn(addedFile('api/sentiment.py', text));
    expect(hits.map((h) => h.line)).toEqual([
      lineOf(text, 'AutoTokenizer.from_pretrained('),
      lineOf(text, 'AutoModelForSequenceClassification.from_pretrained('),
    ]);
    for (const hit of hits) {
      expect(hit.title).toBe('Model loaded on every request in `sentiment` (`POST /sentiment`)');
      expect(hit.message).toContain('through `get_model()`');
      expect(hit.message).toContain('.from_pretrained(…)`');
    }
  });

  it('on mlflow.pyfunc.load_model inside a KServe Model.predict', () => {
    const text = src`
      import argparse

      import kserve
      import mlflow.pyfunc
      import pandas as pd

      MODEL_URI = "models:/fraud-detector/Production"


      class FraudModel(kserve.Model):
          def __init__(self, name: str):
              super().__init__(name)
              self.ready = True

          def predict(self, payload: dict, headers: dict | None = None) -> dict:
              model = mlflow.pyfunc.load_model(MODEL_URI)
              frame = pd.DataFrame(payload["instances"])
              scores = model.predict(frame)
              return {"predictions": scores.tolist()}


      if __name__ == "__main__":
          parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
          args, _ = parser.parse_known_args()
          kserve.ModelServer().start([FraudModel(args.model_name)])
    `;
    const hit = onlyHit(addedFile('kserve/fraud_model.py', text));
    expect(hit.line).toBe(lineOf(text, 'mlflow.pyfunc.load_model('));
    expect(hit.title).toBe('Model loaded on every request in `predict`');
    expect(hit.message).toContain('`mlflow.pyfunc.load_model(…)`');
  });

  it('on joblib.load inside an AWS lambda_handler', () => {
    const text = src`
      import json
      import os

      import boto3
      import joblib

      s3 = boto3.client("s3")
      BUCKET = os.environ["MODEL_BUCKET"]


      def lambda_handler(event, context):
          s3.download_file(BUCKET, "churn/model.joblib", "/tmp/model.joblib")
          model = joblib.load("/tmp/model.joblib")
          body = json.loads(event["body"])
          score = model.predict_proba([body["features"]])[0][1]
          return {"statusCode": 200, "body": json.dumps({"score": float(score)})}
    `;
    const hit = onlyHit(addedFile('lambdas/score/app.py', text));
    expect(hit.line).toBe(lineOf(text, 'joblib.load('));
    expect(hit.title).toBe('Model loaded on every request in `lambda_handler`');
  });

  it('on a transformers pipeline(...) built inside a FastAPI handler', () => {
    const text = src`
      from fastapi import FastAPI
      from pydantic import BaseModel
      from transformers import pipeline

      app = FastAPI()


      class Query(BaseModel):
          text: str


      @app.post("/classify")
      def classify(query: Query):
          classifier = pipeline("text-classification", model="org/support-intents-v3")
          result = classifier(query.text)[0]
          return {"label": result["label"], "score": result["score"]}
    `;
    const hit = onlyHit(addedFile('api/intents.py', text));
    expect(hit.line).toBe(lineOf(text, 'pipeline("text-classification"'));
    expect(hit.message).toContain('`pipeline(…)`');
  });

  it('on a handler whose decorator and signature black wrapped over several lines', () => {
    const text = src`
      import joblib
      from fastapi import APIRouter, BackgroundTasks

      from serving.schemas import ChurnRequest, ChurnResponse

      router = APIRouter()


      @router.post(
          "/v2/predict",
          response_model=ChurnResponse,
          summary="Score one customer",
      )
      async def predict_v2(
          req: ChurnRequest,
          background: BackgroundTasks,
      ) -> ChurnResponse:
          model = joblib.load("models/churn-v2.joblib")
          score = float(model.predict_proba([req.features()])[0][1])
          background.add_task(print, req.customer_id, score)
          return ChurnResponse(customer_id=req.customer_id, churn_probability=score)
    `;
    const hit = onlyHit(addedFile('serving/routes_v2.py', text));
    expect(hit.line).toBe(lineOf(text, 'joblib.load('));
    expect(hit.title).toBe('Model loaded on every request in `predict_v2` (`POST /v2/predict`)');
  });

  it('on a load added to an existing handler whose decorator is in the hunk context', () => {
    const before = src`
      from fastapi import FastAPI

      from serving.model import MODEL

      app = FastAPI()


      @app.post("/predict")
      def predict(payload: dict):
          return {"score": float(MODEL.predict([payload["x"]])[0])}
    `;
    const after = src`
      import torch
      from fastapi import FastAPI

      app = FastAPI()


      @app.post("/predict")
      def predict(payload: dict):
          model = torch.jit.load("models/scorer.pt")
          return {"score": float(model(torch.tensor([payload["x"]]))[0])}
    `;
    const hit = onlyHit(changedFile({ path: 'serving/app.py', before, after }));
    expect(hit.line).toBe(lineOf(after, 'torch.jit.load('));
    expect(hit.message).toContain('`torch.jit.load(…)`');
  });

  it('on a handler that checks its input before loading (an input guard is not a cache)', () => {
    const text = src`
      import pickle

      from fastapi import FastAPI, HTTPException

      app = FastAPI()


      @app.post("/recommend")
      def recommend(user_id: str | None = None):
          if user_id is None:
              raise HTTPException(status_code=400, detail="user_id is required")
          if not user_id.strip():
              raise HTTPException(status_code=400, detail="user_id is blank")
          with open("models/recommender.pkl", "rb") as fh:
              model = pickle.load(fh)
          return {"items": model.recommend(user_id, k=10)}
    `;
    const hit = onlyHit(addedFile('api/recommend.py', text));
    expect(hit.line).toBe(lineOf(text, 'pickle.load('));
  });

  it('on an Express app.post route that creates an ONNX InferenceSession per request', () => {
    const text = src`
      import express from 'express';
      import * as ort from 'onnxruntime-node';

      const app = express();
      app.use(express.json());

      app.get('/healthz', (_req, res) => res.json({ ok: true }));

      app.post('/score', async (req, res) => {
        if (!Array.isArray(req.body.features)) {
          return res.status(400).json({ error: 'features must be an array' });
        }
        const session = await ort.InferenceSession.create('./models/ranker.onnx');
        const input = new ort.Tensor('float32', Float32Array.from(req.body.features), [1, req.body.features.length]);
        const output = await session.run({ input });
        res.json({ score: output.score.data[0] });
      });

      app.listen(Number(process.env.PORT ?? 8080));
    `;
    const hit = onlyHit(addedFile('server/score.ts', text));
    expect(hit.line).toBe(lineOf(text, 'InferenceSession.create('));
    expect(hit.title).toBe('Model loaded on every request in `route handler` (`POST /score`)');
    expect(hit.message).toContain('`InferenceSession.create(…)`');
  });

  it('on a Next.js route handler (export async function POST) that builds a pipeline per request', () => {
    const text = src`
      import { NextResponse } from 'next/server';
      import { pipeline } from '@xenova/transformers';

      export const runtime = 'nodejs';

      export async function POST(
        request: Request,
      ): Promise<Response> {
        const { text } = (await request.json()) as { text: string };
        const classify = await pipeline('sentiment-analysis', 'Xenova/distilbert-base-uncased-finetuned-sst-2-english');
        const [result] = await classify(text);
        return NextResponse.json(result);
      }
    `;
    const hit = onlyHit(addedFile('app/api/sentiment/route.ts', text));
    expect(hit.line).toBe(lineOf(text, "pipeline('sentiment-analysis'"));
    expect(hit.title).toBe('Model loaded on every request in `POST`');
    expect(hit.message).toContain('`pipeline(…)`');
  });

  it('on a Flask route with no methods= (shown by its path alone)', () => {
    const text = src`
      import joblib
      from flask import Flask, jsonify, request

      app = Flask(__name__)


      @app.route("/score")
      def score():
          model = joblib.load("models/score.joblib")
          return jsonify({"score": float(model.predict([[float(request.args["x"])]])[0])})
    `;
    const hit = onlyHit(addedFile('web/app.py', text));
    expect(hit.title).toBe('Model loaded on every request in `score` (`/score`)');
  });
});

describe('model-load-in-request-path stays quiet', () => {
  it('on a model loaded once at module level and used by the handler', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI
      from pydantic import BaseModel

      app = FastAPI()
      model = joblib.load("models/churn-2024-06.joblib")


      class ChurnRequest(BaseModel):
          tenure_months: int
          monthly_charges: float


      @app.post("/predict")
      def predict(req: ChurnRequest):
          score = model.predict_proba([[req.tenure_months, req.monthly_charges]])[0][1]
          return {"churn_probability": float(score)}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a load in an @app.on_event("startup") hook', () => {
    const text = src`
      import torch
      from fastapi import FastAPI

      app = FastAPI()
      model = None


      @app.on_event("startup")
      def load_model():
          global model
          model = torch.load("weights/scorer.pt", map_location="cpu")
          model.eval()


      @app.post("/predict")
      def predict(payload: dict):
          with torch.no_grad():
              return {"score": float(model(torch.tensor([payload["x"]]))[0])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a load in a FastAPI lifespan context manager', () => {
    const text = src`
      from contextlib import asynccontextmanager

      import joblib
      from fastapi import FastAPI, Request

      MODELS: dict = {}


      @asynccontextmanager
      async def lifespan(app: FastAPI):
          MODELS["churn"] = joblib.load("models/churn.joblib")
          MODELS["churn"].predict_proba([[0.0, 0.0]])  # warm-up
          yield
          MODELS.clear()


      app = FastAPI(lifespan=lifespan)


      @app.post("/predict")
      def predict(payload: dict):
          return {"score": float(MODELS["churn"].predict_proba([payload["x"]])[0][1])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on an @lru_cache loader called from a handler', () => {
    const text = src`
      from functools import lru_cache

      from fastapi import FastAPI
      from transformers import AutoModelForSequenceClassification, AutoTokenizer

      app = FastAPI()


      @lru_cache(maxsize=1)
      def get_model():
          tokenizer = AutoTokenizer.from_pretrained("org/intents-v3")
          model = AutoModelForSequenceClassification.from_pretrained("org/intents-v3")
          return tokenizer, model.eval()


      @app.post("/intent")
      def intent(payload: dict):
          tokenizer, model = get_model()
          logits = model(**tokenizer(payload["text"], return_tensors="pt")).logits
          return {"intent": int(logits.argmax(-1))}
    `;
    expect(hitsOn(addedFile('api/intent.py', text))).toEqual([]);
  });

  it('on a loader memoised with an `if _model is None:` guard', () => {
    const text = src`
      import threading

      import joblib
      from flask import Flask, jsonify, request

      app = Flask(__name__)
      _model = None
      _lock = threading.Lock()


      def get_model():
          global _model
          with _lock:
              if _model is None:
                  _model = joblib.load("models/churn.joblib")
          return _model


      @app.route("/predict", methods=["POST"])
      def predict():
          score = get_model().predict_proba([request.json["features"]])[0][1]
          return jsonify({"score": float(score)})
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a per-name model cache (`if name not in _models:`)', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      _models: dict[str, object] = {}


      def model_for(region: str):
          if region not in _models:
              _models[region] = joblib.load(f"models/churn-{region}.joblib")
          return _models[region]


      @app.post("/predict/{region}")
      def predict(region: str, payload: dict):
          return {"score": float(model_for(region).predict_proba([payload["x"]])[0][1])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a loader that keeps the model in a global and returns it early once loaded', () => {
    const text = src`
      import mlflow.pyfunc
      from fastapi import FastAPI

      app = FastAPI()
      _model = None


      def get_model():
          global _model
          if _model is not None:
              return _model
          _model = mlflow.pyfunc.load_model("models:/churn/7")
          return _model


      @app.post("/predict")
      def predict(payload: dict):
          return {"score": get_model().predict([payload["x"]]).tolist()}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a Ray Serve deployment that loads in __init__ and lazily re-checks in __call__', () => {
    const text = src`
      from ray import serve
      from starlette.requests import Request
      from transformers import pipeline


      @serve.deployment(num_replicas=2, ray_actor_options={"num_gpus": 0.5})
      class Summarizer:
          def __init__(self):
              self.model = pipeline("summarization", model="org/summarizer-v2")

          async def __call__(self, request: Request) -> dict:
              if not self.model:
                  self.model = pipeline("summarization", model="org/summarizer-v2")
              body = await request.json()
              return {"summary": self.model(body["text"], max_length=120)[0]["summary_text"]}


      app = Summarizer.bind()
    `;
    expect(hitsOn(addedFile('serving/summarize.py', text))).toEqual([]);
  });

  it('on a KServe model that loads in load() and only predicts in predict()', () => {
    const text = src`
      import joblib
      import kserve


      class ChurnModel(kserve.Model):
          def __init__(self, name: str):
              super().__init__(name)
              self.model = None
              self.load()

          def load(self):
              self.model = joblib.load("/mnt/models/model.joblib")
              self.ready = True

          def predict(self, payload: dict, headers: dict | None = None) -> dict:
              return {"predictions": self.model.predict(payload["instances"]).tolist()}


      if __name__ == "__main__":
          kserve.ModelServer().start([ChurnModel("churn")])
    `;
    expect(hitsOn(addedFile('kserve/churn.py', text))).toEqual([]);
  });

  it("on a load in a training script's main()", () => {
    const text = src`
      import argparse

      import joblib
      import pandas as pd
      from sklearn.metrics import roc_auc_score


      def evaluate(model, frame: pd.DataFrame) -> float:
          return roc_auc_score(frame["churned"], model.predict_proba(frame.drop(columns="churned"))[:, 1])


      def main():
          parser = argparse.ArgumentParser()
          parser.add_argument("--model", required=True)
          parser.add_argument("--holdout", required=True)
          args = parser.parse_args()
          model = joblib.load(args.model)
          auc = evaluate(model, pd.read_parquet(args.holdout))
          print(f"holdout AUC: {auc:.4f}")


      if __name__ == "__main__":
          main()
    `;
    expect(hitsOn(addedFile('training/evaluate.py', text))).toEqual([]);
  });

  it('on a change that fixes the problem by moving the load to module level', () => {
    const before = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()


      @app.get("/healthz")
      def healthz():
          return {"ok": True}


      @app.post("/predict")
      def predict(payload: dict):
          model = joblib.load("models/churn.joblib")
          return {"score": float(model.predict_proba([payload["x"]])[0][1])}
    `;
    const after = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      model = joblib.load("models/churn.joblib")


      @app.get("/healthz")
      def healthz():
          return {"ok": True}


      @app.post("/predict")
      def predict(payload: dict):
          return {"score": float(model.predict_proba([payload["x"]])[0][1])}
    `;
    const file = changedFile({ path: 'serving/app.py', before, after });
    expect(file.additions).toBe(1);
    expect(hitsOn(file)).toEqual([]);
  });

  it('on commented-out loads inside a handler', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      MODEL = joblib.load("models/churn.joblib")


      @app.post("/predict")
      def predict(payload: dict):
          # model = joblib.load("models/churn.joblib")  # old per-request load, see #412
          return {"score": float(MODEL.predict_proba([payload["x"]])[0][1])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
    const ts = src`
      import express from 'express';
      import { session } from './model.js';

      export const app = express();

      app.post('/score', async (req, res) => {
        // const session = await ort.InferenceSession.create('./models/ranker.onnx');
        /*
         * const session = await ort.InferenceSession.create(MODEL_PATH) was the old per-request load.
         */
        res.json(await session.run(req.body));
      });
    `;
    expect(hitsOn(addedFile('server/score.ts', ts))).toEqual([]);
  });

  it('on an Express server that creates the ONNX session once and reuses it', () => {
    const text = src`
      import express from 'express';
      import * as ort from 'onnxruntime-node';

      const app = express();
      let session: ort.InferenceSession | undefined;

      async function getSession(): Promise<ort.InferenceSession> {
        session ??= await ort.InferenceSession.create('./models/ranker.onnx');
        return session;
      }

      app.post('/score', async (req, res) => {
        const s = await getSession();
        const output = await s.run({ input: new ort.Tensor('float32', Float32Array.from(req.body.features), [1, 8]) });
        res.json({ score: output.score.data[0] });
      });

      const ready = ort.InferenceSession.create('./models/warmup.onnx');
      app.listen(8080, () => void ready);
    `;
    expect(hitsOn(addedFile('server/score.ts', text))).toEqual([]);
  });

  it('on an Express handler guarded by `if (!session)`', () => {
    const text = src`
      import express from 'express';
      import * as ort from 'onnxruntime-node';

      const app = express();
      let session: ort.InferenceSession | null = null;

      app.post('/score', async (req, res) => {
        if (!session) {
          session = await ort.InferenceSession.create('./models/ranker.onnx');
        }
        const output = await session.run({ input: new ort.Tensor('float32', Float32Array.from(req.body.features), [1, 8]) });
        res.json({ score: output.score.data[0] });
      });
    `;
    expect(hitsOn(addedFile('server/score.ts', text))).toEqual([]);
  });

  it('does not apply to Go, YAML or Markdown files', () => {
    const { files } = changeSetOf([
      { path: 'cmd/server/main.go', after: 'package main\n' },
      { path: 'deploy/serving.yaml', after: 'kind: InferenceService\n' },
      { path: 'serving/README.md', after: 'Call `joblib.load` inside `predict`.\n' },
    ]);
    for (const file of files) expect(modelLoadInRequestPath.appliesTo(file)).toBe(false);
  });
});
