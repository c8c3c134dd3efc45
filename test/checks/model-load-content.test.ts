import { describe, expect, it } from 'vitest';
import { modelLoadInRequestPath } from '../../src/checks/ml/model-load.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { checkOf } from './harness.js';

const hitsOn = checkOf(modelLoadInRequestPath);

/** The file as a source that could read the head side gives it. */
function withContent(file: ChangedFile, content: string): ChangedFile {
  return { ...file, content };
}

const HANDLER_BEFORE = src`
  import logging

  import numpy as np
  from fastapi import FastAPI, HTTPException
  from pydantic import BaseModel

  from serving.model import MODEL

  log = logging.getLogger(__name__)
  app = FastAPI(title="churn-service")


  class ChurnRequest(BaseModel):
      customer_id: str
      tenure_months: int
      monthly_charges: float


  @app.post("/predict")
  def predict(req: ChurnRequest):
      if req.tenure_months < 0:
          raise HTTPException(status_code=422, detail="tenure must be >= 0")
      if req.monthly_charges < 0:
          raise HTTPException(status_code=422, detail="charges must be >= 0")
      features = np.array([[req.tenure_months, req.monthly_charges]])
      score = float(MODEL.predict_proba(features)[0][1])
      log.info("scored %s", req.customer_id)
      return {"customer_id": req.customer_id, "churn_probability": score}
`;

describe('model-load-in-request-path with the whole file', () => {
  it('fires on a load added deep in a handler whose route decorator is above the hunk', () => {
    const after = HANDLER_BEFORE.replace('from serving.model import MODEL\n', '')
      .replace('import numpy as np\n', 'import joblib\nimport numpy as np\n')
      .replace('score = float(MODEL.predict_proba', 'model = joblib.load("models/churn.joblib")\n    score = float(model.predict_proba');
    const file = changedFile({ path: 'serving/app.py', before: HANDLER_BEFORE, after });
    const loadHunk = file.hunks.find((h) => h.lines.some((l) => l.kind === 'add' && l.text.includes('joblib.load(')));
    expect(loadHunk?.lines.some((l) => l.text.includes('@app.post'))).toBe(false);
    expect(modelLoadInRequestPath.wantsContent?.(file)).toBe(true);
    expect(hitsOn(file)).toEqual([]); // the diff alone cannot see the route

    const hits = hitsOn(withContent(file, after));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(after, 'joblib.load('));
    expect(hits[0]?.title).toBe('Model loaded on every request in `predict` (`POST /predict`)');
  });

  it('fires on a load added to a helper that a handler far below calls', () => {
    const before = src`
      import os

      import torch
      from flask import Flask, jsonify, request

      app = Flask(__name__)
      MODEL_DIR = os.environ.get("MODEL_DIR", "/models")


      def load_scorer():
          path = os.path.join(MODEL_DIR, "scorer.pt")
          return torch.jit.load(path, map_location="cpu")


      def to_tensor(values):
          return torch.tensor([values], dtype=torch.float32)


      def clip(score: float) -> float:
          return max(0.0, min(1.0, score))


      SCORER = load_scorer()


      @app.route("/score", methods=["POST"])
      def score():
          scorer = SCORER
          with torch.no_grad():
              value = float(scorer(to_tensor(request.json["features"]))[0])
          return jsonify({"score": clip(value)})
    `;
    const after = before
      .replace('    return torch.jit.load(path, map_location="cpu")', '    model = torch.jit.load(path, map_location="cpu")\n    return model.eval()')
      .replace('SCORER = load_scorer()\n', '')
      .replace('scorer = SCORER', 'scorer = load_scorer()');
    const file = changedFile({ path: 'serving/score.py', before, after });
    expect(modelLoadInRequestPath.wantsContent?.(file)).toBe(true);
    expect(hitsOn(file)).toEqual([]);

    const hits = hitsOn(withContent(file, after));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(after, 'torch.jit.load('));
    expect(hits[0]?.title).toBe('Model loaded on every request in `score` (`POST /score`)');
    expect(hits[0]?.message).toContain('through `load_scorer()`');
  });
});

describe('model-load-in-request-path with the whole file stays quiet', () => {
  it('does not ask for content on a new file or when the handler and its decorator are in the hunk', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()


      @app.post("/predict")
      def predict(payload: dict):
          model = joblib.load("models/churn.joblib")
          return {"score": float(model.predict_proba([payload["x"]])[0][1])}
    `;
    expect(modelLoadInRequestPath.wantsContent?.(addedFile('serving/app.py', text))).toBe(false);
    const before = text.replace('    model = joblib.load("models/churn.joblib")\n', '').replace('model.predict_proba', 'MODEL.predict_proba');
    const file = changedFile({ path: 'serving/app.py', before, after: text });
    expect(modelLoadInRequestPath.wantsContent?.(file)).toBe(false);
    expect(hitsOn(file)).toHaveLength(1);
  });

  it('on a load changed inside a startup hook whose decorator is above the hunk', () => {
    const before = src`
      import logging

      import torch
      from fastapi import FastAPI

      log = logging.getLogger(__name__)
      app = FastAPI()
      state: dict = {}


      @app.on_event("startup")
      def load_model():
          device = "cuda" if torch.cuda.is_available() else "cpu"
          log.info("loading scorer on %s", device)
          torch.set_num_threads(4)
          state["device"] = device
          state["model"] = torch.load("weights/scorer-v3.pt", map_location=device)
          state["model"].eval()


      @app.post("/predict")
      def predict(payload: dict):
          with torch.no_grad():
              return {"score": float(state["model"](torch.tensor([payload["x"]]))[0])}
    `;
    const after = before.replace('scorer-v3.pt', 'scorer-v4.pt');
    const file = changedFile({ path: 'serving/app.py', before, after });
    expect(modelLoadInRequestPath.wantsContent?.(file)).toBe(true);
    expect(hitsOn(withContent(file, after))).toEqual([]);
  });

  it('on a per-name cache whose guard is above the hunk', () => {
    const before = src`
      import logging

      import joblib
      from fastapi import FastAPI

      log = logging.getLogger(__name__)
      app = FastAPI()
      _models: dict[str, object] = {}


      def model_for(region: str):
          if region not in _models:
              log.info("loading model for %s", region)
              path = f"models/churn-{region}.joblib"
              log.debug("model path %s", path)
              _models[region] = joblib.load(path)
          return _models[region]


      @app.post("/predict/{region}")
      def predict(region: str, payload: dict):
          return {"score": float(model_for(region).predict_proba([payload["x"]])[0][1])}
    `;
    const after = before.replace('_models[region] = joblib.load(path)', '_models[region] = joblib.load(path, mmap_mode="r")');
    const file = changedFile({ path: 'serving/app.py', before, after });
    expect(hitsOn(withContent(file, after))).toEqual([]);
  });

  it('on the fix: the load moved out of the handler to module level', () => {
    const bad = HANDLER_BEFORE.replace('from serving.model import MODEL\n', '')
      .replace('import numpy as np\n', 'import joblib\nimport numpy as np\n')
      .replace('score = float(MODEL.predict_proba', 'model = joblib.load("models/churn.joblib")\n    score = float(model.predict_proba');
    const fixed = bad
      .replace('    model = joblib.load("models/churn.joblib")\n', '')
      .replace('app = FastAPI(title="churn-service")', 'app = FastAPI(title="churn-service")\nmodel = joblib.load("models/churn.joblib")');
    const file = changedFile({ path: 'serving/app.py', before: bad, after: fixed });
    expect(hitsOn(withContent(file, fixed))).toEqual([]);
  });

  it('falls back to the hunks when the content does not match the diff', () => {
    const after = HANDLER_BEFORE.replace('score = float(MODEL.predict_proba', 'model = joblib.load("models/churn.joblib")\n    score = float(model.predict_proba');
    const file = changedFile({ path: 'serving/app.py', before: HANDLER_BEFORE, after });
    expect(hitsOn(withContent(file, HANDLER_BEFORE))).toEqual([]);
  });
});
