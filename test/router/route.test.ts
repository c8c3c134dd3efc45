import { describe, expect, it } from 'vitest';
import { route, type Routing } from '../../src/router/route.js';
import type { RoutingReason } from '../../src/report/types.js';
import { changeSetOf, src, type FileChange } from '../changeset/git-diff.js';
import { shippedAgents } from './shipped-agents.js';

const AGENTS = shippedAgents();
const ML = 'ml-systems-architect';
const SYSTEM = 'system-architect';

const SERVING_APP = src`
  import joblib
  from fastapi import FastAPI
  from pydantic import BaseModel

  app = FastAPI()


  class ScoreRequest(BaseModel):
      customer_id: str
      tenure_months: int


  @app.post("/predict")
  def predict(req: ScoreRequest):
      model = joblib.load("models/churn.pkl")
      return {"score": float(model.predict_proba([[req.tenure_months]])[0][1])}
`;

const USERS_API = src`
  from fastapi import APIRouter, HTTPException
  from sqlalchemy.orm import Session

  from api.db import get_session
  from api.models import User

  router = APIRouter(prefix="/v1/users")


  @router.get("/{user_id}")
  def get_user(user_id: int, session: Session = Depends(get_session)):
      user = session.get(User, user_id)
      if user is None:
          raise HTTPException(status_code=404, detail="user not found")
      return {"id": user.id, "email": user.email}
`;

const BILLING_TS = src`
  import { Router } from 'express';
  import { invoicesFor } from './invoices.js';

  export const billing = Router();

  billing.get('/v1/invoices/:customer', async (req, res) => {
    res.json(await invoicesFor(req.params.customer));
  });
`;

function routeOf(changes: FileChange[], pr: { title?: string; body?: string } = {}): Routing {
  return route(changeSetOf(changes, pr), AGENTS);
}

function assignmentOf(routing: Routing, agent: string): { files: string[]; reasons: RoutingReason[] } | undefined {
  const found = routing.assignments.find((a) => a.agent.name === agent);
  return found && { files: found.files.map((f) => f.path), reasons: found.reasons };
}

function agentsOf(routing: Routing): string[] {
  return routing.assignments.map((a) => a.agent.name);
}

describe('route with the shipped agents', () => {
  it('sends a FastAPI serving file that imports joblib to both agents, each saying why', () => {
    const routing = routeOf([{ path: 'serving/app.py', after: SERVING_APP }]);
    expect(agentsOf(routing)).toEqual([ML, SYSTEM]);
    const ml = assignmentOf(routing, ML);
    expect(ml?.files).toEqual(['serving/app.py']);
    expect(ml?.reasons).toEqual([
      { kind: 'path', detail: '**/serving/**', files: ['serving/app.py'] },
      { kind: 'import', detail: 'joblib', files: ['serving/app.py'] },
    ]);
    const system = assignmentOf(routing, SYSTEM);
    expect(system?.files).toEqual(['serving/app.py']);
    expect(system?.reasons).toEqual([{ kind: 'path', detail: '**/*.py', files: ['serving/app.py'] }]);
    expect(routing.unrouted).toEqual([]);
  });

  it('sends an ML file outside the ML folders to the ML agent by its import alone', () => {
    const routing = routeOf([{ path: 'app/main.py', after: SERVING_APP }]);
    expect(assignmentOf(routing, ML)?.reasons).toEqual([{ kind: 'import', detail: 'joblib', files: ['app/main.py'] }]);
  });

  it('sends a plain backend file with no ML imports only to the system architect', () => {
    const routing = routeOf([{ path: 'api/users.py', after: USERS_API }]);
    expect(agentsOf(routing)).toEqual([SYSTEM]);
    expect(assignmentOf(routing, SYSTEM)).toEqual({
      files: ['api/users.py'],
      reasons: [{ kind: 'path', detail: '**/*.py', files: ['api/users.py'] }],
    });
    expect(routing.unrouted).toEqual([]);
  });

  it('splits a mixed change: the ML file to both, the backend file to the system architect only', () => {
    const routing = routeOf([
      { path: 'serving/app.py', after: SERVING_APP },
      { path: 'api/users.py', after: USERS_API },
    ]);
    expect(assignmentOf(routing, ML)?.files).toEqual(['serving/app.py']);
    expect(assignmentOf(routing, SYSTEM)?.files).toEqual(['api/users.py', 'serving/app.py']);
    expect(assignmentOf(routing, SYSTEM)?.reasons).toEqual([
      { kind: 'path', detail: '**/*.py', files: ['api/users.py', 'serving/app.py'] },
    ]);
  });

  it('routes a docs-only change to no agent and lists every file as documentation', () => {
    const routing = routeOf([
      { path: 'README.md', before: '# Churn\n', after: '# Churn\n\nServes churn scores.\n' },
      { path: 'docs/serving/architecture.md', after: '# Serving\n\nThe model is loaded at start-up.\n' },
    ]);
    expect(routing.assignments).toEqual([]);
    expect(routing.unrouted).toEqual([
      { path: 'README.md', reason: 'documentation: no agent reviews prose' },
      { path: 'docs/serving/architecture.md', reason: 'documentation: no agent reviews prose' },
    ]);
  });

  it('routes a tests-only change to no agent, even tests that import ML libraries', () => {
    const routing = routeOf([
      { path: 'tests/test_predict.py', after: 'import joblib\n\n\ndef test_model_loads():\n    assert joblib.load("m.pkl")\n' },
      { path: 'web/src/api.test.ts', after: "import { expect, it } from 'vitest';\n\nit('works', () => expect(1).toBe(1));\n" },
      { path: 'serving/test_app.py', after: 'from serving.app import app\n' },
    ]);
    expect(routing.assignments).toEqual([]);
    expect(routing.unrouted).toEqual([
      { path: 'serving/test_app.py', reason: 'test code: no agent reviews tests' },
      { path: 'tests/test_predict.py', reason: 'test code: no agent reviews tests' },
      { path: 'web/src/api.test.ts', reason: 'test code: no agent reviews tests' },
    ]);
  });

  it('routes a lockfile-only change to no agent', () => {
    const routing = routeOf([
      { path: 'package-lock.json', before: '{\n  "lockfileVersion": 3\n}\n', after: '{\n  "lockfileVersion": 3,\n  "packages": {}\n}\n' },
      { path: 'poetry.lock', after: '[[package]]\nname = "redis"\nversion = "5.0.8"\n' },
    ]);
    expect(routing.assignments).toEqual([]);
    expect(routing.unrouted).toEqual([
      { path: 'package-lock.json', reason: 'lockfile: reviewed through its manifest' },
      { path: 'poetry.lock', reason: 'lockfile: reviewed through its manifest' },
    ]);
  });

  it('lists a source file no agent takes as unrouted', () => {
    const routing = routeOf([{ path: 'scripts/rotate.ps1', after: 'Write-Host "rotate"\n' }]);
    expect(routing.assignments).toEqual([]);
    expect(routing.unrouted).toEqual([{ path: 'scripts/rotate.ps1', reason: 'no agent matched this file' }]);
  });

  it('sends every source file to the ML agent when its trigger phrase is in the PR title', () => {
    const routing = routeOf(
      [
        { path: 'api/users.py', after: USERS_API },
        { path: 'billing/routes.ts', after: BILLING_TS },
        { path: 'docs/rollout.md', after: '# Rollout\n' },
        { path: 'tests/test_users.py', after: 'def test_x():\n    pass\n' },
      ],
      { title: 'ML model deployment for the churn scorer' },
    );
    const ml = assignmentOf(routing, ML);
    expect(ml?.files).toEqual(['api/users.py', 'billing/routes.ts']);
    expect(ml?.reasons).toEqual([{ kind: 'trigger', detail: '"ML model deployment" in the PR title', files: [] }]);
    // Docs and tests stay out even then.
    expect(routing.unrouted.map((u) => u.path)).toEqual(['docs/rollout.md', 'tests/test_users.py']);
  });

  it('names the description when the trigger phrase is only there', () => {
    const routing = routeOf([{ path: 'api/users.py', after: USERS_API }], {
      title: 'Read user features',
      body: 'This moves user lookups onto the new Feature Stores so scoring and training agree.',
    });
    expect(assignmentOf(routing, ML)?.reasons).toEqual([
      { kind: 'trigger', detail: '"feature stores" in the PR description', files: [] },
    ]);
  });

  it('does not trigger on a phrase inside a longer word', () => {
    const changes = [{ path: 'api/users.py', after: USERS_API }];
    expect(agentsOf(routeOf(changes, { title: 'HTML model deployment notes for the status page' }))).toEqual([SYSTEM]);
    expect(agentsOf(routeOf(changes, { title: 'Fix feature storesync flag', body: 'XML model deployments are out of scope.' }))).toEqual([SYSTEM]);
    expect(assignmentOf(routeOf(changes, { title: 'Migration planning doc' }), SYSTEM)?.reasons).toEqual([
      { kind: 'path', detail: '**/*.py', files: ['api/users.py'] },
    ]);
  });

  it('gives the same routing for the same change twice', () => {
    const changes: FileChange[] = [
      { path: 'serving/app.py', after: SERVING_APP },
      { path: 'api/users.py', after: USERS_API },
      { path: 'billing/routes.ts', after: BILLING_TS },
      { path: 'README.md', after: '# x\n' },
    ];
    const pr = { title: 'ML model deployment', body: 'Technology selection: Redis.' };
    const first = route(changeSetOf(changes, pr), shippedAgents());
    const second = route(changeSetOf(changes, pr), shippedAgents());
    expect(second).toEqual(first);
  });

  it('sends a JS file that requires onnxruntime-node, and a TS file that imports it, to the ML agent', () => {
    const routing = routeOf([
      {
        path: 'server/score.js',
        after: "const express = require('express');\nconst ort = require('onnxruntime-node');\n\nconst app = express();\n",
      },
      {
        path: 'server/rank.ts',
        after: "import * as ort from 'onnxruntime-node';\nimport type { Request } from 'express';\n\nexport const rank = (req: Request) => req.body;\n",
      },
    ]);
    expect(assignmentOf(routing, ML)).toEqual({
      files: ['server/rank.ts', 'server/score.js'],
      reasons: [{ kind: 'import', detail: 'onnxruntime-node', files: ['server/rank.ts', 'server/score.js'] }],
    });
  });

  it('routes on a content signal in an added line (a KServe InferenceService manifest)', () => {
    const manifest = src`
      apiVersion: serving.kserve.io/v1beta1
      kind: InferenceService
      metadata:
        name: churn
      spec:
        predictor:
          sklearn:
            storageUri: s3://models/churn/v3
    `;
    const routing = routeOf([{ path: 'deploy/churn.yaml', after: manifest }]);
    expect(assignmentOf(routing, ML)?.reasons).toEqual([
      { kind: 'content', detail: '\\bInferenceService\\b', files: ['deploy/churn.yaml'] },
    ]);
  });

  it('does not route on ML imports that are only commented out', () => {
    const routing = routeOf([
      { path: 'api/orders.py', after: '# import torch  (not yet)\nfrom api.db import session\n' },
      { path: 'web/server/orders.ts', after: "// import * as ort from 'onnxruntime-node';\nexport const x = 1;\n" },
    ]);
    expect(agentsOf(routing)).toEqual([SYSTEM]);
  });
});
