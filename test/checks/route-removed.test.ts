import { describe, expect, it } from 'vitest';
import { routeRemoved } from '../../src/checks/system/route-removed.js';
import { lineOf, src } from '../changeset/git-diff.js';
import { hitsOnChanges, onlyHitOf } from './harness.js';

const hitsOn = hitsOnChanges(routeRemoved);
const onlyHit = onlyHitOf(hitsOn);

const USERS_BEFORE = src`
  from fastapi import APIRouter, Depends, HTTPException
  from sqlalchemy.orm import Session

  from app.db import get_db
  from app.schemas import UserOut
  from app import crud

  router = APIRouter(prefix="/users", tags=["users"])


  @router.get("/{user_id}", response_model=UserOut)
  def get_user(user_id: int, db: Session = Depends(get_db)):
      user = crud.get_user(db, user_id)
      if user is None:
          raise HTTPException(status_code=404, detail="user not found")
      return user


  @router.delete("/{user_id}", status_code=204)
  def delete_user(user_id: int, db: Session = Depends(get_db)):
      crud.delete_user(db, user_id)


  @router.get("/{user_id}/orders")
  def user_orders(user_id: int, db: Session = Depends(get_db)):
      return crud.orders_of(db, user_id)
`;

describe('route-removed fires', () => {
  it('on a FastAPI @router.delete handler deleted, at the nearest head line', () => {
    const after = USERS_BEFORE.replace(
      src`
        @router.delete("/{user_id}", status_code=204)
        def delete_user(user_id: int, db: Session = Depends(get_db)):
            crud.delete_user(db, user_id)


      `,
      '',
    );
    const hit = onlyHit([{ path: 'app/routers/users.py', before: USERS_BEFORE, after }]);
    expect(hit.title).toBe('Route `DELETE /{user_id}` removed');
    expect(hit.message).toContain('gets 404');
    expect(hit.line).toBe(lineOf(after, '@router.get("/{user_id}/orders")'));
    expect(hit.remedy).toMatch(/deprecat/);
  });

  it('on an Express route renamed to a new path', () => {
    const before = src`
      import { Router } from 'express';
      import { requireAuth } from '../middleware/auth';
      import * as orders from '../services/orders';

      export const ordersRouter = Router();

      ordersRouter.use(requireAuth);

      ordersRouter.get('/orders/:id', async (req, res, next) => {
        try {
          const order = await orders.find(req.params.id, req.user.id);
          if (!order) return res.status(404).json({ error: 'not found' });
          res.json(order);
        } catch (err) {
          next(err);
        }
      });
    `;
    const after = before.replace("ordersRouter.get('/orders/:id'", "ordersRouter.get('/purchases/:id'");
    const hit = onlyHit([{ path: 'src/routes/orders.ts', before, after }]);
    expect(hit.title).toBe('Route `GET /orders/:id` removed');
    expect(hit.line).toBe(lineOf(after, "ordersRouter.get('/purchases/:id'"));
  });

  it('on a Flask /v1 route replaced by /v2, naming the successor', () => {
    const before = src`
      from flask import Blueprint, jsonify, request

      from reports.service import build_report

      bp = Blueprint("reports", __name__)


      @bp.route("/v1/reports/<int:report_id>", methods=["GET"])
      def get_report(report_id):
          report = build_report(report_id, fmt=request.args.get("fmt", "json"))
          return jsonify(report)
    `;
    const after = before
      .replace('"/v1/reports/<int:report_id>"', '"/v2/reports/<uuid:report_id>"')
      .replace('build_report(report_id, ', 'build_report(str(report_id), ');
    const hit = onlyHit([{ path: 'reports/api.py', before, after }]);
    expect(hit.title).toBe('Route `GET /v1/reports/<int:report_id>` removed');
    expect(hit.message).toContain('`GET /v2/reports/<uuid:report_id>`');
  });

  it('on a Go net/http route dropped from the mux', () => {
    const before = src`
      package server

      import "net/http"

      func routes(h *Handlers) *http.ServeMux {
      	mux := http.NewServeMux()
      	mux.HandleFunc("GET /healthz", h.Health)
      	mux.HandleFunc("GET /api/invoices/{id}", h.GetInvoice)
      	mux.HandleFunc("POST /api/invoices", h.CreateInvoice)
      	mux.HandleFunc("GET /api/invoices/{id}/pdf", h.InvoicePDF)
      	return mux
      }
    `;
    const after = before.replace('\tmux.HandleFunc("GET /api/invoices/{id}/pdf", h.InvoicePDF)\n', '');
    const hit = onlyHit([{ path: 'internal/server/routes.go', before, after }]);
    expect(hit.title).toBe('Route `GET /api/invoices/{id}/pdf` removed');
  });

  it('on a whole routes file deleted, as a file-level finding', () => {
    const hit = onlyHit([{ path: 'app/routers/exports.py', before: src`
      from fastapi import APIRouter

      router = APIRouter()


      @router.post("/exports")
      def start_export():
          return {"status": "queued"}
    ` }]);
    expect(hit.line).toBeUndefined();
    expect(hit.title).toBe('Route `POST /exports` removed');
  });
});

describe('route-removed stays quiet', () => {
  it('when the route moves to another file in the same change', () => {
    const after = USERS_BEFORE.replace(
      src`
        @router.get("/{user_id}/orders")
        def user_orders(user_id: int, db: Session = Depends(get_db)):
            return crud.orders_of(db, user_id)
      `,
      '',
    );
    const moved = src`
      from fastapi import APIRouter, Depends
      from sqlalchemy.orm import Session

      from app.db import get_db
      from app import crud

      router = APIRouter(prefix="/users", tags=["orders"])


      @router.get("/{user_id}/orders")
      def user_orders(user_id: int, db: Session = Depends(get_db)):
          return crud.orders_of(db, user_id)
    `;
    expect(hitsOn([
      { path: 'app/routers/users.py', before: USERS_BEFORE, after },
      { path: 'app/routers/orders.py', after: moved },
    ])).toEqual([]);
  });

  it('when only the decorator changes or a path parameter is renamed', () => {
    const after = USERS_BEFORE
      .replace('@router.get("/{user_id}/orders")', '@router.get("/{uid}/orders", response_model=list[OrderOut])')
      .replace('@router.delete("/{user_id}", status_code=204)', '@router.delete("/{user_id}", status_code=204, summary="Delete a user")');
    expect(hitsOn([{ path: 'app/routers/users.py', before: USERS_BEFORE, after }])).toEqual([]);
  });

  it('on the fix: the v1 route is kept (deprecated) beside the new v2 route', () => {
    const before = src`
      from flask import Blueprint, jsonify

      from reports.service import build_report

      bp = Blueprint("reports", __name__)


      @bp.route("/v1/reports/<int:report_id>")
      def get_report(report_id):
          return jsonify(build_report(report_id))
    `;
    const after = src`
      from flask import Blueprint, jsonify

      from reports.service import build_report

      bp = Blueprint("reports", __name__)


      @bp.route("/v1/reports/<int:report_id>", methods=["GET"])
      def get_report(report_id):
          response = jsonify(build_report(report_id))
          response.headers["Deprecation"] = "true"
          return response


      @bp.route("/v2/reports/<uuid:report_id>", methods=["GET"])
      def get_report_v2(report_id):
          return jsonify(build_report(str(report_id)))
    `;
    expect(hitsOn([{ path: 'reports/api.py', before, after }])).toEqual([]);
  });

  it('when an internal or debug route is removed', () => {
    const before = src`
      import express from 'express';
      import { cache } from './cache';

      export const app = express();

      app.get('/healthz', (_req, res) => res.send('ok'));

      app.post('/internal/cache/flush', async (_req, res) => {
        await cache.flush();
        res.status(204).end();
      });

      app.get('/debug/vars', (_req, res) => {
        res.json({ cacheSize: cache.size(), uptime: process.uptime() });
      });
    `;
    const after = src`
      import express from 'express';
      import { cache } from './cache';

      export const app = express();

      app.get('/healthz', (_req, res) => res.send('ok'));
    `;
    expect(hitsOn([{ path: 'src/app.ts', before, after }])).toEqual([]);
  });

  it('when a route that was already deprecated is finally removed', () => {
    const before = src`
      from fastapi import APIRouter

      router = APIRouter()


      @router.get("/search", deprecated=True)
      def legacy_search(q: str):
          """Deprecated since 2024-01: use POST /search/query."""
          return {"results": []}


      @router.post("/search/query")
      def search(body: dict):
          return {"results": []}
    `;
    const after = src`
      from fastapi import APIRouter

      router = APIRouter()


      @router.post("/search/query")
      def search(body: dict):
          return {"results": []}
    `;
    expect(hitsOn([{ path: 'app/search.py', before, after }])).toEqual([]);
  });

  it('on a look-alike: an axios client call removed from a frontend module', () => {
    const before = src`
      import { api } from './http';

      export async function loadProfile(id: string) {
        const { data } = await api.get('/users/' + id);
        return data;
      }

      export async function loadSettings() {
        const port = app.get('port');
        return api.get('/settings');
      }
    `;
    const after = src`
      import { api } from './http';

      export async function loadProfile(id: string) {
        const { data } = await api.get(\`/profiles/\${id}\`);
        return data;
      }
    `;
    expect(hitsOn([{ path: 'web/src/profile.ts', before, after }])).toEqual([]);
  });
});
