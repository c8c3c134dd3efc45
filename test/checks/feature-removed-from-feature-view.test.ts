import { describe, expect, it } from 'vitest';
import { featureRemovedFromFeatureView } from '../../src/checks/ml/feature-removed-from-feature-view.js';
import { changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(featureRemovedFromFeatureView);

const REPO = src`
  from datetime import timedelta

  from feast import Entity, FeatureService, FeatureView, Field, FileSource
  from feast.types import Float32, Int64

  customer = Entity(name="customer", join_keys=["customer_id"])

  customer_stats_source = FileSource(
      path="data/customer_stats.parquet",
      timestamp_field="event_timestamp",
  )

  customer_stats_fv = FeatureView(
      name="customer_stats",
      entities=[customer],
      ttl=timedelta(days=2),
      schema=[
          Field(name="tenure_months", dtype=Int64),
          Field(name="monthly_charges", dtype=Float32),
          Field(name="support_tickets_30d", dtype=Int64),
          Field(name="avg_session_minutes", dtype=Float32),
      ],
      online=True,
      source=customer_stats_source,
  )

  churn_service = FeatureService(
      name="churn_model",
      features=[customer_stats_fv[["tenure_months", "monthly_charges", "support_tickets_30d"]]],
  )
`;

describe('feature-removed-from-feature-view fires', () => {
  it('on a Field dropped from a feature view whose name stays, once with the service that projected it', () => {
    const after = REPO.replace('        Field(name="support_tickets_30d", dtype=Int64),\n', '').replace(', "support_tickets_30d"]]', ']]');
    const file = changedFile({ path: 'feature_repo/customers.py', before: REPO, after });
    const hits = hitsOn(file);
    expect(hits.map((h) => h.title)).toEqual(['Feature `support_tickets_30d` removed in `customer_stats_fv` and `churn_service`']);
    expect(hits[0]?.line).toBe(lineOf(after, 'Field(name="avg_session_minutes"'));
    expect(hits[0]?.message).toContain('Models already deployed ask for it by name');
    expect(hits[0]?.remedy).toContain('`customer_stats_fv_v2`');
  });

  it('on a feature dropped from a service only, the view keeping it', () => {
    const after = REPO.replace(', "support_tickets_30d"]]', ']]');
    const hits = hitsOn(changedFile({ path: 'feature_repo/customers.py', before: REPO, after }));
    expect(hits.map((h) => h.title)).toEqual(['Feature `support_tickets_30d` removed in `churn_service`']);
  });

  it('on a rename of a field (the old name is gone) and a dtype change', () => {
    const after = REPO.replace('Field(name="avg_session_minutes", dtype=Float32)', 'Field(name="avg_session_mins", dtype=Float32)').replace(
      'Field(name="tenure_months", dtype=Int64)',
      'Field(name="tenure_months", dtype=Float32)',
    );
    const hits = hitsOn(changedFile({ path: 'feature_repo/customers.py', before: REPO, after }));
    expect(hits.map((h) => h.title)).toEqual([
      'Feature `tenure_months` changes type in `customer_stats_fv`',
      'Feature `avg_session_minutes` removed in `customer_stats_fv`',
    ]);
    expect(hits[0]?.line).toBe(lineOf(after, 'Field(name="tenure_months", dtype=Float32)'));
    expect(hits[0]?.message).toContain('changes from `Int64` to `Float32`');
  });

  it('on a black-wrapped Field removed from a Tecton-style schema', () => {
    const before = src`
      from tecton import Entity, FeatureService, batch_feature_view
      from tecton.types import Field, Float64, String

      merchant = Entity(name="merchant", join_keys=[Field("merchant_id", String)])

      merchant_schema = [
          Field("merchant_id", String),
          Field(
              name="chargeback_rate_90d",
              dtype=Float64,
          ),
          Field("avg_ticket_size", Float64),
      ]
    `;
    const after = before.replace('    Field(\n        name="chargeback_rate_90d",\n        dtype=Float64,\n    ),\n', '');
    const hits = hitsOn(changedFile({ path: 'features/merchant.py', before, after }));
    expect(hits.map((h) => h.title)).toEqual(['Feature `chargeback_rate_90d` removed']);
  });
});

describe('feature-removed-from-feature-view stays quiet', () => {
  it('when features are only added', () => {
    const after = REPO.replace(
      '        Field(name="avg_session_minutes", dtype=Float32),\n',
      '        Field(name="avg_session_minutes", dtype=Float32),\n        Field(name="days_since_last_login", dtype=Int64),\n',
    );
    expect(hitsOn(changedFile({ path: 'feature_repo/customers.py', before: REPO, after }))).toEqual([]);
  });

  it('on the fix: a new versioned feature view and service next to the untouched old ones', () => {
    const after = `${REPO}
customer_stats_v2_fv = FeatureView(
    name="customer_stats_v2",
    entities=[customer],
    ttl=timedelta(days=2),
    schema=[
        Field(name="tenure_months", dtype=Int64),
        Field(name="monthly_charges", dtype=Float32),
    ],
    online=True,
    source=customer_stats_source,
)

churn_service_v2 = FeatureService(
    name="churn_model_v2",
    features=[customer_stats_v2_fv],
)
`;
    expect(hitsOn(changedFile({ path: 'feature_repo/customers.py', before: REPO, after }))).toEqual([]);
  });

  it('on fields reordered and a description added', () => {
    const after = REPO.replace(
      '        Field(name="tenure_months", dtype=Int64),\n        Field(name="monthly_charges", dtype=Float32),\n',
      '        Field(name="monthly_charges", dtype=Float32, description="Current monthly bill"),\n        Field(name="tenure_months", dtype=Int64),\n',
    );
    expect(hitsOn(changedFile({ path: 'feature_repo/customers.py', before: REPO, after }))).toEqual([]);
  });

  it('on a pydantic request schema losing a Field, outside any feature repository', () => {
    const before = src`
      from pydantic import BaseModel, Field


      class ScoreRequest(BaseModel):
          customer_id: str = Field(..., min_length=1)
          tenure_months: int = Field(ge=0)
          monthly_charges: float = Field(ge=0)
          coupon: str | None = Field(None, description="Promo code")
    `;
    const after = before.replace('    coupon: str | None = Field(None, description="Promo code")\n', '');
    expect(hitsOn(changedFile({ path: 'serving/schemas.py', before, after }))).toEqual([]);
  });
});
