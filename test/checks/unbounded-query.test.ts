import { describe, expect, it } from 'vitest';
import { unboundedQuery } from '../../src/checks/system/unbounded-query.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(unboundedQuery);
const onlyHit = onlyHitOf(hitsOn);

const ORDERS_PY = src`
  from fastapi import APIRouter, Depends
  from sqlalchemy.orm import Session

  from shop.db import get_db
  from shop.models import Order
  from shop.schemas import OrderOut

  router = APIRouter(prefix="/orders")


  @router.get("", response_model=list[OrderOut])
  def list_orders(db: Session = Depends(get_db)):
      orders = (
          db.query(Order)
          .order_by(Order.created_at.desc())
          .all()
      )
      return orders
`;

describe('unbounded-query fires', () => {
  it('on a chained SQLAlchemy .all() with no limit in a FastAPI handler', () => {
    const hit = onlyHit(addedFile('shop/routers/orders.py', ORDERS_PY));
    expect(hit.line).toBe(lineOf(ORDERS_PY, '.all()'));
    expect(hit.title).toBe('Unbounded query in `list_orders`');
    expect(hit.message).toContain('`db.query(Order).order_by(Order.created_at.desc()).all()`');
  });

  it('on Prisma findMany without take in an Express route', () => {
    const text = src`
      import { Router } from 'express';
      import { prisma } from '../lib/prisma';
      import { requireAdmin } from '../middleware/auth';

      export const auditRouter = Router();

      auditRouter.get('/audit-log', requireAdmin, async (req, res) => {
        const entries = await prisma.auditLog.findMany({
          orderBy: { createdAt: 'desc' },
          include: { actor: true },
        });
        res.json(entries);
      });
    `;
    const hit = onlyHit(addedFile('src/routes/audit.ts', text));
    expect(hit.line).toBe(lineOf(text, 'findMany({'));
    expect(hit.title).toBe('Unbounded query in `route handler` (`GET /audit-log`)');
  });

  it('on a SELECT without LIMIT or WHERE in a Flask view', () => {
    const text = src`
      from flask import Blueprint, jsonify

      from crm.db import get_conn

      bp = Blueprint("customers", __name__)


      @bp.route("/customers")
      def customers():
          with get_conn() as conn, conn.cursor() as cur:
              cur.execute(
                  """
                  SELECT id, email, name, created_at
                  FROM customers
                  ORDER BY created_at DESC
                  """
              )
              rows = cur.fetchall()
          return jsonify([dict(zip(("id", "email", "name", "created_at"), r)) for r in rows])
    `;
    const hit = onlyHit(addedFile('crm/views.py', text));
    expect(hit.line).toBe(lineOf(text, 'SELECT id, email'));
    expect(hit.message).toContain('SELECT id, email, name, created_at FROM customers ORDER BY created_at DESC');
  });

  it('on SQL written in mixed case', () => {
    const text = src`
      from flask import Blueprint, jsonify

      from crm.db import get_conn

      bp = Blueprint("customers", __name__)


      @bp.route("/customers")
      def customers():
          with get_conn() as conn, conn.cursor() as cur:
              cur.execute("Select id, email From customers")
              return jsonify(cur.fetchall())
    `;
    expect(onlyHit(addedFile('crm/views.py', text)).line).toBe(lineOf(text, 'Select id'));
  });

  it('on a Mongo find({}) turned into a list in a handler', () => {
    const text = src`
      from fastapi import FastAPI
      from pymongo import MongoClient

      client = MongoClient("mongodb://mongo:27017")
      events = client.analytics.events
      app = FastAPI()


      @app.get("/events")
      def all_events():
          docs = list(events.find({}, {"_id": 0}).sort("ts", -1))
          return {"events": docs}


      @app.get("/events/recent")
      def recent_events():
          return {"events": list(events.find({}).sort("ts", -1).limit(100))}
    `;
    const hit = onlyHit(addedFile('analytics/app.py', text));
    expect(hit.line).toBe(lineOf(text, 'docs = list(events.find({}'));
    expect(hit.title).toBe('Unbounded query in `all_events` (`GET /events`)');
  });

  it("on a SELECT that only scopes to a parent's key and lists its rows newest first (Go net/http)", () => {
    const text = src`
      package audit

      import (
      	"database/sql"
      	"encoding/json"
      	"net/http"
      )

      type Handler struct{ DB *sql.DB }

      func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) {
      	rows, err := h.DB.QueryContext(r.Context(),
      		\`SELECT id, actor, action, created_at FROM audit_events WHERE org_id = $1 ORDER BY created_at DESC\`,
      		r.PathValue("orgID"),
      	)
      	if err != nil {
      		http.Error(w, "internal error", http.StatusInternalServerError)
      		return
      	}
      	defer rows.Close()
      	_ = json.NewEncoder(w).Encode(rows)
      }
    `;
    const hit = onlyHit(addedFile('internal/audit/handler.go', text));
    expect(hit.line).toBe(lineOf(text, 'SELECT id, actor'));
    expect(hit.title).toBe('Unbounded query in `listEvents`');
    expect(hit.message).toContain('every row of one `org_id`, ordered by `created_at DESC`');
  });

  it('on the same in a Next.js server component, with the parent key qualified', () => {
    const text = src`
      import { pool } from '../../lib/db';

      export default async function InvoiceTable({ accountId }: { accountId: string }) {
        const { rows } = await pool.query(
          'SELECT i.id, i.total_cents FROM invoices i WHERE i.account_id = $1 ORDER BY i.issued_at DESC',
          [accountId],
        );
        return <ul>{rows.map((r) => <li key={r.id}>{r.total_cents}</li>)}</ul>;
      }
    `;
    expect(onlyHit(addedFile('web/app/account/InvoiceTable.tsx', text)).line).toBe(lineOf(text, "'SELECT i.id"));
  });
});

describe('unbounded-query stays quiet', () => {
  it('on the fix: the handler paginates with limit and offset', () => {
    const after = ORDERS_PY.replace('def list_orders(db: Session = Depends(get_db)):', 'def list_orders(limit: int = Query(50, le=200), offset: int = 0, db: Session = Depends(get_db)):').replace(
      '        .all()',
      '        .limit(limit)\n        .offset(offset)\n        .all()',
    );
    expect(hitsOn(changedFile({ path: 'shop/routers/orders.py', before: ORDERS_PY, after }))).toEqual([]);
  });

  it('when the query filters on a key or takes a page', () => {
    const text = src`
      import { Router } from 'express';
      import { prisma } from '../lib/prisma';
      import { pool } from '../lib/pg';

      export const teamRouter = Router();

      teamRouter.get('/teams/:id/members', async (req, res) => {
        const members = await prisma.member.findMany({ where: { teamId: req.params.id }, take: 100 });
        const { rows } = await pool.query('SELECT id, role FROM invites WHERE team_id = $1', [req.params.id]);
        const { rows: totals } = await pool.query('SELECT count(*) FROM members');
        res.json({ members, invites: rows, total: totals[0].count });
      });
    `;
    expect(hitsOn(addedFile('src/routes/teams.ts', text))).toEqual([]);
  });


  it('on a scoped time-ordered SELECT that is bounded: a LIMIT, a time window, a status, a primary key, no time order', () => {
    const text = src`
      package audit

      import (
      	"database/sql"
      	"net/http"
      )

      type Handler struct{ DB *sql.DB }

      func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
      	org := r.PathValue("orgID")
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT id FROM audit_events WHERE org_id = $1 ORDER BY created_at DESC LIMIT 50\`, org)
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT id FROM audit_events WHERE org_id = $1 AND created_at > $2 ORDER BY created_at\`, org, r.URL.Query().Get("since"))
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT id FROM invoices WHERE account_id = $1 AND status = 'open' ORDER BY issued_at\`, org)
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT id FROM audit_events WHERE id = $1 ORDER BY created_at\`, r.PathValue("eventID"))
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT id FROM line_items WHERE order_id = $1 ORDER BY position\`, r.PathValue("orderID"))
      	_, _ = h.DB.QueryContext(r.Context(), \`SELECT date_trunc('day', created_at), count(*) FROM audit_events WHERE org_id = $1 GROUP BY 1 ORDER BY 1\`, org)
      }
    `;
    expect(hitsOn(addedFile('internal/audit/handler.go', text))).toEqual([]);
  });

  it("on a scoped time-ordered SELECT of a small child set (one order's items) or fetched as a single row", () => {
    const orders = src`
      from fastapi import APIRouter, Depends, HTTPException

      from shop.db import get_conn

      router = APIRouter()


      @router.get("/orders/{order_id}/items")
      async def order_items(order_id: int, conn=Depends(get_conn)):
          rows = await conn.fetch(
              "SELECT id, sku, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY created_at",
              order_id,
          )
          return [dict(r) for r in rows]


      @router.get("/users/{user_id}/last-order")
      async def last_order(user_id: int, conn=Depends(get_conn)):
          row = await conn.fetchrow("SELECT id, total, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC")
          if row is None:
              raise HTTPException(status_code=404)
          return dict(row)
    `;
    const latest = src`
      package audit

      import (
      	"database/sql"
      	"net/http"
      )

      type Handler struct{ DB *sql.DB }

      func (h *Handler) latest(w http.ResponseWriter, r *http.Request) {
      	var id string
      	err := h.DB.QueryRowContext(r.Context(),
      		\`SELECT id FROM audit_events WHERE org_id = $1 ORDER BY created_at DESC\`,
      		r.PathValue("orgID"),
      	).Scan(&id)
      	if err != nil {
      		http.Error(w, "not found", http.StatusNotFound)
      		return
      	}
      	_, _ = w.Write([]byte(id))
      }
    `;
    expect(hitsOn(addedFile('shop/routers/orders.py', orders))).toEqual([]);
    expect(hitsOn(addedFile('internal/audit/latest.go', latest))).toEqual([]);
    // Every order of the user, not the latest one, still fires.
    const everyOrder = orders.replace('row = await conn.fetchrow(', 'row = await conn.fetch(');
    expect(onlyHit(addedFile('shop/routers/orders.py', everyOrder)).message).toContain('every row of one `user_id`');
  });

  it('on a scoped time-ordered SELECT that is streamed: a CSV export over a cursor, a piped query stream', () => {
    const csvExport = src`
      from fastapi import APIRouter, Depends
      from fastapi.responses import StreamingResponse

      from billing.db import get_conn

      router = APIRouter()


      @router.get("/accounts/{account_id}/invoices.csv")
      async def export_invoices(account_id: int, conn=Depends(get_conn)):
          async def rows():
              yield "id,total_cents,issued_at\\n"
              async with conn.transaction():
                  async for r in conn.cursor("SELECT id, total_cents, issued_at FROM invoices WHERE account_id = $1 ORDER BY issued_at", account_id):
                      yield f"{r['id']},{r['total_cents']},{r['issued_at'].isoformat()}\\n"

          return StreamingResponse(rows(), media_type="text/csv")
    `;
    const piped = src`
      import { Router } from 'express';
      import QueryStream from 'pg-query-stream';
      import { stringify } from 'csv-stringify';
      import { pool } from '../db';

      export const exportRouter = Router();

      exportRouter.get('/orgs/:orgId/audit-events.csv', async (req, res) => {
        const client = await pool.connect();
        const query = new QueryStream(
          'SELECT id, actor, action, created_at FROM audit_events WHERE org_id = $1 ORDER BY created_at',
          [req.params.orgId],
        );
        res.setHeader('Content-Type', 'text/csv');
        client.query(query).pipe(stringify({ header: true })).pipe(res).on('finish', () => client.release());
      });
    `;
    expect(hitsOn(addedFile('billing/routers/exports.py', csvExport))).toEqual([]);
    expect(hitsOn(addedFile('src/routes/exports.ts', piped))).toEqual([]);
    // The same list fetched whole into memory still fires.
    const fetched = csvExport.replace('async for r in conn.cursor(', 'for r in await conn.fetch(');
    expect(onlyHit(addedFile('billing/routers/exports.py', fetched.replace('return StreamingResponse(rows(), media_type="text/csv")', 'return [r async for r in rows()]'))).title).toContain(
      'Unbounded query in `export_invoices`',
    );
  });

  it("on a scoped time-ordered SELECT of a table that stays small: a user's API keys, a team's members, a customer's payment methods", () => {
    const text = src`
      from fastapi import APIRouter, Depends

      from app.auth import current_user
      from app.db import get_conn

      router = APIRouter()


      @router.get("/me/api-keys")
      async def list_api_keys(user=Depends(current_user), conn=Depends(get_conn)):
          rows = await conn.fetch(
              "SELECT id, label, last_used_at, created_at FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC",
              user.id,
          )
          return [dict(r) for r in rows]


      @router.get("/teams/{team_id}/members")
      async def list_members(team_id: int, conn=Depends(get_conn)):
          rows = await conn.fetch("SELECT user_id, role, joined_at FROM team_members WHERE team_id = $1 ORDER BY joined_at", team_id)
          return [dict(r) for r in rows]


      @router.get("/projects/{project_id}/environments")
      async def list_environments(project_id: int, conn=Depends(get_conn)):
          rows = await conn.fetch("SELECT id, name, created_at FROM public.environments WHERE project_id = $1 ORDER BY created_at", project_id)
          return [dict(r) for r in rows]


      @router.get("/customers/{customer_id}/payment-methods")
      async def list_payment_methods(customer_id: int, conn=Depends(get_conn)):
          rows = await conn.fetch("SELECT id, brand, last4, created_at FROM payment_methods WHERE customer_id = $1 ORDER BY created_at", customer_id)
          return [dict(r) for r in rows]
    `;
    expect(hitsOn(addedFile('app/routers/settings.py', text))).toEqual([]);
    // A table that accumulates under the same key still fires.
    const logins = text.replace('FROM api_keys WHERE', 'FROM login_history WHERE');
    expect(onlyHit(addedFile('app/routers/settings.py', logins)).message).toContain('every row of one `user_id`');
  });

  it('outside request handlers: a nightly export job', () => {
    const text = src`
      import csv

      from shop.db import SessionLocal
      from shop.models import Order


      def export_orders(path: str) -> int:
          with SessionLocal() as db, open(path, "w", newline="") as fh:
              writer = csv.writer(fh)
              orders = db.query(Order).all()
              for o in orders:
                  writer.writerow([o.id, o.reference, o.total_minor])
          return len(orders)
    `;
    expect(hitsOn(addedFile('shop/jobs/export.py', text))).toEqual([]);
  });

  it("on look-alikes: numpy's .all() and a Django view that paginates", () => {
    const text = src`
      import numpy as np
      from django.core.paginator import Paginator
      from django.http import JsonResponse

      from .models import Article


      def article_list(request):
          articles = Article.objects.all().order_by("-published_at")
          page = Paginator(articles, 25).get_page(request.GET.get("page"))
          return JsonResponse({"articles": [a.title for a in page]})


      def scores_valid(request):
          scores = np.array([float(s) for s in request.GET.getlist("s")])
          return JsonResponse({"valid": bool((scores >= 0).all())})
    `;
    expect(hitsOn(addedFile('blog/views.py', text))).toEqual([]);
  });
});
