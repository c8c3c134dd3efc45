import { describe, expect, it } from 'vitest';
import { modelOverwrittenInPlace } from '../../src/checks/ml/model-overwritten-in-place.js';
import { unversionedModelArtifact } from '../../src/checks/ml/unversioned-model-artifact.js';
import { addedFile, changeSetOf, changedFile, lineOf, prInfo, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(modelOverwrittenInPlace);
const onlyHit = onlyHitOf(hitsOn);

describe('model-overwritten-in-place fires', () => {
  it('on a retraining job that dumps straight into the live model directory', () => {
    const text = src`
      import logging

      import joblib
      import pandas as pd
      from sklearn.ensemble import HistGradientBoostingClassifier

      from pipelines.churn.data import load_features

      LIVE_DIR = "/models/current"
      log = logging.getLogger(__name__)


      def retrain(snapshot_date: str) -> None:
          frame: pd.DataFrame = load_features(snapshot_date)
          X, y = frame.drop(columns="churned"), frame["churned"]
          model = HistGradientBoostingClassifier(max_iter=300).fit(X, y)
          joblib.dump(model, f"{LIVE_DIR}/model.pkl")
          log.info("retrained churn model on %d rows", len(frame))


      if __name__ == "__main__":
          retrain(pd.Timestamp.today().strftime("%Y-%m-%d"))
    `;
    const file = addedFile('pipelines/churn/retrain.py', text);
    const hit = onlyHit(file);
    expect(hit.line).toBe(lineOf(text, 'joblib.dump('));
    expect(hit.title).toBe('New model written over the live one at `/models/current/model.pkl`');
    expect(hit.message).toContain('`joblib.dump(…)` writes to `/models/current/model.pkl`');
    expect(hit.remedy).toContain('set_registered_model_alias');
    // One write, one finding: the unversioned rule leaves it to this one.
    expect(unversionedModelArtifact.check(file, { pr: prInfo(), files: [file], skipped: [] })).toEqual([]);
  });

  it('on an upload to the prod key and a shutil.copy to LIVE_MODEL_PATH', () => {
    const text = src`
      import shutil

      import boto3

      from deploy.settings import LIVE_MODEL_PATH

      s3 = boto3.client("s3")
      BUCKET = "acme-ml-artifacts"


      def publish(local_path: str) -> None:
          """Ship the model the nightly job just trained."""
          s3.upload_file(local_path, BUCKET, "models/prod/model.pkl")
          shutil.copy(local_path, LIVE_MODEL_PATH)
          print("published", local_path)
    `;
    const hits = hitsOn(addedFile('deploy/publish_model.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 's3.upload_file('), lineOf(text, 'shutil.copy(')]);
    expect(hits[1]?.title).toBe('New model written over the live one at `LIVE_MODEL_PATH`');
  });

  it('on a training script writing the exact path the serving app of the same change loads', () => {
    const serving = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      model = joblib.load("models/churn.joblib")


      @app.post("/predict")
      def predict(payload: dict) -> dict:
          return {"score": float(model.predict_proba([payload["features"]])[0][1])}
    `;
    const training = src`
      import joblib
      from sklearn.linear_model import LogisticRegression

      from training.data import load


      def main() -> None:
          X, y = load()
          model = LogisticRegression(max_iter=500).fit(X, y)
          joblib.dump(model, "models/churn.joblib")


      if __name__ == "__main__":
          main()
    `;
    const changeSet = changeSetOf([
      { path: 'serving/app.py', after: serving },
      { path: 'training/train.py', after: training },
    ]);
    const file = changeSet.files.find((f) => f.path === 'training/train.py');
    if (!file) throw new Error('no file');
    const hit = onlyHit(file, changeSet);
    expect(hit.line).toBe(lineOf(training, 'joblib.dump('));
    expect(hit.title).toContain('`models/churn.joblib`');
  });

  it('on a reload endpoint that swaps app.state.model with no check and no previous kept', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI, Request
      from pydantic import BaseModel

      app = FastAPI()


      class ReloadRequest(BaseModel):
          path: str


      @app.on_event("startup")
      def startup() -> None:
          app.state.model = joblib.load("/mnt/models/model.joblib")


      @app.post("/admin/reload")
      def reload_model(body: ReloadRequest, request: Request) -> dict:
          request.app.state.model = joblib.load(body.path)
          return {"status": "reloaded", "path": body.path}


      @app.post("/predict")
      def predict(payload: dict, request: Request) -> dict:
          return {"score": float(request.app.state.model.predict([payload["x"]])[0])}
    `;
    const hit = onlyHit(addedFile('serving/app.py', text));
    expect(hit.line).toBe(lineOf(text, 'request.app.state.model = joblib.load(body.path)'));
    expect(hit.title).toBe('Serving model hot-swapped in `reload_model` (`/admin/reload`) with no validation or way back');
  });

  it('on a Flask upload endpoint that unpickles the body into current_app.config["MODEL"], with only a duck-type check', () => {
    const text = src`
      import pickle

      from flask import Blueprint, abort, current_app, jsonify, request

      admin = Blueprint("admin", __name__)
      CURRENT_MODEL_PATH = "models/current.pkl"


      @admin.post("/model")
      def replace_model():
          raw = request.files["model"].read()
          candidate = pickle.loads(raw)
          if not hasattr(candidate, "predict"):
              abort(400, "uploaded object has no predict()")
          current_app.config["MODEL"] = candidate
          with open(CURRENT_MODEL_PATH, "wb") as fh:
              fh.write(raw)
          return jsonify({"replaced": True})
    `;
    const hit = onlyHit(addedFile('serving/admin.py', text));
    expect(hit.message).toContain('It also writes the new model over `CURRENT_MODEL_PATH`');
    expect(hit.line).toBe(lineOf(text, 'current_app.config["MODEL"] = candidate'));
    expect(hit.title).toBe('Serving model hot-swapped in `replace_model` (`/model`) with no validation or way back');
    expect(hit.message).toContain('assigns `current_app.config["MODEL"]` from a freshly loaded artifact');
  });

  it('on a CI step that copies the model over the prod object', () => {
    const text = src`
      name: retrain
      on:
        schedule:
          - cron: "0 3 * * 1"
      jobs:
        train:
          runs-on: ubuntu-latest
          steps:
            - uses: actions/checkout@v4
            - run: pip install -r requirements.txt
            - run: python -m training.train --out model.pkl
            - name: Publish
              run: aws s3 cp model.pkl s3://acme-ml/models/churn/prod/model.pkl
    `;
    const hit = onlyHit(addedFile('.github/workflows/retrain.yml', text));
    expect(hit.line).toBe(lineOf(text, 'aws s3 cp'));
    expect(hit.message).toContain("`aws s3 cp` writes to `s3://acme-ml/models/churn/prod/model.pkl`");
  });
});

describe('model-overwritten-in-place stays quiet', () => {
  it('on the fix: a versioned upload plus a pointer update after an evaluation gate', () => {
    const before = src`
      import boto3
      import joblib

      s3 = boto3.client("s3")


      def publish(model, auc: float) -> None:
          joblib.dump(model, "/tmp/model.pkl")
          s3.upload_file("/tmp/model.pkl", "acme-ml", "models/churn/current/model.pkl")
    `;
    const after = src`
      import boto3
      import joblib

      s3 = boto3.client("s3")
      MIN_AUC = 0.82


      def publish(model, auc: float, run_id: str) -> None:
          if auc < MIN_AUC:
              raise ValueError(f"AUC {auc:.3f} below the gate {MIN_AUC}")
          joblib.dump(model, "/tmp/model.pkl")
          s3.upload_file("/tmp/model.pkl", "acme-ml", f"models/churn/{run_id}/model.pkl")
          s3.put_object(Bucket="acme-ml", Key="models/churn/CURRENT", Body=run_id.encode())
    `;
    expect(hitsOn(changedFile({ path: 'pipelines/publish.py', before, after }))).toEqual([]);
  });

  it('on a copy to the live path after backing up the previous model', () => {
    const text = src`
      import shutil
      import time
      from pathlib import Path

      LIVE_MODEL_PATH = Path("/srv/models/current/model.onnx")
      ARCHIVE = Path("/srv/models/archive")


      def promote(candidate: Path) -> None:
          ARCHIVE.mkdir(parents=True, exist_ok=True)
          backup_path = ARCHIVE / f"model-{int(time.time())}.onnx"
          shutil.copy2(LIVE_MODEL_PATH, backup_path)
          shutil.copy2(candidate, LIVE_MODEL_PATH)
    `;
    expect(hitsOn(addedFile('deploy/promote.py', text))).toEqual([]);
  });

  it('on a reload endpoint that validates the candidate and keeps the previous model', () => {
    const text = src`
      import joblib
      import numpy as np
      from fastapi import FastAPI, HTTPException

      app = FastAPI()
      SAMPLE = np.load("/mnt/models/smoke_sample.npy")


      @app.post("/admin/reload")
      def reload_model(path: str) -> dict:
          candidate = joblib.load(path)
          scores = candidate.predict_proba(SAMPLE)[:, 1]
          if not np.all(np.isfinite(scores)):
              raise HTTPException(status_code=422, detail="candidate model produced invalid scores")
          app.state.previous_model = app.state.model
          app.state.model = candidate
          return {"status": "reloaded"}
    `;
    expect(hitsOn(addedFile('serving/admin.py', text))).toEqual([]);
  });

  it('on a Flask upload endpoint that smoke-tests the candidate and keeps the previous model in the config', () => {
    const text = src`
      import pickle

      from flask import Blueprint, abort, current_app, jsonify, request

      admin = Blueprint("admin", __name__)
      SAMPLE = [[0.1, 0.2, 0.3]]


      @admin.post("/model")
      def replace_model():
          candidate = pickle.loads(request.files["model"].read())
          if not hasattr(candidate, "predict"):
              abort(400, "uploaded object has no predict()")
          candidate.predict(SAMPLE)
          current_app.config["PREVIOUS_MODEL"] = current_app.config["MODEL"]
          current_app.config["MODEL"] = candidate
          return jsonify({"replaced": True})
    `;
    expect(hitsOn(addedFile('serving/admin.py', text))).toEqual([]);
  });

  it('on a startup loader and on saves to ordinary, non-live paths', () => {
    const text = src`
      import joblib
      from fastapi import FastAPI

      app = FastAPI()
      model = None


      def load_model() -> None:
          global model
          model = joblib.load("/mnt/models/model.joblib")


      def export_for_debugging(path: str) -> None:
          joblib.dump(model, path)


      app.add_event_handler("startup", load_model)
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a background refresher that reloads whatever the registry alias points to', () => {
    const text = src`
      import threading
      import time

      import mlflow.pyfunc

      MODEL_URI = "models:/fraud-detector@champion"


      class ModelHolder:
          def __init__(self) -> None:
              self.model = mlflow.pyfunc.load_model(MODEL_URI)
              self._lock = threading.Lock()

          def refresh_model(self) -> None:
              while True:
                  time.sleep(300)
                  with self._lock:
                      self.model = mlflow.pyfunc.load_model(MODEL_URI)
    `;
    expect(hitsOn(addedFile('serving/holder.py', text))).toEqual([]);
  });

  it('on a refresh route that records the model version, not the model (`config["MODEL_VERSION"] = load_latest_version(…)`)', () => {
    const text = src`
      from flask import Flask, jsonify

      from serving.registry import load_latest_version

      app = Flask(__name__)
      REGISTRY_URL = "https://registry.internal/fraud-detector"


      @app.post("/admin/refresh")
      def refresh_version():
          app.config["MODEL_VERSION"] = load_latest_version(REGISTRY_URL)
          return jsonify({"version": app.config["MODEL_VERSION"]})


      @app.post("/admin/reload-meta")
      def reload_metadata():
          app.config.model_version = load_version_tag(REGISTRY_URL)
          return jsonify({"version": app.config.model_version})
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on a test writing to a current/ path, which it does not apply to', () => {
    const file = addedFile('tests/test_publish.py', 'import joblib\n\njoblib.dump(object(), "models/current/model.pkl")\n');
    expect(modelOverwrittenInPlace.appliesTo(file)).toBe(false);
  });
});
