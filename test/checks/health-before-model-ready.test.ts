import { describe, expect, it } from 'vitest';
import { healthBeforeModelReady as rule } from '../../src/checks/ml/health-before-model-ready.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';
import { EXPRESS_TAGGER } from './express-fixtures.js';

const hitsOn = hitsOf(rule);

const LAZY = src`
  from functools import lru_cache

  import torch
  from fastapi import FastAPI
  from pydantic import BaseModel
  from transformers import AutoModelForSequenceClassification, AutoTokenizer

  app = FastAPI(title="intent-service")
  MODEL_NAME = "org/support-intents-v3"


  class Query(BaseModel):
      text: str


  @lru_cache(maxsize=1)
  def get_model():
      tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
      model = AutoModelForSequenceClassification.from_pretrained(MODEL_NAME).eval()
      return tokenizer, model


  @app.get("/healthz")
  def healthz():
      return {"status": "ok"}


  @app.post("/intent")
  def intent(query: Query):
      tokenizer, model = get_model()
      with torch.no_grad():
          logits = model(**tokenizer(query.text, return_tensors="pt", truncation=True)).logits
      return {"intent": int(logits.argmax(-1))}
`;

describe('health-before-model-ready fires', () => {
  it('on an Express /health that answers at once while tf.loadGraphModel resolves in the background', () => {
    const hits = hitsOn(addedFile('services/tagger/src/server.ts', EXPRESS_TAGGER));
    expect(hits.map((h) => h.line)).toEqual([lineOf(EXPRESS_TAGGER, "app.get('/health'")]);
    expect(hits[0]?.title).toBe('Health endpoint `route handler` (`GET /health`) answers before the model is loaded');
    expect(hits[0]?.message).toContain('loads its model in the background (`tf.loadGraphModel(…)` is handled with `.then`');
    expect(hits[0]?.remedy).toContain('`if (!model) return res.status(503)');
  });

  it('on a constant /healthz in a server that loads its model lazily on first use', () => {
    const hits = hitsOn(addedFile('serving/intents.py', LAZY));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(LAZY, 'return {"status": "ok"}'));
    expect(hits[0]?.title).toBe('Health endpoint `healthz` (`GET /healthz`) answers before the model is loaded');
    expect(hits[0]?.message).toContain('lazily on first use in `get_model()` (`AutoTokenizer.from_pretrained(…)`)');
  });

  it('on a Flask /ready that answers "OK" while a background thread loads the model', () => {
    const text = src`
      import threading

      import joblib
      from flask import Flask, jsonify, request

      app = Flask(__name__)
      model = None


      def _load_model():
          global model
          model = joblib.load("/models/fraud-v12.joblib")


      threading.Thread(target=_load_model, daemon=True).start()


      @app.route("/ready")
      def ready():
          """Kubernetes readiness probe."""
          return "OK", 200


      @app.route("/predict", methods=["POST"])
      def predict():
          return jsonify({"fraud": bool(model.predict([request.json["features"]])[0])})
    `;
    const hits = hitsOn(addedFile('serving/fraud.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'return "OK", 200')]);
    expect(hits[0]?.message).toContain('in a background thread (`_load_model()`)');
  });

  it('on a change that makes the load lazy behind an existing constant /healthz', () => {
    const before = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      model = joblib.load("/models/churn.joblib")


      @app.get("/healthz")
      def healthz():
          return {"ok": True}


      @app.post("/predict")
      def predict(payload: dict):
          return {"score": float(model.predict_proba([payload["x"]])[0][1])}
    `;
    const after = before
      .replace('model = joblib.load("/models/churn.joblib")\n', '_model = None\n\n\ndef get_model():\n    global _model\n    if _model is None:\n        _model = joblib.load("/models/churn.joblib")\n    return _model\n')
      .replace('float(model.predict_proba', 'float(get_model().predict_proba');
    const file = changedFile({ path: 'serving/app.py', before, after });
    const hits = hitsOn({ ...file, content: after });
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, '_model = joblib.load(')]);
  });
  it('on a /ready that reports the model state in a 200 answer, not the constant liveness /healthz', () => {
    const text = src`
      import logging
      import threading

      from fastapi import FastAPI
      from transformers import pipeline

      log = logging.getLogger("ner")
      app = FastAPI()
      _ner = None


      def _load_model() -> None:
          global _ner
          _ner = pipeline("token-classification", model="/models/ner/2024-05-02", aggregation_strategy="simple")


      @app.on_event("startup")
      def start_loading() -> None:
          threading.Thread(target=_load_model, daemon=True).start()


      @app.get("/healthz")
      def healthz():
          return {"status": "ok"}


      @app.get("/ready")
      def ready():
          return {"status": "ready", "model_loaded": _ner is not None}
    `;
    const hits = hitsOn(addedFile('serving/main.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, '"model_loaded": _ner is not None')]);
    expect(hits[0]?.title).toBe('Health endpoint `ready` (`GET /ready`) answers before the model is loaded');
  });
});

describe('health-before-model-ready stays quiet', () => {
  it('on an Express server that awaits the model before listening, or whose /health checks it', () => {
    const awaited = EXPRESS_TAGGER.replace(
      'let model: tf.GraphModel | undefined;\ntf.loadGraphModel(MODEL_URL).then((loaded) => {\n  model = loaded;\n});',
      'const model: tf.GraphModel = await tf.loadGraphModel(MODEL_URL);',
    );
    expect(awaited).not.toBe(EXPRESS_TAGGER);
    expect(hitsOn(addedFile('services/tagger/src/server.ts', awaited))).toEqual([]);
    const checked = EXPRESS_TAGGER.replace(
      "app.get('/health', (_req, res) => res.json({ status: 'ok' }));",
      "app.get('/health', (_req, res) => {\n  res.status(model ? 200 : 503).json({ status: model ? 'ok' : 'loading' });\n});",
    );
    expect(checked).not.toBe(EXPRESS_TAGGER);
    expect(hitsOn(addedFile('services/tagger/src/server.ts', checked))).toEqual([]);
  });

  it('on an Express server that only starts listening in the load\'s .then: nothing reaches /health before the model', () => {
    const listensInThen = EXPRESS_TAGGER.replace('  model = loaded;\n});', '  model = loaded;\n  app.listen(Number(process.env.PORT ?? 8080));\n});').replace(
      '\napp.listen(Number(process.env.PORT ?? 8080));',
      '',
    );
    expect(listensInThen).not.toBe(EXPRESS_TAGGER);
    expect(listensInThen.match(/\.listen\(/g)).toHaveLength(1);
    expect(hitsOn(addedFile('services/tagger/src/server.ts', listensInThen))).toEqual([]);
    // The same with the server started by a chained one-line `.then`.
    const chained = listensInThen.replace('  model = loaded;\n  app.listen(Number(process.env.PORT ?? 8080));\n});', '  model = loaded;\n}).then(() => app.listen(8080));');
    expect(chained).not.toBe(listensInThen);
    expect(hitsOn(addedFile('services/tagger/src/server.ts', chained))).toEqual([]);
  });

  it('on a constant /healthz when the model loads at import or in a startup hook', () => {
    const text = src`
      import joblib
      import torch
      from fastapi import FastAPI

      app = FastAPI()
      scaler = joblib.load("/models/scaler.joblib")
      state: dict = {}


      @app.on_event("startup")
      def load_model():
          state["model"] = torch.load("/models/scorer.pt", map_location="cpu").eval()


      @app.get("/healthz")
      def healthz():
          return {"status": "ok"}


      @app.post("/predict")
      def predict(payload: dict):
          with torch.no_grad():
              return {"score": float(state["model"](torch.tensor(scaler.transform([payload["x"]])))[0])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a constant liveness endpoint next to a readiness endpoint that checks the model', () => {
    const text = LAZY.replace(
      '@app.get("/healthz")\ndef healthz():\n    return {"status": "ok"}\n',
      '@app.get("/livez")\ndef livez():\n    return {"status": "alive"}\n\n\n@app.get("/readyz")\ndef readyz():\n    if get_model.cache_info().currsize == 0:\n        raise HTTPException(status_code=503, detail="model not loaded")\n    return {"status": "ready"}\n',
    );
    expect(text).toContain('def readyz');
    expect(hitsOn(addedFile('serving/intents.py', text))).toEqual([]);
  });

  it('on the fix: /healthz reports 503 until the background load has finished', () => {
    const fixed = LAZY.replace('from fastapi import FastAPI', 'from fastapi import FastAPI\nfrom fastapi.responses import JSONResponse').replace(
      'def healthz():\n    return {"status": "ok"}',
      'def healthz():\n    if get_model.cache_info().currsize == 0:\n        return JSONResponse({"status": "loading"}, status_code=503)\n    return {"status": "ok"}',
    );
    const file = changedFile({ path: 'serving/intents.py', before: LAZY, after: fixed });
    expect(hitsOn({ ...file, content: fixed })).toEqual([]);
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a readiness endpoint whose status code follows the model state', () => {
    const text = LAZY.replace('from fastapi import FastAPI', 'from fastapi import FastAPI\nfrom fastapi.responses import JSONResponse').replace(
      'return {"status": "ok"}',
      'loaded = get_model.cache_info().currsize > 0\n    return JSONResponse({"loaded": loaded}, status_code=200 if loaded else 503)',
    );
    expect(hitsOn(addedFile('serving/intents.py', text))).toEqual([]);
  });
});
