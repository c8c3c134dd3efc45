import { describe, expect, it } from 'vitest';
import { errorReturnedWith200 } from '../../src/checks/system/error-returned-with-200.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(errorReturnedWith200);
const onlyHit = onlyHitOf(hitsOn);

const COUPONS_TS = src`
  import { Router } from 'express';
  import { z } from 'zod';
  import { coupons } from '../services/coupons';

  export const couponRouter = Router();

  const Redeem = z.object({ code: z.string().min(4), cartId: z.string().uuid() });

  couponRouter.post('/coupons/redeem', async (req, res, next) => {
    const parsed = Redeem.safeParse(req.body);
    if (!parsed.success) {
      return res.json({ error: 'invalid request', issues: parsed.error.issues });
    }
    try {
      const result = await coupons.redeem(parsed.data.code, parsed.data.cartId);
      res.json({ discount: result.discount, total: result.total });
    } catch (err) {
      next(err);
    }
  });
`;

describe('error-returned-with-200 fires', () => {
  it('on a FastAPI handler that returns {"error": ...} from its except block', () => {
    const text = src`
      import logging

      from fastapi import APIRouter
      from pydantic import BaseModel

      from payments.gateway import ChargeDeclined, gateway

      router = APIRouter()
      log = logging.getLogger(__name__)


      class ChargeIn(BaseModel):
          order_id: str
          amount_minor: int
          currency: str


      @router.post("/charges")
      async def create_charge(body: ChargeIn):
          try:
              charge = await gateway.charge(body.order_id, body.amount_minor, body.currency)
          except ChargeDeclined as exc:
              log.warning("charge declined for %s: %s", body.order_id, exc)
              return {"error": "card_declined", "detail": str(exc)}
          return {"id": charge.id, "status": charge.status}
    `;
    const hit = onlyHit(addedFile('payments/api.py', text));
    expect(hit.line).toBe(lineOf(text, 'return {"error"'));
    expect(hit.title).toBe('Error payload returned with HTTP 200 in `create_charge` (`POST /charges`)');
    expect(hit.remedy).toContain('HTTPException(status_code=400');
  });

  it('on a Flask view returning jsonify(success=False, ...) with no status', () => {
    const text = src`
      from flask import Blueprint, jsonify, request

      from accounts.service import EmailTaken, register

      bp = Blueprint("accounts", __name__)


      @bp.route("/signup", methods=["POST"])
      def signup():
          payload = request.get_json(force=True)
          try:
              account = register(payload["email"], payload["password"])
          except EmailTaken:
              return jsonify(success=False, message="email already registered")
          return jsonify(success=True, id=account.id), 201
    `;
    const hit = onlyHit(addedFile('accounts/views.py', text));
    expect(hit.line).toBe(lineOf(text, 'jsonify(success=False'));
  });

  it('on an Express validation failure sent with res.json({ error })', () => {
    const hit = onlyHit(addedFile('src/routes/coupons.ts', COUPONS_TS));
    expect(hit.line).toBe(lineOf(COUPONS_TS, "res.json({ error: 'invalid request'"));
    expect(hit.remedy).toContain('res.status(400).json');
  });

  it('on an explicit res.status(200) with success: false', () => {
    const text = src`
      import type { Request, Response } from 'express';
      import { inventory } from './inventory';

      export async function reserve(req: Request, res: Response) {
        const ok = await inventory.reserve(req.params.sku, Number(req.body.qty));
        if (!ok) {
          res.status(200).json({ success: false, reason: 'out of stock' });
          return;
        }
        res.status(201).json({ success: true });
      }
    `;
    const hit = onlyHit(addedFile('server/reserve.ts', text));
    expect(hit.line).toBe(lineOf(text, 'res.status(200)'));
  });

  it('on gin c.JSON(http.StatusOK, gin.H{"error": ...})', () => {
    const text = src`
      package api

      import (
      	"net/http"

      	"github.com/gin-gonic/gin"
      )

      func (h *Handler) GetProfile(c *gin.Context) {
      	profile, err := h.store.Profile(c.Request.Context(), c.Param("id"))
      	if err != nil {
      		c.JSON(http.StatusOK, gin.H{"error": err.Error()})
      		return
      	}
      	c.JSON(http.StatusOK, profile)
      }
    `;
    const hit = onlyHit(addedFile('internal/api/profile.go', text));
    expect(hit.line).toBe(lineOf(text, 'gin.H{"error"'));
  });
  it('on a Django view returning JsonResponse({"error": ...}) without status=, not on the one with it', () => {
    const text = src`
      import json

      from django.http import JsonResponse
      from django.views.decorators.http import require_POST

      from .models import Subscription


      @require_POST
      def subscribe(request):
          body = json.loads(request.body or "{}")
          if "plan" not in body:
              return JsonResponse({"error": "plan is required"}, status=400)
          if Subscription.objects.filter(user=request.user, active=True).exists():
              return JsonResponse({"error": "already subscribed"})
          sub = Subscription.objects.create(user=request.user, plan=body["plan"])
          return JsonResponse({"id": sub.id}, status=201)
    `;
    const hit = onlyHit(addedFile('billing/views.py', text));
    expect(hit.line).toBe(lineOf(text, '"already subscribed"'));
    expect(hit.title).toBe('Error payload returned with HTTP 200 in `subscribe`');
  });
});

describe('error-returned-with-200 stays quiet', () => {
  it('on the fix: the status is set with the error body', () => {
    const after = COUPONS_TS.replace("return res.json({ error: 'invalid request'", "return res.status(422).json({ error: 'invalid request'");
    expect(hitsOn(changedFile({ path: 'src/routes/coupons.ts', before: COUPONS_TS, after }))).toEqual([]);
  });

  it('when Flask returns a status with the tuple and FastAPI raises HTTPException', () => {
    const text = src`
      from fastapi import APIRouter, HTTPException
      from flask import Blueprint, jsonify

      router = APIRouter()
      bp = Blueprint("legacy", __name__)


      @bp.route("/legacy/orders/<order_id>")
      def legacy_order(order_id):
          order = find_order(order_id)
          if order is None:
              return jsonify(error="not found"), 404
          return {"error": "gone", "order_id": order_id}, HTTPStatus.GONE


      @router.get("/orders/{order_id}")
      async def get_order(order_id: str):
          order = await find_order_async(order_id)
          if order is None:
              raise HTTPException(status_code=404, detail="order not found")
          return {"id": order.id, "error": None}
    `;
    expect(hitsOn(addedFile('orders/routes.py', text))).toEqual([]);
  });

  it('on a look-alike: a service helper (not a handler) returning an error dict', () => {
    const text = src`
      import re

      EMAIL = re.compile(r"^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$")


      def validate_signup(payload: dict) -> dict:
          if not EMAIL.match(payload.get("email", "")):
              return {"error": "invalid email"}
          if len(payload.get("password", "")) < 12:
              return {"error": "password too short"}
          return {"ok": True}
    `;
    expect(hitsOn(addedFile('accounts/validation.py', text))).toEqual([]);
  });

  it('on Next.js route handlers that pass a status, and on JSON-RPC errors', () => {
    const text = src`
      import { NextResponse } from 'next/server';
      import { rpc } from '@/server/rpc';

      export async function POST(request: Request) {
        const body = await request.json().catch(() => null);
        if (!body) {
          return NextResponse.json({ error: 'invalid JSON' }, { status: 400 });
        }
        if (body.jsonrpc) {
          return NextResponse.json({ jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'not found' } });
        }
        return NextResponse.json(await rpc(body));
      }
    `;
    expect(hitsOn(addedFile('app/api/rpc/route.ts', text))).toEqual([]);
  });
});
