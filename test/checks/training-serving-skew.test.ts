import { describe, expect, it } from 'vitest';
import { trainingServingSkew } from '../../src/checks/ml/training-serving-skew.js';
import type { RuleHit } from '../../src/checks/types.js';
import type { ChangeSet } from '../../src/changeset/types.js';
import { changeSetOf, lineOf, src, type FileChange } from '../changeset/git-diff.js';

/** Every finding of the rule over every file of the change, keyed by path. */
function hitsIn(changeSet: ChangeSet): Record<string, RuleHit[]> {
  const out: Record<string, RuleHit[]> = {};
  for (const file of changeSet.files) {
    if (!trainingServingSkew.appliesTo(file)) continue;
    const hits = trainingServingSkew.check(file, changeSet);
    if (hits.length > 0) out[file.path] = hits;
  }
  return out;
}

const TRAINING_FEATURES = src`
  import numpy as np
  import pandas as pd


  def add_tenure_features(df: pd.DataFrame) -> pd.DataFrame:
      """Derived features the churn model is trained on."""
      out = df.copy()
      out["tenure_years"] = out["tenure_months"] / 12.0
      out["log_monthly_charges"] = np.log1p(out["monthly_charges"].clip(lower=0))
      out["charges_per_month"] = out["total_charges"] / out["tenure_months"].clip(lower=1)
      return out


  def load_training_frame(path: str) -> pd.DataFrame:
      frame = pd.read_parquet(path)
      return add_tenure_features(frame.dropna(subset=["churned"]))
`;


const SERVING_INPUT_BEFORE = src`
  from serving.schemas import Transaction


  def to_model_input(txn: Transaction) -> dict:
      return {
          "amount": txn.amount,
          "card_age_days": max(txn.card_age_days, 0),
      }
`;

const TRAINING_FRAME_BEFORE = src`
  import numpy as np
  import pandas as pd

  BASE_FEATURES = ["amount", "card_age_days"]


  def build_training_frame(events: pd.DataFrame) -> pd.DataFrame:
      frame = events[BASE_FEATURES].copy()
      frame["card_age_days"] = frame["card_age_days"].clip(lower=0)
      return frame
`;

describe('training-serving-skew fires', () => {
  it('on the same transform defined in the training pipeline and in the serving app, once, on the serving file', () => {
    const serving = src`
      import joblib
      import numpy as np
      import pandas as pd
      from fastapi import FastAPI

      app = FastAPI()
      model = joblib.load("/mnt/models/model.joblib")


      def add_tenure_features(df: pd.DataFrame) -> pd.DataFrame:
          out = df.copy()
          out["tenure_years"] = out["tenure_months"] / 12
          out["log_monthly_charges"] = np.log(out["monthly_charges"] + 1)
          out["charges_per_month"] = out["total_charges"] / out["tenure_months"]
          return out


      @app.post("/predict")
      def predict(payload: dict) -> dict:
          frame = add_tenure_features(pd.DataFrame([payload]))
          return {"churn_probability": float(model.predict_proba(frame)[0][1])}
    `;
    const changeSet = changeSetOf([
      { path: 'training/features.py', after: TRAINING_FEATURES },
      { path: 'serving/app.py', after: serving },
    ]);
    const hits = hitsIn(changeSet);
    expect(Object.keys(hits)).toEqual(['serving/app.py']);
    const [hit] = hits['serving/app.py'] ?? [];
    expect(hit?.line).toBe(lineOf(serving, 'def add_tenure_features'));
    expect(hit?.title).toBe('Feature logic `add_tenure_features()` implemented in both training and serving');
    expect(hit?.message).toContain('`add_tenure_features()` in `serving/app.py` (line 10)');
    expect(hit?.message).toContain('`add_tenure_features()` in `training/features.py` (line 5)');
  });

  it('on features computed by name twice: a serving input dict and a training frame column, once, on the serving file', () => {
    const serving = SERVING_INPUT_BEFORE.replace(
      '        "card_age_days": max(txn.card_age_days, 0),\n',
      '        "card_age_days": max(txn.card_age_days, 0),\n        "hour_of_day": datetime.now().hour,\n        "log_amount": math.log1p(txn.amount),\n',
    );
    const training = TRAINING_FRAME_BEFORE.replace(
      '    return frame',
      '    frame["hour_of_day"] = pd.to_datetime(events["event_ts"], utc=True).dt.hour\n    frame["log_amount"] = np.log1p(events["amount"])\n    return frame',
    );
    const changeSet = changeSetOf([
      { path: 'serving/transform.py', before: SERVING_INPUT_BEFORE, after: serving },
      { path: 'training/features.py', before: TRAINING_FRAME_BEFORE, after: training },
    ]);
    const hits = hitsIn(changeSet);
    expect(Object.keys(hits)).toEqual(['serving/transform.py']);
    const [hit] = hits['serving/transform.py'] ?? [];
    expect(hits['serving/transform.py']).toHaveLength(1);
    expect(hit?.line).toBe(lineOf(serving, '"hour_of_day"'));
    expect(hit?.title).toBe('Features `hour_of_day`, `log_amount` computed separately in training and serving');
    expect(hit?.message).toContain(
      '`hour_of_day` as `datetime.now().hour` here (line 8) and as `pd.to_datetime(events["event_ts"], utc=True).dt.hour` in `training/features.py` (line 10)',
    );    // The same when both files were read whole.
    const contents: Record<string, string> = { 'serving/transform.py': serving, 'training/features.py': training };
    const whole = { ...changeSet, files: changeSet.files.map((f) => ({ ...f, content: contents[f.path] ?? '' })) };
    expect(Object.values(hitsIn(whole)).flat().map((h) => h.line)).toEqual([lineOf(serving, '"hour_of_day"')]);
  });

  it('on a feature both sides compute with the same library call but different arguments', () => {
    const serving = SERVING_INPUT_BEFORE.replace('from serving.schemas import Transaction\n', 'import numpy as np\n\nfrom serving.schemas import Transaction\n').replace(
      '        "card_age_days": max(txn.card_age_days, 0),\n',
      '        "card_age_days": max(txn.card_age_days, 0),\n        "log_amount": np.log1p(txn.amount),\n',
    );
    const training = TRAINING_FRAME_BEFORE.replace('    return frame', '    frame["log_amount"] = np.log1p(events["amount"].clip(upper=events["amount"].quantile(0.99)))\n    return frame');
    const changeSet = changeSetOf([
      { path: 'serving/transform.py', before: SERVING_INPUT_BEFORE, after: serving },
      { path: 'training/features.py', before: TRAINING_FRAME_BEFORE, after: training },
    ]);
    expect(Object.values(hitsIn(changeSet)).flat().map((h) => h.title)).toEqual(['Feature `log_amount` computed separately in training and serving']);
  });

  it('on a near-copy under another name in predict.py', () => {
    const predict = src`
      import numpy as np
      import pandas as pd

      from serving.model_store import current_model


      def enrich(df: pd.DataFrame) -> pd.DataFrame:
          out = df.copy()
          out["tenure_years"] = out["tenure_months"] / 12.0
          out["log_monthly_charges"] = np.log1p(out["monthly_charges"].clip(lower=0))
          out["charges_per_month"] = out["total_charges"] / out["tenure_months"].clip(lower=1)
          return out


      def predict_batch(rows: list[dict]) -> list[float]:
          frame = enrich(pd.DataFrame(rows))
          return current_model().predict_proba(frame)[:, 1].tolist()
    `;
    const changeSet = changeSetOf([
      { path: 'pipelines/churn/features.py', after: TRAINING_FEATURES },
      { path: 'service/predict.py', after: predict },
    ]);
    const hits = hitsIn(changeSet);
    expect(Object.keys(hits)).toEqual(['service/predict.py']);
    expect(hits['service/predict.py']?.[0]?.message).toContain('is a near-copy of `add_tenure_features()` in `pipelines/churn/features.py`');
  });

  it('on a training change that copies a transform the serving side already has', () => {
    const servingBefore = src`
      import pandas as pd


      def normalise_merchant(df: pd.DataFrame) -> pd.DataFrame:
          out = df.copy()
          out["merchant"] = out["merchant"].str.lower().str.strip()
          return out


      def score(model, rows: list[dict]) -> list[float]:
          return model.predict_proba(normalise_merchant(pd.DataFrame(rows)))[:, 1].tolist()
    `;
    const servingAfter = servingBefore.replace('[:, 1].tolist()', '[:, 1].round(4).tolist()');
    const training = src`
      import pandas as pd


      def normalise_merchant(df: pd.DataFrame) -> pd.DataFrame:
          out = df.copy()
          out["merchant"] = out["merchant"].str.lower()
          return out


      def build_training_set(path: str) -> pd.DataFrame:
          return normalise_merchant(pd.read_parquet(path))
    `;
    const changes: FileChange[] = [
      { path: 'inference/fraud.py', before: servingBefore, after: servingAfter },
      { path: 'training/fraud_features.py', after: training },
    ];
    // With the serving file read whole (wantsContent), its unchanged definition is visible.
    const changeSet = changeSetOf(changes);
    changeSet.files = changeSet.files.map((f) => (f.path === 'inference/fraud.py' ? { ...f, content: servingAfter } : f));
    const hits = hitsIn(changeSet);
    expect(Object.keys(hits)).toEqual(['training/fraud_features.py']);
    expect(hits['training/fraud_features.py']?.[0]?.line).toBe(lineOf(training, 'def normalise_merchant'));
  });
});

describe('training-serving-skew stays quiet', () => {
  it('on a serving input dict that passes fields through, or computes a feature training does not have', () => {
    const serving = SERVING_INPUT_BEFORE.replace(
      '        "card_age_days": max(txn.card_age_days, 0),\n',
      '        "card_age_days": max(txn.card_age_days, 0),\n        "log_amount": float(txn.log_amount),\n        "is_weekend": int(txn.created_at.weekday() >= 5),\n',
    );
    const training = TRAINING_FRAME_BEFORE.replace('    return frame', '    frame["log_amount"] = np.log1p(events["amount"])\n    return frame');
    const changeSet = changeSetOf([
      { path: 'serving/transform.py', before: SERVING_INPUT_BEFORE, after: serving },
      { path: 'training/features.py', before: TRAINING_FRAME_BEFORE, after: training },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
  });

  it('on a response dict in a serving app that names a column the training frame computes', () => {
    const serving = src`
      from fastapi import FastAPI

      from features.transforms import build_row

      app = FastAPI()


      @app.post("/score")
      def score(payload: dict) -> dict:
          row = build_row(payload)
          return {
              "log_amount": round(row["log_amount"], 3),
          }
    `;
    const training = TRAINING_FRAME_BEFORE.replace('    return frame', '    frame["log_amount"] = np.log1p(events["amount"])\n    return frame');
    const changeSet = changeSetOf([
      { path: 'serving/app.py', after: serving },
      { path: 'training/features.py', before: TRAINING_FRAME_BEFORE, after: training },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
  });
  it('on the fix: the serving copy replaced by an import of the shared module', () => {
    const before = src`
      import numpy as np
      import pandas as pd


      def add_tenure_features(df: pd.DataFrame) -> pd.DataFrame:
          out = df.copy()
          out["tenure_years"] = out["tenure_months"] / 12
          out["log_monthly_charges"] = np.log(out["monthly_charges"] + 1)
          return out


      def to_frame(payload: dict) -> pd.DataFrame:
          return add_tenure_features(pd.DataFrame([payload]))
    `;
    const after = src`
      import pandas as pd

      from churn_features.transforms import add_tenure_features


      def to_frame(payload: dict) -> pd.DataFrame:
          return add_tenure_features(pd.DataFrame([payload]))
    `;
    const changeSet = changeSetOf([
      { path: 'training/features.py', before: TRAINING_FEATURES, after: TRAINING_FEATURES.replace('dropna(subset=["churned"])', 'dropna(subset=["churned", "tenure_months"])') },
      { path: 'serving/features.py', before, after },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
  });

  it('on the fix for inline features: both sides compute the feature with one function they both import', () => {
    const serving = SERVING_INPUT_BEFORE.replace(
      'from serving.schemas import Transaction\n',
      'from features.shared import card_age_days\nfrom serving.schemas import Transaction\n',
    ).replace('        "card_age_days": max(txn.card_age_days, 0),\n', '        "card_age_days": card_age_days(txn.card_created_at, txn.ts),\n');
    const training = TRAINING_FRAME_BEFORE.replace('import pandas as pd\n', 'import pandas as pd\n\nfrom features.shared import card_age_days\n').replace(
      '    frame["card_age_days"] = frame["card_age_days"].clip(lower=0)\n',
      '    frame["card_age_days"] = card_age_days(events["card_created_at"], events["ts"])\n',
    );
    const changeSet = changeSetOf([
      { path: 'serving/transform.py', before: SERVING_INPUT_BEFORE, after: serving },
      { path: 'training/features.py', before: TRAINING_FRAME_BEFORE, after: training },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
    // The same when both files were read whole.
    const contents: Record<string, string> = { 'serving/transform.py': serving, 'training/features.py': training };
    expect(hitsIn({ ...changeSet, files: changeSet.files.map((f) => ({ ...f, content: contents[f.path] ?? '' })) })).toEqual({});
  });

  it('when only one side is touched', () => {
    const changeSet = changeSetOf([{ path: 'training/features.py', after: TRAINING_FEATURES }]);
    expect(hitsIn(changeSet)).toEqual({});
  });

  it('on look-alikes: generic names (main, load_model) and different functions on both sides', () => {
    const training = src`
      import argparse

      import joblib
      import pandas as pd


      def load_model(path: str):
          return joblib.load(path)


      def build_labels(df: pd.DataFrame) -> pd.Series:
          return (df["days_to_cancel"] <= 30).astype(int)


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--data")
          frame = pd.read_parquet(parser.parse_args().data)
          print(build_labels(frame).mean())
    `;
    const serving = src`
      import joblib
      import pandas as pd
      from fastapi import FastAPI

      app = FastAPI()


      def load_model(path: str):
          return joblib.load(path)


      def to_frame(payload: dict) -> pd.DataFrame:
          frame = pd.DataFrame([payload])
          return frame.astype({"tenure_months": "int64"})


      def main() -> None:
          import uvicorn
          uvicorn.run(app, host="0.0.0.0", port=8080)
    `;
    const changeSet = changeSetOf([
      { path: 'training/train.py', after: training },
      { path: 'serving/app.py', after: serving },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
  });

  it('on a shared transform in a test file and a serving copy (tests are not a training side)', () => {
    const changeSet = changeSetOf([
      { path: 'tests/training/test_features.py', after: TRAINING_FEATURES },
      { path: 'serving/features.py', after: TRAINING_FEATURES },
    ]);
    expect(hitsIn(changeSet)).toEqual({});
  });
});
