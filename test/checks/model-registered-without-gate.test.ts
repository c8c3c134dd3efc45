import { describe, expect, it } from 'vitest';
import { modelRegisteredWithoutGate } from '../../src/checks/ml/model-registered-without-gate.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(modelRegisteredWithoutGate);

describe('model-registered-without-gate fires', () => {
  it('on log_model(registered_model_name=...) in a script that logs no metric and no signature', () => {
    const text = src`
      import mlflow
      import mlflow.sklearn
      import pandas as pd
      from sklearn.ensemble import RandomForestClassifier
      from sklearn.model_selection import train_test_split

      FEATURES = ["amount", "merchant_risk", "hour_of_day", "card_age_days"]


      def main(path: str) -> None:
          frame = pd.read_parquet(path)
          X_train, X_val, y_train, y_val = train_test_split(frame[FEATURES], frame["is_fraud"], test_size=0.2)
          mlflow.set_experiment("fraud")
          with mlflow.start_run():
              model = RandomForestClassifier(n_estimators=500, class_weight="balanced")
              model.fit(X_train, y_train)
              mlflow.log_params({"n_estimators": 500})
              mlflow.sklearn.log_model(model, "model", registered_model_name="fraud-detector")


      if __name__ == "__main__":
          main("data/fraud.parquet")
    `;
    const hits = hitsOn(addedFile('training/train_fraud.py', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(text, 'registered_model_name='));
    expect(hits[0]?.title).toBe('Model `fraud-detector` registered with no evaluation metric or signature');
    expect(hits[0]?.message).toContain('`log_model(…)` adds a new version of `fraud-detector`');
  });

  it('on promotion to the champion alias straight after training, with no comparison', () => {
    const text = src`
      import mlflow
      from mlflow import MlflowClient
      from mlflow.models import infer_signature
      from sklearn.linear_model import LogisticRegression
      from sklearn.metrics import roc_auc_score

      from training.data import split

      NAME = "churn"


      def train_and_promote() -> None:
          X_train, X_val, y_train, y_val = split()
          client = MlflowClient()
          with mlflow.start_run() as run:
              model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
              auc = roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])
              mlflow.log_metric("val_auc", auc)
              mlflow.sklearn.log_model(model, "model", signature=infer_signature(X_val, model.predict(X_val)))
          version = mlflow.register_model(f"runs:/{run.info.run_id}/model", NAME)
          client.set_registered_model_alias(NAME, "champion", version.version)
          client.transition_model_version_stage(NAME, version.version, stage="Production")
    `;
    const hits = hitsOn(addedFile('training/promote.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'set_registered_model_alias('), lineOf(text, 'transition_model_version_stage(')]);
    expect(hits[0]?.title).toBe('Model promoted to `champion` with no comparison to the current version');
    expect(hits[1]?.title).toBe('Model promoted to `Production` with no comparison to the current version');
    expect(hits[1]?.remedy).toContain('get_model_version_by_alias');
  });
});

describe('model-registered-without-gate stays quiet', () => {
  it('on the fix: metrics logged, signature recorded, promotion only if the candidate beats the champion', () => {
    const before = src`
      import mlflow
      from mlflow import MlflowClient
      from sklearn.linear_model import LogisticRegression

      from training.data import split


      def train_and_promote() -> None:
          X_train, X_val, y_train, y_val = split()
          with mlflow.start_run() as run:
              model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
              mlflow.sklearn.log_model(model, "model")
          version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
          MlflowClient().set_registered_model_alias("churn", "champion", version.version)
    `;
    const after = src`
      import mlflow
      from mlflow import MlflowClient
      from mlflow.models import infer_signature
      from sklearn.linear_model import LogisticRegression
      from sklearn.metrics import roc_auc_score

      from training.data import split

      MARGIN = 0.005


      def train_and_promote() -> None:
          X_train, X_val, y_train, y_val = split()
          client = MlflowClient()
          with mlflow.start_run() as run:
              model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
              auc = roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])
              mlflow.log_metric("val_auc", auc)
              mlflow.sklearn.log_model(model, "model", signature=infer_signature(X_val, model.predict(X_val)))
          version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
          champion = client.get_model_version_by_alias("churn", "champion")
          champion_auc = client.get_run(champion.run_id).data.metrics["val_auc"]
          if auc > champion_auc + MARGIN:
              client.set_registered_model_alias("churn", "champion", version.version)
    `;
    expect(hitsOn(changedFile({ path: 'training/promote.py', before, after }))).toEqual([]);
  });

  it('on registration in a file that logs evaluation metrics (seen through the whole file)', () => {
    const before = src`
      import mlflow
      from sklearn.metrics import f1_score


      def evaluate(model, X_val, y_val) -> float:
          f1 = f1_score(y_val, model.predict(X_val))
          mlflow.log_metric("val_f1", f1)
          return f1


      def register(run_id: str) -> None:
          print("registration is manual for now", run_id)
    `;
    const after = before.replace('    print("registration is manual for now", run_id)', '    mlflow.register_model(f"runs:/{run_id}/model", "intent-classifier")');
    const file = changedFile({ path: 'pipelines/intents/register.py', before, after });
    expect(modelRegisteredWithoutGate.wantsContent?.(file)).toBe(true);
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });

  it('on look-alikes: log_model without registration, a staging alias, a promote script with no training', () => {
    const text = src`
      import argparse

      import mlflow
      from mlflow import MlflowClient


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--version", required=True)
          args = parser.parse_args()
          client = MlflowClient()
          client.set_registered_model_alias("churn", "champion", args.version)


      def log_only(model) -> None:
          mlflow.sklearn.log_model(model, "model")
          MlflowClient().set_registered_model_alias("churn", "challenger", "3")
    `;
    expect(hitsOn(addedFile('ops/promote_churn.py', text))).toEqual([]);
  });
});
