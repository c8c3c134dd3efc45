import { describe, expect, it } from 'vitest';
import { batchScoringInOnlineService as rule } from '../../src/checks/ml/batch-scoring-in-online-service.js';
import { addedFile, changeSetOf, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(rule);

const SCHEDULED = src`
  import joblib
  import pandas as pd
  from apscheduler.schedulers.background import BackgroundScheduler
  from fastapi import FastAPI
  from sqlalchemy import create_engine

  from serving.settings import settings

  app = FastAPI(title="churn-service")
  model = joblib.load(settings.model_path)
  engine = create_engine(settings.database_url)


  def score_all_customers():
      customers = pd.read_sql("SELECT * FROM customer_features", engine)
      customers["churn_probability"] = model.predict_proba(customers[settings.features])[:, 1]
      customers[["customer_id", "churn_probability"]].to_sql("churn_scores", engine, if_exists="replace")


  scheduler = BackgroundScheduler()
  scheduler.add_job(score_all_customers, "cron", hour=2)
  scheduler.start()


  @app.post("/predict")
  def predict(payload: dict):
      frame = pd.DataFrame([payload])[settings.features]
      return {"churn_probability": float(model.predict_proba(frame)[0][1])}
`;

describe('batch-scoring-in-online-service fires', () => {
  it('on an APScheduler job that scores a whole table in the FastAPI process', () => {
    const hits = hitsOn(addedFile('serving/app.py', SCHEDULED));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(SCHEDULED, 'scheduler.add_job('));
    expect(hits[0]?.title).toBe('Batch scoring `score_all_customers` runs inside the online service');
    expect(hits[0]?.message).toContain('(`pd.read_sql(…)`) and runs `model.predict_proba(…)` over it, started as a scheduler job (`add_job`)');
  });

  it('on an endpoint that scores a day of parquet row by row and writes the scores back', () => {
    const text = src`
      import joblib
      import pandas as pd
      from flask import Flask, jsonify, request

      app = Flask(__name__)
      model = joblib.load("/models/ltv-v7.joblib")
      FEATURES = ["orders_90d", "aov_90d", "days_since_last_order"]


      @app.route("/score-day", methods=["POST"])
      def score_day():
          day = request.json["date"]
          frame = pd.read_parquet(f"s3://lake/customer_features/dt={day}/")
          scores = []
          for _, row in frame.iterrows():
              scores.append(float(model.predict([row[FEATURES].to_numpy()])[0]))
          frame["ltv"] = scores
          frame[["customer_id", "ltv"]].to_parquet(f"s3://lake/ltv_scores/dt={day}/part.parquet")
          return jsonify({"scored": len(frame)})
    `;
    const hits = hitsOn(addedFile('api/ltv.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'def score_day')]);
    expect(hits[0]?.message).toContain('started as endpoint `score_day` (`POST /score-day`)');
  });

  it('on a rescoring loop started in a thread from a startup hook of an existing service', () => {
    const before = src`
      import logging
      import time

      import pandas as pd
      import torch
      from fastapi import FastAPI

      log = logging.getLogger(__name__)
      app = FastAPI()
      model = torch.jit.load("/models/ranker.pt").eval()


      def rescore_catalog():
          while True:
              items = pd.read_parquet("/data/catalog_features.parquet")
              with torch.no_grad():
                  items["score"] = model(torch.tensor(items.drop(columns="item_id").values)).numpy()
              items.to_parquet("/data/catalog_scores.parquet")
              time.sleep(3600)


      @app.post("/rank")
      def rank(payload: dict):
          with torch.no_grad():
              return {"scores": model(torch.tensor(payload["features"])).tolist()}
    `;
    const after = before.replace('import logging\n', 'import logging\nimport threading\n').replace(
      '@app.post("/rank")',
      '@app.on_event("startup")\ndef start_rescoring():\n    threading.Thread(target=rescore_catalog, daemon=True).start()\n\n\n@app.post("/rank")',
    );
    const { files } = changeSetOf([{ path: 'serving/ranker.py', before, after }]);
    const file = files[0];
    if (!file) throw new Error('no file');
    expect(rule.wantsContent?.(file)).toBe(true);
    const withContent = { ...file, content: after };
    const hits = hitsOn(withContent);
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'target=rescore_catalog')]);
    expect(hits[0]?.message).toContain('started as a background thread');
  });
});

describe('batch-scoring-in-online-service stays quiet', () => {
  it('on the same scoring code in a dedicated batch job', () => {
    expect(hitsOn(addedFile('batch/score_customers.py', SCHEDULED))).toEqual([]);
    const script = src`
      import argparse

      import joblib
      import pandas as pd


      def main() -> None:
          parser = argparse.ArgumentParser()
          parser.add_argument("--day", required=True)
          args = parser.parse_args()
          model = joblib.load("/models/churn.joblib")
          frame = pd.read_parquet(f"s3://lake/features/dt={args.day}/")
          frame["score"] = model.predict_proba(frame.drop(columns="customer_id"))[:, 1]
          frame[["customer_id", "score"]].to_parquet(f"s3://lake/scores/dt={args.day}/part.parquet")


      if __name__ == "__main__":
          main()
    `;
    expect(hitsOn(addedFile('serving/score_daily.py', script))).toEqual([]);
  });

  it('on a scheduler that only reloads the model, and a handler that reads one customer', () => {
    const text = src`
      import joblib
      import pandas as pd
      from apscheduler.schedulers.background import BackgroundScheduler
      from fastapi import FastAPI
      from sqlalchemy import create_engine

      app = FastAPI()
      engine = create_engine("postgresql+psycopg://features@db/features")
      state = {"model": joblib.load("/models/churn/current.joblib")}


      def reload_model():
          state["model"] = joblib.load("/models/churn/current.joblib")


      scheduler = BackgroundScheduler()
      scheduler.add_job(reload_model, "interval", minutes=10)
      scheduler.start()


      @app.get("/predict/{customer_id}")
      def predict(customer_id: str):
          row = pd.read_sql("SELECT * FROM customer_features WHERE customer_id = %(id)s", engine, params={"id": customer_id})
          return {"score": float(state["model"].predict_proba(row.drop(columns="customer_id"))[0][1])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('on the fix: the scheduled job moved out of the service into a batch job', () => {
    const served = SCHEDULED.replace(/\n\ndef score_all_customers[\s\S]*?scheduler\.start\(\)\n/, '\n').replace(
      'from apscheduler.schedulers.background import BackgroundScheduler\n',
      '',
    );
    const { files } = changeSetOf([
      { path: 'serving/app.py', before: SCHEDULED, after: served },
      { path: 'jobs/score_customers.py', after: SCHEDULED },
    ]);
    expect(files).toHaveLength(2);
    for (const file of files) expect(hitsOn(file)).toEqual([]);
  });
});
