import { describe, expect, it } from 'vitest';
import { offlineStoreReadInRequest as rule } from '../../src/checks/ml/offline-store-read-in-request.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(rule);

const HISTORICAL = src`
  from datetime import datetime, timezone

  import joblib
  import pandas as pd
  from fastapi import FastAPI
  from feast import FeatureStore

  app = FastAPI(title="churn-service")
  store = FeatureStore(repo_path="feature_repo")
  model = joblib.load("/models/churn-v9.joblib")
  FEATURES = ["customer_stats:tenure_months", "customer_stats:monthly_charges", "customer_stats:support_calls_30d"]


  @app.get("/predict/{customer_id}")
  def predict(customer_id: str):
      entity_df = pd.DataFrame({"customer_id": [customer_id], "event_timestamp": [datetime.now(timezone.utc)]})
      features = store.get_historical_features(entity_df=entity_df, features=FEATURES).to_df()
      row = features.drop(columns=["customer_id", "event_timestamp"])
      return {"customer_id": customer_id, "churn_probability": float(model.predict_proba(row)[0][1])}
`;

describe('offline-store-read-in-request fires', () => {
  it('on Feast get_historical_features inside a FastAPI handler', () => {
    const hits = hitsOn(addedFile('serving/app.py', HISTORICAL));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(HISTORICAL, 'get_historical_features('));
    expect(hits[0]?.title).toBe('Offline feature read on every request in `predict` (`GET /predict/{customer_id}`)');
    expect(hits[0]?.message).toContain('`store.get_historical_features(…)` reads from the Feast offline store');
    expect(hits[0]?.remedy).toContain('get_online_features');
  });

  it('on a BigQuery query in a handler and a Snowflake read_sql in a helper it calls', () => {
    const text = src`
      import joblib
      import pandas as pd
      from flask import Flask, jsonify
      from google.cloud import bigquery
      from sqlalchemy import create_engine

      app = Flask(__name__)
      bq = bigquery.Client(project="analytics-prod")
      warehouse = create_engine("snowflake://svc_ml@acme/ANALYTICS/FEATURES?warehouse=SERVING_WH")
      model = joblib.load("/models/ltv-v4.joblib")


      def customer_orders(customer_id: str) -> pd.DataFrame:
          sql = "SELECT orders_90d, aov_90d FROM customer_orders WHERE customer_id = %(id)s"
          return pd.read_sql(sql, warehouse, params={"id": customer_id})


      @app.route("/ltv/<customer_id>")
      def ltv(customer_id: str):
          job = bq.query(
              "SELECT days_since_last_visit FROM web.sessions_agg WHERE customer_id = @id",
              job_config=bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("id", "STRING", customer_id)]),
          )
          visits = job.to_dataframe()
          frame = customer_orders(customer_id).join(visits)
          return jsonify({"ltv": float(model.predict(frame)[0])})
    `;
    const hits = hitsOn(addedFile('serving/ltv.py', text));
    expect(hits.map((h) => h.line)).toEqual([lineOf(text, 'pd.read_sql('), lineOf(text, 'bq.query(')]);
    expect(hits[0]?.message).toContain('`pd.read_sql(…)` reads from Snowflake inside request handler `ltv` (`/ltv/<customer_id>`) through `customer_orders()`');
    expect(hits[1]?.message).toContain('`bq.query(…)` reads from BigQuery');
  });

  it('on a features Parquet file read on every request', () => {
    const text = src`
      import pandas as pd
      from fastapi import FastAPI

      from serving.model import MODEL

      app = FastAPI()


      @app.get("/recommend/{user_id}")
      def recommend(user_id: int):
          features = pd.read_parquet("s3://ml-features/user_features/latest.parquet", filters=[("user_id", "==", user_id)])
          return {"items": MODEL.recommend(features.iloc[0].to_numpy(), k=10)}
    `;
    expect(hitsOn(addedFile('serving/recommend.py', text)).map((h) => h.line)).toEqual([lineOf(text, 'pd.read_parquet(')]);
  });
  it('from the diff alone when git\'s hunk header names the handler and the previous hunk ends with its route', () => {
    const before = src`
      import logging

      import pandas as pd
      from fastapi import APIRouter, Request
      from feast import FeatureStore

      log = logging.getLogger(__name__)
      router = APIRouter()
      store = FeatureStore(repo_path="feature_repo")
      ONLINE_FEATURES = [
          "customer_profile:tenure_months",
          "customer_profile:utilisation_ratio",
      ]


      @router.post("/v1/credit-limit")
      def credit_limit(payload: dict, request: Request) -> dict:
          online = store.get_online_features(
              features=ONLINE_FEATURES,
              entity_rows=[{"customer_id": payload["customer_id"]}],
          ).to_df()
          limit = float(request.app.state.credit_model.predict(online.drop(columns=["customer_id"]))[0])
          return {"customer_id": payload["customer_id"], "limit": round(limit, -2)}
    `;
    const after = before
      .replace('    "customer_profile:utilisation_ratio",\n]', '    "customer_profile:utilisation_ratio",\n]\nAGGREGATES = ["txn_agg_30d:txn_count_30d", "txn_agg_30d:declined_ratio_30d"]')
      .replace(
        '    limit = float(request.app.state.credit_model.predict(online.drop(columns=["customer_id"]))[0])',
        '    entity_df = pd.DataFrame({"customer_id": [payload["customer_id"]], "event_timestamp": [pd.Timestamp.now(tz="UTC")]})\n    aggregates = store.get_historical_features(entity_df=entity_df, features=AGGREGATES).to_df()\n    row = online.merge(aggregates.drop(columns=["event_timestamp"]), on="customer_id")\n    limit = float(request.app.state.credit_model.predict(row.drop(columns=["customer_id"]))[0])',
      );
    const file = changedFile({ path: 'serving/credit_limit.py', before, after });
    expect(file.hunks).toHaveLength(2);
    expect(file.hunks[1]?.header).toMatch(/^def credit_limit/);
    expect(hitsOn(file).map((h) => h.line)).toEqual([lineOf(after, 'get_historical_features(')]);
  });
});

describe('offline-store-read-in-request stays quiet', () => {
  it('on the fix: get_online_features instead of get_historical_features', () => {
    const fixed = HISTORICAL.replace(
      '    entity_df = pd.DataFrame({"customer_id": [customer_id], "event_timestamp": [datetime.now(timezone.utc)]})\n    features = store.get_historical_features(entity_df=entity_df, features=FEATURES).to_df()\n    row = features.drop(columns=["customer_id", "event_timestamp"])',
      '    features = store.get_online_features(features=FEATURES, entity_rows=[{"customer_id": customer_id}]).to_df()\n    row = features.drop(columns=["customer_id"])',
    );
    const file = changedFile({ path: 'serving/app.py', before: HISTORICAL, after: fixed });
    expect(file.additions).toBe(2);
    expect(hitsOn(file)).toEqual([]);
  });

  it('on offline reads in training code and in a batch job', () => {
    const training = src`
      import pandas as pd
      from feast import FeatureStore
      from sklearn.ensemble import GradientBoostingClassifier


      def build_training_set(store: FeatureStore, labels: pd.DataFrame) -> pd.DataFrame:
          return store.get_historical_features(entity_df=labels, features=["customer_stats:tenure_months"]).to_df()


      def train(labels_path: str):
          labels = pd.read_parquet(labels_path)
          frame = build_training_set(FeatureStore(repo_path="feature_repo"), labels)
          return GradientBoostingClassifier().fit(frame.drop(columns="churned"), frame["churned"])
    `;
    expect(hitsOn(addedFile('training/train.py', training))).toEqual([]);
    expect(hitsOn(addedFile('src/churn/train.py', training))).toEqual([]);
  });

  it('on look-alikes: an OLTP read_sql, a Parquet table loaded once, a cached lookup table', () => {
    const text = src`
      from functools import lru_cache

      import pandas as pd
      from fastapi import FastAPI
      from sqlalchemy import create_engine

      from serving.model import MODEL

      app = FastAPI()
      orders_db = create_engine("postgresql+psycopg://svc@orders-db/orders")
      CATEGORY_EMBEDDINGS = pd.read_parquet("/models/category_embeddings.parquet")


      @lru_cache(maxsize=1)
      def region_table() -> pd.DataFrame:
          return pd.read_parquet("/models/regions.parquet").set_index("region_id")


      @app.get("/predict/{customer_id}")
      def predict(customer_id: str):
          orders = pd.read_sql("SELECT * FROM orders WHERE customer_id = %(id)s", orders_db, params={"id": customer_id})
          region = region_table().loc[orders["region_id"].iloc[0]]
          return {"score": float(MODEL.predict([[len(orders), region["risk"]]])[0])}
    `;
    expect(hitsOn(addedFile('serving/app.py', text))).toEqual([]);
  });

  it('asks for content when an added read_sql uses a connection defined above the hunk', () => {
    const before = src`
      import pandas as pd
      from fastapi import FastAPI
      from sqlalchemy import create_engine

      from serving.model import MODEL

      app = FastAPI()
      warehouse = create_engine("snowflake://svc_ml@acme/ANALYTICS/FEATURES")
      ORDERS_SQL = "SELECT orders_90d FROM customer_orders WHERE customer_id = %(id)s"
      VISITS_SQL = "SELECT visits_30d FROM sessions WHERE customer_id = %(id)s"
      DEFAULT_VISITS = 0


      @app.get("/predict/{customer_id}")
      def predict(customer_id: str):
          visits = DEFAULT_VISITS
          return {"score": float(MODEL.predict([[visits]])[0])}
    `;
    const after = before.replace('visits = DEFAULT_VISITS', 'visits = pd.read_sql(VISITS_SQL, warehouse, params={"id": customer_id}).iloc[0, 0]');
    const file = changedFile({ path: 'serving/app.py', before, after });
    expect(rule.wantsContent?.(file)).toBe(true);
    expect(hitsOn(file)).toEqual([]);
    expect(hitsOn({ ...file, content: after }).map((h) => h.line)).toEqual([lineOf(after, 'pd.read_sql(')]);
  });
});
