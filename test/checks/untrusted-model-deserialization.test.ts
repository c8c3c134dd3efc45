import { describe, expect, it } from 'vitest';
import { untrustedModelDeserialization as rule } from '../../src/checks/ml/untrusted-model-deserialization.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(rule);

const UPLOAD = src`
  import io
  import pickle

  import pandas as pd
  from fastapi import FastAPI, File, HTTPException, UploadFile

  app = FastAPI(title="model-playground")
  MODELS: dict[str, object] = {}


  @app.post("/models/{name}")
  async def upload_model(name: str, file: UploadFile = File(...)):
      if not file.filename.endswith(".pkl"):
          raise HTTPException(status_code=415, detail="expected a .pkl file")
      contents = await file.read()
      MODELS[name] = pickle.loads(contents)
      return {"name": name, "size": len(contents)}


  @app.post("/models/{name}/predict")
  def predict(name: str, rows: list[dict]):
      model = MODELS[name]
      return {"predictions": model.predict(pd.DataFrame(rows)).tolist()}
`;

describe('untrusted-model-deserialization fires', () => {
  it('on pickle.loads of an UploadFile read in a FastAPI handler', () => {
    const hits = hitsOn(addedFile('serving/playground.py', UPLOAD));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(UPLOAD, 'pickle.loads('));
    expect(hits[0]?.title).toBe('Model deserialised from client data in `upload_model` (`POST /models/{name}`)');
    expect(hits[0]?.message).toContain('`pickle.loads(contents)`');
    expect(hits[0]?.message).toContain('`UploadFile file`');
    expect(hits[0]?.remedy).toContain('weights_only=True');
  });

  it('on joblib.load of request.files in a Flask route', () => {
    const text = src`
      import joblib
      from flask import Flask, abort, jsonify, request

      app = Flask(__name__)
      ACTIVE = {}


      @app.route("/admin/model", methods=["PUT"])
      def replace_model():
          if request.headers.get("X-Admin-Token") != app.config["ADMIN_TOKEN"]:
              abort(403)
          ACTIVE["model"] = joblib.load(request.files["model"])
          return jsonify({"replaced": True})
    `;
    const hits = hitsOn(addedFile('serving/admin.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'joblib.load(')]);
    expect(hits[0]?.message).toContain('`request.files["model"]`');
  });

  it('on torch.load of the raw request body without weights_only', () => {
    const text = src`
      import io

      import torch
      from starlette.applications import Starlette
      from starlette.requests import Request
      from starlette.responses import JSONResponse
      from starlette.routing import Route


      async def load_adapter(http: Request) -> JSONResponse:
          state = torch.load(io.BytesIO(await http.body()), map_location="cpu")
          http.app.state.model.load_state_dict(state, strict=False)
          return JSONResponse({"loaded": len(state)})


      app = Starlette(routes=[Route("/adapter", load_adapter, methods=["POST"])])
    `;
    // Starlette's Route table is not a decorator: the body read alone marks the request.
    const hits = hitsOn(addedFile('serving/adapter.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'torch.load(')]);
    expect(hits[0]?.message).toContain('`await http.body()`');
  });

  it('on a model path or URL taken from the request', () => {
    const text = src`
      import pickle

      import joblib
      import requests
      from fastapi import FastAPI
      from pydantic import BaseModel

      app = FastAPI()
      state: dict = {}


      class Reload(BaseModel):
          model_url: str


      @app.post("/reload-from-path")
      def reload_from_path(model_path: str):
          state["model"] = joblib.load(model_path)
          return {"ok": True}


      @app.post("/reload-from-url")
      def reload_from_url(req: Reload):
          resp = requests.get(req.model_url, timeout=30)
          resp.raise_for_status()
          state["model"] = pickle.loads(resp.content)
          return {"ok": True}
    `;
    const hits = hitsOn(addedFile('serving/reload.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'joblib.load('), lineOf(text, 'pickle.loads(')]);
    expect(hits[0]?.message).toContain('`request parameter model_path`');
    expect(hits[1]?.message).toContain('`request parameter req`');
  });

  it('on a helper that unpickles what a handler passes it from the request body', () => {
    const text = src`
      import dill
      from fastapi import FastAPI, Request

      app = FastAPI()
      FEATURIZERS: dict = {}


      def _deserialize(blob: bytes):
          return dill.loads(blob)


      @app.post("/featurizers/{name}")
      async def register_featurizer(name: str, request: Request):
          FEATURIZERS[name] = _deserialize(await request.body())
          return {"registered": name}
    `;
    const hits = hitsOn(addedFile('serving/featurizers.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'dill.loads(')]);
    expect(hits[0]?.message).toContain('through `_deserialize()`');
    expect(hits[0]?.message).toContain('`await request.body()`');
  });
  it('from the diff alone in a KServe predict whose class is only in the hunk header', () => {
    const before = src`
      import logging
      import os

      import joblib
      import numpy as np
      from kserve import Model, ModelServer

      log = logging.getLogger(__name__)
      MODEL_DIR = os.environ.get("MODEL_DIR", "/mnt/models")


      class CreditRiskModel(Model):
          def __init__(self, name: str):
              super().__init__(name)
              self.model = None
              self.load()

          def load(self) -> bool:
              self.model = joblib.load(os.path.join(MODEL_DIR, "model.joblib"))
              self.ready = True
              return self.ready

          def predict(self, payload: dict, headers: dict | None = None) -> dict:
              rows = np.asarray(payload["instances"], dtype=np.float32)
              proba = self.model.predict_proba(rows)[:, 1]
              return {"predictions": proba.round(6).tolist()}


      if __name__ == "__main__":
          ModelServer().start([CreditRiskModel("credit-risk")])
    `;
    const after = before.replace('import logging\n', 'import base64\nimport logging\nimport pickle\n').replace(
      '        return {"predictions": proba.round(6).tolist()}',
      '        if "calibrator" in payload:\n            calibrator = pickle.loads(base64.b64decode(payload["calibrator"]))\n            proba = calibrator.predict(proba)\n        return {"predictions": np.asarray(proba).round(6).tolist()}',
    );
    const file = changedFile({ path: 'serving/credit_risk/predictor.py', before, after });
    expect(file.hunks[1]?.header).toMatch(/^class CreditRiskModel/);
    const hits = hitsOn(file);
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'pickle.loads(')]);
    expect(hits[0]?.message).toContain('`request parameter payload`');
  });
});

describe('untrusted-model-deserialization stays quiet', () => {
  it("on loads of the pipeline's own artifacts: a constant path, a setting, a per-name file under the model dir", () => {
    const text = src`
      import os
      import pickle

      import joblib
      import torch
      from fastapi import FastAPI

      from serving.settings import settings

      app = FastAPI()
      MODEL_DIR = os.environ.get("MODEL_DIR", "/mnt/models")
      scaler = joblib.load(settings.scaler_path)
      with open(os.path.join(MODEL_DIR, "encoder.pkl"), "rb") as fh:
          encoder = pickle.load(fh)
      _models: dict = {}
      MODEL_PATHS = {"v3": f"{MODEL_DIR}/churn-v3.joblib", "v4": f"{MODEL_DIR}/churn-v4.joblib"}


      @app.post("/admin/rollback/{version}")
      def rollback(version: str):
          _models["default"] = joblib.load(MODEL_PATHS[version])
          return {"active": version}


      @app.post("/predict/{region}")
      def predict(region: str, rows: list[list[float]]):
          if region not in _models:
              _models[region] = torch.load(f"{MODEL_DIR}/{region}/model.pt", map_location="cpu")
          return {"scores": _models[region](torch.tensor(scaler.transform(rows))).tolist()}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on pickled features read from a cache keyed by the request id', () => {
    const text = src`
      import pickle

      import redis
      from fastapi import FastAPI

      from serving.model import MODEL

      app = FastAPI()
      cache = redis.Redis(host="features-cache", port=6379)


      @app.get("/score/{customer_id}")
      def score(customer_id: str):
          raw = cache.get(f"features:{customer_id}")
          features = pickle.loads(raw)
          return {"score": float(MODEL.predict_proba([features])[0][1])}
    `;
    expect(hitsOn(addedFile('serving/score.py', text))).toEqual([]);
  });

  it('on the fix: the upload read with safetensors and torch.load(weights_only=True)', () => {
    const fixed = UPLOAD.replace('import pickle\n', 'import torch\nfrom safetensors.torch import load as load_safetensors\n')
      .replace('if not file.filename.endswith(".pkl"):', 'if not file.filename.endswith((".safetensors", ".pt")):')
      .replace(
        'MODELS[name] = pickle.loads(contents)',
        'if file.filename.endswith(".pt"):\n        MODELS[name] = torch.load(io.BytesIO(contents), weights_only=True)\n    else:\n        MODELS[name] = load_safetensors(contents)',
      );
    const file = changedFile({ path: 'serving/playground.py', before: UPLOAD, after: fixed });
    expect(file.additions).toBeGreaterThan(3);
    expect(hitsOn(file)).toEqual([]);
  });

  it('on np.load of an upload without allow_pickle (arrays only)', () => {
    const text = src`
      import io

      import numpy as np
      from fastapi import FastAPI, UploadFile

      from serving.model import MODEL

      app = FastAPI()


      @app.post("/embed")
      async def embed(batch: UploadFile):
          arrays = np.load(io.BytesIO(await batch.read()))
          vectors = MODEL.encode(arrays["tokens"])
          return {"vectors": vectors.tolist()}
    `;
    expect(hitsOn(addedFile('serving/embed.py', text))).toEqual([]);
    const unsafe = text.replace('np.load(io.BytesIO(await batch.read()))', 'np.load(io.BytesIO(await batch.read()), allow_pickle=True)');
    expect(hitsOn(addedFile('serving/embed.py', unsafe)).map((h) => h.line)).toEqual([lineOf(unsafe, 'np.load(')]);
  });

  it('on a training script that unpickles its own data file', () => {
    const text = src`
      import argparse
      import pickle

      import joblib
      from sklearn.ensemble import GradientBoostingClassifier


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--data", required=True)
          parser.add_argument("--out", required=True)
          args = parser.parse_args()
          with open(args.data, "rb") as fh:
              X, y = pickle.load(fh)
          model = GradientBoostingClassifier().fit(X, y)
          joblib.dump(model, args.out)


      if __name__ == "__main__":
          main()
    `;
    expect(hitsOn(addedFile('training/train.py', text))).toEqual([]);
  });

  it('asks for content only for a modified file whose load sits below the hunk start of its function', () => {
    expect(rule.wantsContent?.(addedFile('serving/playground.py', UPLOAD))).toBe(false);
    const changed = UPLOAD.replace('MODELS[name] = pickle.loads(contents)', 'MODELS[name] = pickle.loads(contents)  # noqa: S301');
    expect(rule.wantsContent?.(changedFile({ path: 'serving/playground.py', before: UPLOAD, after: changed }))).toBe(true);
  });
});
