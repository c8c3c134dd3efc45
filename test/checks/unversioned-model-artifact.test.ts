import { describe, expect, it } from 'vitest';
import { unversionedModelArtifact } from '../../src/checks/ml/unversioned-model-artifact.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedFile, changeSetOf, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(unversionedModelArtifact);
const onlyHit = onlyHitOf((file: ChangedFile) => hitsOn(file));

describe('unversioned-model-artifact fires', () => {
  it('on joblib.dump of a trained pipeline to a constant path', () => {
    const text = src`
      import argparse

      import joblib
      import pandas as pd
      from sklearn.compose import ColumnTransformer
      from sklearn.ensemble import GradientBoostingClassifier
      from sklearn.pipeline import Pipeline
      from sklearn.preprocessing import OneHotEncoder, StandardScaler

      MODEL_PATH = "models/churn_model.joblib"
      NUMERIC = ["tenure_months", "monthly_charges", "total_charges"]
      CATEGORICAL = ["contract", "payment_method"]


      def build_pipeline() -> Pipeline:
          pre = ColumnTransformer([
              ("num", StandardScaler(), NUMERIC),
              ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
          ])
          return Pipeline([("pre", pre), ("clf", GradientBoostingClassifier(n_estimators=300))])


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--data", required=True)
          args = parser.parse_args()
          frame = pd.read_parquet(args.data)
          pipeline = build_pipeline().fit(frame[NUMERIC + CATEGORICAL], frame["churned"])
          joblib.dump(pipeline, MODEL_PATH)
          print(f"saved model to {MODEL_PATH}")


      if __name__ == "__main__":
          main()
    `;
    const hit = onlyHit(addedFile('training/train_churn.py', text));
    expect(hit.line).toBe(lineOf(text, 'joblib.dump('));
    expect(hit.title).toBe('Model artifact at a fixed, unversioned location `models/churn_model.joblib`');
    expect(hit.message).toContain('`joblib.dump(…)` saves the model to `models/churn_model.joblib`');
    expect(hit.remedy).toContain('run id');
  });

  it('on torch.save of a state_dict to an os.path.join of constants, and an upload to a fixed S3 key', () => {
    const text = src`
      import os

      import boto3
      import torch
      from torch.utils.data import DataLoader

      from training.dataset import ReviewsDataset
      from training.model import SentimentNet

      ARTIFACT_DIR = "artifacts"
      BUCKET = os.environ["MODEL_BUCKET"]
      s3 = boto3.client("s3")


      def train(epochs: int = 5) -> None:
          model = SentimentNet(vocab_size=30_000)
          optimiser = torch.optim.AdamW(model.parameters(), lr=3e-4)
          loader = DataLoader(ReviewsDataset("data/train.jsonl"), batch_size=64, shuffle=True)
          for _ in range(epochs):
              for batch in loader:
                  optimiser.zero_grad()
                  loss = model.loss(batch)
                  loss.backward()
                  optimiser.step()
          weights = os.path.join(ARTIFACT_DIR, "sentiment.pt")
          torch.save(model.state_dict(), weights)
          s3.upload_file(weights, BUCKET, "models/sentiment/sentiment.pt")
    `;
    const hits = hitsOn(addedFile('training/sentiment.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'torch.save('), lineOf(text, 's3.upload_file(')]);
    expect(hits[0]?.title).toContain('`artifacts/sentiment.pt`');
    expect(hits[1]?.message).toContain('`s3.upload_file(…)` uploads the model to `models/sentiment/sentiment.pt`');
  });

  it('on a models:/…/Production stage URI and a models:/…/latest URI in serving config', () => {
    const text = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: fraud-scorer
      spec:
        replicas: 3
        selector:
          matchLabels:
            app: fraud-scorer
        template:
          metadata:
            labels:
              app: fraud-scorer
          spec:
            containers:
              - name: scorer
                image: registry.example.com/fraud-scorer:2.3.1
                env:
                  - name: MODEL_URI
                    value: models:/fraud-detector/Production
                  - name: FALLBACK_MODEL_URI
                    value: models:/fraud-detector/latest
                ports:
                  - containerPort: 8080
    `;
    const hits = hitsOn(addedFile('deploy/fraud-scorer.yaml', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, '/Production'), lineOf(text, '/latest')]);
    expect(hits[0]?.title).toBe('Registry URI `models:/fraud-detector/Production` is not pinned to a version');
    expect(hits[0]?.message).toContain('deprecated since MLflow 2.9');
    expect(hits[1]?.message).toContain('registered last');
    expect(hits[1]?.remedy).toContain('`models:/fraud-detector@champion`');
  });

  it('on a KServe storageUri with no version segment and a :latest model image', () => {
    const text = src`
      apiVersion: serving.kserve.io/v1beta1
      kind: InferenceService
      metadata:
        name: churn
        namespace: ml-serving
      spec:
        predictor:
          minReplicas: 2
          model:
            modelFormat:
              name: sklearn
            storageUri: s3://ml-models/churn/
            resources:
              requests:
                cpu: "1"
                memory: 2Gi
        transformer:
          containers:
            - name: churn-transformer
              image: registry.example.com/churn-model-transformer:latest
    `;
    const hits = hitsOn(addedFile('kserve/churn-inferenceservice.yaml', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'storageUri:'), lineOf(text, 'image:')]);
    expect(hits[0]?.title).toBe('`storageUri` has no version segment');
    expect(hits[1]?.title).toBe('Model image `registry.example.com/churn-model-transformer:latest` is not pinned');
  });

  it('on a Lambda that fetches its model from a fixed S3 key at cold start', () => {
    const text = src`
      import json
      import os

      import boto3
      import joblib

      s3 = boto3.client("s3")
      BUCKET = os.environ["MODEL_BUCKET"]
      s3.download_file(BUCKET, "churn/model.joblib", "/tmp/model.joblib")
      model = joblib.load("/tmp/model.joblib")


      def lambda_handler(event, context):
          body = json.loads(event["body"])
          score = model.predict_proba([body["features"]])[0][1]
          return {"statusCode": 200, "body": json.dumps({"score": float(score)})}
    `;
    const hit = onlyHit(addedFile('lambdas/score/app.py', text));
    expect(hit.line).toBe(lineOf(text, 's3.download_file('));
    expect(hit.message).toContain('`s3.download_file(…)` fetches the model from `churn/model.joblib`');
    expect(hit.message).toContain('next cold start');
  });
});

describe('unversioned-model-artifact stays quiet', () => {
  it('on a path that carries the run id, the version and a date', () => {
    const text = src`
      import datetime as dt
      import os

      import joblib
      import mlflow
      from sklearn.linear_model import LogisticRegression

      from training.data import load_training_frame

      MODEL_ROOT = "s3://ml-models/churn"


      def main(version: str) -> None:
          frame = load_training_frame()
          model = LogisticRegression(max_iter=1000).fit(frame.drop(columns="churned"), frame["churned"])
          with mlflow.start_run() as run:
              joblib.dump(model, f"models/churn/{run.info.run_id}/model.joblib")
          joblib.dump(model, os.path.join(MODEL_ROOT, version, "model.joblib"))
          stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
          joblib.dump(model, f"models/churn-{stamp}.joblib")
          joblib.dump(model, "models/churn/2024-06-01/model.joblib")
    `;
    expect(hitsOn(addedFile('training/train.py', text))).toEqual([]);
  });

  it('on pinned registry URIs: a version number and an alias', () => {
    const text = src`
      import mlflow.pyfunc
      from fastapi import FastAPI

      app = FastAPI()
      champion = mlflow.pyfunc.load_model("models:/fraud-detector@champion")
      pinned = mlflow.pyfunc.load_model("models:/fraud-detector/14")


      @app.post("/score")
      def score(payload: dict) -> dict:
          return {"champion": champion.predict([payload]).tolist(), "pinned": pinned.predict([payload]).tolist()}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on the fix: a fixed path replaced by a versioned one', () => {
    const before = src`
      import joblib
      from sklearn.ensemble import RandomForestRegressor

      from training.data import features, target


      def main() -> None:
          model = RandomForestRegressor(n_estimators=400).fit(features(), target())
          joblib.dump(model, "models/demand.joblib")
    `;
    const after = src`
      import subprocess

      import joblib
      from sklearn.ensemble import RandomForestRegressor

      from training.data import features, target


      def main() -> None:
          git_sha = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
          model = RandomForestRegressor(n_estimators=400).fit(features(), target())
          joblib.dump(model, f"models/demand-{git_sha}.joblib")
    `;
    expect(hitsOn(changedFile({ path: 'training/demand.py', before, after }))).toEqual([]);
  });

  it('on a local staging file that is logged to MLflow, and on non-model pickles', () => {
    const text = src`
      import pickle

      import joblib
      import mlflow
      import pandas as pd
      from xgboost import XGBClassifier


      def train(frame: pd.DataFrame) -> None:
          stats = frame.describe().to_dict()
          with open("reports/feature_stats.pkl", "wb") as fh:
              pickle.dump(stats, fh)
          with mlflow.start_run():
              model = XGBClassifier(max_depth=6).fit(frame.drop(columns="label"), frame["label"])
              joblib.dump(model, "model.joblib")
              mlflow.log_artifact("model.joblib")
              joblib.dump(model, "/tmp/model-copy.joblib")
    `;
    expect(hitsOn(addedFile('training/xgb.py', text))).toEqual([]);
  });

  it('on a versioned storageUri, a digest-pinned image and a non-model :latest image', () => {
    const text = src`
      apiVersion: serving.kserve.io/v1beta1
      kind: InferenceService
      metadata:
        name: churn
      spec:
        predictor:
          model:
            modelFormat:
              name: sklearn
            storageUri: s3://ml-models/churn/v14/
          containers:
            - name: kserve-container
              image: registry.example.com/churn-model@sha256:4f1c2d9a7b
            - name: log-shipper
              image: fluent/fluent-bit:latest
    `;
    expect(hitsOn(addedFile('kserve/churn.yaml', text))).toEqual([]);
  });

  it('on notebooks and tests, which it does not apply to', () => {
    const { files } = changeSetOf([
      { path: 'notebooks/explore.py', after: 'import joblib\njoblib.dump(model, "model.pkl")\n' },
      { path: 'tests/test_train.py', after: 'import joblib\njoblib.dump(model, "model.pkl")\n' },
    ]);
    for (const file of files) expect(unversionedModelArtifact.appliesTo(file)).toBe(false);
  });
});
