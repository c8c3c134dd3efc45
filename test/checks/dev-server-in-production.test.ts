import { describe, expect, it } from 'vitest';
import { devServerInProduction } from '../../src/checks/system/dev-server-in-production.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsIfApplies, hitsOnChanges } from './harness.js';

const hitsOn = hitsIfApplies(devServerInProduction);
const hitsOnChange = hitsOnChanges(devServerInProduction);

const PREDICT_DOCKERFILE = src`
  FROM python:3.11-slim

  WORKDIR /app
  COPY requirements.txt .
  RUN pip install --no-cache-dir -r requirements.txt
  COPY predict.py .

  EXPOSE 8080
  CMD ["python", "predict.py"]
`;

const PREDICT_PY = src`
  import os

  from flask import Flask, jsonify, request

  app = Flask(__name__)


  @app.post("/predict")
  def predict():
      return jsonify(score=len(request.get_json()["items"]))


  if __name__ == "__main__":
      app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
`;

const FLASK_DOCKERFILE = src`
  FROM python:3.12-slim

  ENV PYTHONDONTWRITEBYTECODE=1 \
      PYTHONUNBUFFERED=1

  WORKDIR /app

  COPY requirements.txt .
  RUN pip install --no-cache-dir -r requirements.txt

  COPY . .

  RUN useradd --create-home appuser
  USER appuser

  EXPOSE 8000
  CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "orders.app:create_app()"]
`;

const DEPLOYMENT = src`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: scoring-api
    labels:
      app: scoring-api
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: scoring-api
    template:
      metadata:
        labels:
          app: scoring-api
      spec:
        containers:
          - name: api
            image: registry.acme.io/scoring-api:2.4.1
            command: ["uvicorn"]
            args: ["scoring.main:app", "--host", "0.0.0.0", "--port", "8080", "--workers", "4"]
            ports:
              - containerPort: 8080
            env:
              - name: NODE_ENV
                value: production
              - name: LOG_LEVEL
                value: info
            resources:
              requests:
                cpu: 250m
                memory: 512Mi
              limits:
                memory: 512Mi
`;

describe('dev-server-in-production fires', () => {
  it('on a new Dockerfile whose CMD is flask run', () => {
    const text = FLASK_DOCKERFILE.replace(
      'CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "orders.app:create_app()"]',
      'CMD ["flask", "--app", "orders.app", "run", "--host=0.0.0.0", "--port=8000"]',
    );
    const hits = hitsOn(addedFile('services/orders/Dockerfile', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(text, 'CMD ["flask"'));
    expect(hits[0]?.title).toContain('Development server in the production image');
    expect(hits[0]?.message).toContain("Flask's development server");
    expect(hits[0]?.remedy).toContain('gunicorn');
  });

  it('on a CMD changed to uvicorn --reload and ENV NODE_ENV=development, with the FROM far above the hunk', () => {
    const after = FLASK_DOCKERFILE.replace(
      'CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "orders.app:create_app()"]',
      'ENV FLASK_DEBUG=1\nCMD ["uvicorn", "orders.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--reload"]',
    );
    const hits = hitsOn(changedFile({ path: 'Dockerfile', before: FLASK_DOCKERFILE, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, 'ENV FLASK_DEBUG=1'), 'Development mode in the production image: `FLASK_DEBUG=1`'],
      [lineOf(after, 'CMD ["uvicorn"'), expect.stringContaining('`CMD ["uvicorn", "orders.asgi:app"')],
    ]);
    expect(hits[1]?.message).toContain('auto-reload');
  });

  it('on a Deployment whose args add --reload to its uvicorn command, and on NODE_ENV=development', () => {
    const after = DEPLOYMENT.replace('"--workers", "4"]', '"--reload"]').replace('value: production', 'value: development');
    const hits = hitsOn(changedFile({ path: 'deploy/k8s/scoring-api.yaml', before: DEPLOYMENT, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, '"--reload"'), 'Development server in a Kubernetes manifest: `uvicorn scoring.main:app --host 0.0.0.0 --port 8080 --reload`'],
      [lineOf(after, 'value: development'), 'Development mode in a Kubernetes manifest: `NODE_ENV=development`'],
    ]);
  });

  it('on npm run dev in a production compose file', () => {
    const text = src`
      services:
        web:
          image: registry.acme.io/storefront:1.8.0
          command: npm run dev
          ports:
            - "3000:3000"
          environment:
            API_URL: https://api.acme.io
          restart: always
    `;
    const hits = hitsOn(addedFile('deploy/docker-compose.prod.yml', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(text, 'command: npm run dev'), 'Development server in a production compose file: `npm run dev`']]);
  });

  it('on app.run(debug=True) at module level in a Flask app', () => {
    const text = src`
      import logging

      from flask import Flask, jsonify

      from orders.db import session_scope

      app = Flask(__name__)
      log = logging.getLogger(__name__)


      @app.get("/orders/<int:order_id>")
      def get_order(order_id: int):
          with session_scope() as session:
              order = session.get_order(order_id)
          return jsonify(order.to_dict())


      app.run(host="0.0.0.0", port=8000, debug=True)
    `;
    const hits = hitsOn(addedFile('orders/app.py', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(text, 'app.run('), 'Development server started with `debug=True`']]);
    expect(hits[0]?.message).toContain('at import time');
  });

  it('on a CMD that runs a Flask script of the change whose __main__ calls app.run', () => {
    const hits = hitsOnChange([
      { path: 'elasticity/Dockerfile', after: PREDICT_DOCKERFILE },
      { path: 'elasticity/predict.py', after: PREDICT_PY },
    ]);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(PREDICT_DOCKERFILE, 'CMD ["python"'));
    expect(hits[0]?.title).toBe('Development server in the production image: `CMD ["python", "predict.py"]`');
    expect(hits[0]?.message).toContain('`app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))`');
    expect(hits[0]?.remedy).toContain('gunicorn');
    const absolute = PREDICT_DOCKERFILE.replace('CMD ["python", "predict.py"]', 'CMD python3 -u /app/predict.py');
    expect(hitsOnChange([{ path: 'elasticity/Dockerfile', after: absolute }, { path: 'elasticity/predict.py', after: PREDICT_PY }])).toHaveLength(1);
  });
});

describe('dev-server-in-production stays quiet', () => {
  it('on the fix: flask run replaced by gunicorn', () => {
    const before = FLASK_DOCKERFILE.replace(
      'CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "orders.app:create_app()"]',
      'ENV FLASK_ENV=development\nCMD ["flask", "run", "--host=0.0.0.0"]',
    );
    expect(hitsOn(changedFile({ path: 'Dockerfile', before, after: FLASK_DOCKERFILE }))).toEqual([]);
  });

  it('on dev-only files: Dockerfile.dev, compose.override.yml, a plain docker-compose.yml, a dev overlay', () => {
    const dev = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENV NODE_ENV=development\nCMD ["npm", "run", "dev"]\n';
    const compose = 'services:\n  api:\n    build: .\n    command: flask run --host 0.0.0.0 --debug\n    environment:\n      FLASK_ENV: development\n';
    expect(hitsOn(addedFile('Dockerfile.dev', dev))).toEqual([]);
    expect(hitsOn(addedFile('.devcontainer/Dockerfile', dev))).toEqual([]);
    expect(hitsOn(addedFile('compose.override.yml', compose))).toEqual([]);
    expect(hitsOn(addedFile('docker-compose.yml', compose))).toEqual([]);
    const after = DEPLOYMENT.replace('"--workers", "4"]', '"--reload"]');
    expect(hitsOn(changedFile({ path: 'k8s/overlays/dev/scoring-api.yaml', before: DEPLOYMENT, after }))).toEqual([]);
  });

  it('on a multi-stage Dockerfile whose dev stage runs next dev and whose final stage runs next start', () => {
    const text = src`
      FROM node:20-alpine AS base
      WORKDIR /app
      COPY package.json package-lock.json ./
      RUN npm ci

      FROM base AS dev
      ENV NODE_ENV=development
      COPY . .
      CMD ["npx", "next", "dev"]

      FROM base AS build
      COPY . .
      RUN npm run build

      FROM node:20-alpine
      WORKDIR /app
      ENV NODE_ENV=production
      COPY --from=build /app/.next ./.next
      COPY --from=build /app/node_modules ./node_modules
      COPY package.json ./
      CMD ["npx", "next", "start"]
    `;
    expect(hitsOn(addedFile('web/Dockerfile', text))).toEqual([]);
  });

  it('on a dev stage whose FROM … AS dev is above the hunk, once the whole file is read', () => {
    const before = src`
      FROM node:20-alpine AS dev
      WORKDIR /app
      COPY package.json package-lock.json ./
      RUN npm ci
      COPY . .
      EXPOSE 3000
      CMD ["npm", "run", "start"]
    `;
    const after = before.replace('"start"]', '"dev"]');
    const file = changedFile({ path: 'web/Dockerfile', before, after });
    expect(devServerInProduction.wantsContent?.(file)).toBe(true);
    file.content = after;
    expect(hitsOn(file)).toEqual([]);
  });

  it('on production commands that look alike: uvicorn without --reload, node dist/server.js', () => {
    const after = DEPLOYMENT.replace('"--workers", "4"]', '"--workers", "8"]');
    expect(hitsOn(changedFile({ path: 'deploy/k8s/scoring-api.yaml', before: DEPLOYMENT, after }))).toEqual([]);
    const node = 'FROM node:20-alpine\nWORKDIR /app\nCOPY dist ./dist\nENV NODE_ENV=production\nCMD ["node", "dist/server.js"]\n';
    expect(hitsOn(addedFile('Dockerfile', node))).toEqual([]);
  });


  it('on a CMD running a script that serves with waitress, switches servers by env, or is not in the change', () => {
    const waitress = PREDICT_PY.replace('from flask import', 'from waitress import serve\nfrom flask import').replace(
      '    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))',
      '    serve(app, host="0.0.0.0", port=8080, threads=8)',
    );
    const switched = PREDICT_PY.replace(
      '    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))',
      '    if os.environ.get("APP_ENV") == "local":\n        app.run(debug=True)\n    else:\n        serve(app, host="0.0.0.0", port=8080)',
    );
    for (const script of [waitress, switched]) {
      expect(hitsOnChange([{ path: 'elasticity/Dockerfile', after: PREDICT_DOCKERFILE }, { path: 'elasticity/predict.py', after: script }])).toEqual([]);
    }
    expect(hitsOnChange([{ path: 'elasticity/Dockerfile', after: PREDICT_DOCKERFILE }, { path: 'other/predict.py', after: PREDICT_PY }])).toEqual([]);
    expect(hitsOn(addedFile('elasticity/Dockerfile', PREDICT_DOCKERFILE))).toEqual([]);
  });

  it('on a Flask script run by the CMD of a stage that the final stage replaces with gunicorn', () => {
    const dockerfile = src`
      FROM python:3.12-slim AS base
      WORKDIR /app
      COPY requirements.txt .
      RUN pip install --no-cache-dir -r requirements.txt
      COPY app.py .
      CMD ["python", "app.py"]

      FROM base AS prod
      RUN pip install --no-cache-dir gunicorn
      CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "app:app"]
    `;
    const app = PREDICT_PY.replace('port=int(os.environ.get("PORT", "8080"))', 'port=8000');
    expect(hitsOnChange([{ path: 'api/Dockerfile', after: dockerfile }, { path: 'api/app.py', after: app }])).toEqual([]);
    // The final stage inherits the CMD when it sets none: that one ships.
    const inherited = dockerfile.replace('CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "app:app"]\n', '');
    expect(hitsOnChange([{ path: 'api/Dockerfile', after: inherited }, { path: 'api/app.py', after: app }])).toHaveLength(1);
  });

  it('on app.run(debug=True) under the __main__ guard on localhost', () => {
    const text = src`
      from flask import Flask

      from orders.routes import register_routes


      def create_app() -> Flask:
          app = Flask(__name__)
          register_routes(app)
          return app


      if __name__ == "__main__":
          create_app().run(port=5000, debug=True)
    `;
    expect(hitsOn(addedFile('orders/app.py', text))).toEqual([]);
  });
});
