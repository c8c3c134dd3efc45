import { describe, expect, it } from 'vitest';
import { blockingCallInAsyncHandler } from '../../src/checks/system/blocking-call-in-async-handler.js';
import { headViewsAcrossDefs } from '../../src/checks/system/code-util.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

/** The line of `text` containing `needle`. */
const lineText = (text: string, needle: string): string => text.split('\n')[lineOf(text, needle) - 1] ?? '';

const hitsOn = hitsOf(blockingCallInAsyncHandler);
const onlyHit = onlyHitOf(hitsOn);

const WEATHER_PY = src`
  import time

  import requests
  from fastapi import FastAPI, HTTPException

  app = FastAPI()
  WEATHER_URL = "https://api.weather.example/v3/current"


  @app.get("/weather/{city}")
  async def weather(city: str):
      for attempt in range(3):
          response = requests.get(WEATHER_URL, params={"q": city}, timeout=5)
          if response.status_code != 503:
              break
          time.sleep(0.5 * (attempt + 1))
      if not response.ok:
          raise HTTPException(status_code=502, detail="weather provider unavailable")
      return response.json()
`;

const AVATAR_PY = src`
  import io

  import boto3
  from fastapi import APIRouter, UploadFile

  router = APIRouter()
  s3 = boto3.client("s3")


  @router.put("/me/avatar")
  async def upload_avatar(file: UploadFile) -> dict:
      raw = await file.read()
      key = f"avatars/{file.filename}"
      s3.put_object(Bucket="avatars-prod", Key=key, Body=io.BytesIO(raw))
      return {"key": key}
`;

/** A weekly report whose handler gains a call to a finance API; the change to its body starts four lines below its `def`. */
const REPORTS_BEFORE = src`
  from datetime import date, timedelta

  from fastapi import APIRouter

  router = APIRouter(prefix="/reports")


  @router.get("/weekly")
  async def weekly_report(week_start: date):
      week_end = week_start + timedelta(days=7)
      orders = await count_orders(week_start, week_end)
      signups = await count_signups(week_start, week_end)
      return {"week_start": week_start, "orders": orders, "signups": signups}
`;
const reportsAfter = (handler: string): string =>
  REPORTS_BEFORE.replace('from fastapi import APIRouter\n', 'import requests\nfrom fastapi import APIRouter\n')
    .replace('router = APIRouter(prefix="/reports")\n', 'router = APIRouter(prefix="/reports")\nFINANCE_API = "https://finance.internal"\n\n\ndef _revenue_url(start: date) -> str:\n    return f"{FINANCE_API}/v1/revenue?from={start}"\n')
    .replace('@router.get("/weekly")\n', handler)
    .replace(
      '    return {"week_start": week_start, "orders": orders, "signups": signups}\n',
      '    revenue = requests.get(_revenue_url(week_start), timeout=10).json()["total_eur"]\n    return {"week_start": week_start, "orders": orders, "signups": signups, "revenue_eur": revenue}\n',
    );

describe('blocking-call-in-async-handler fires', () => {
  it('on requests.get and time.sleep inside an async FastAPI handler', () => {
    const hits = hitsOn(addedFile('weather/app.py', WEATHER_PY));
    expect(hits.map((h) => h.line)).toEqual([lineOf(WEATHER_PY, 'requests.get('), lineOf(WEATHER_PY, 'time.sleep(')]);
    expect(hits[0]?.title).toBe('Blocking `requests.get` in async handler `weather` (`GET /weather/{city}`)');
    expect(hits[1]?.remedy).toContain('`await asyncio.sleep(...)`');
  });

  it("on a boto3 client's put_object in an async handler", () => {
    const hit = onlyHit(addedFile('api/routes/avatar.py', AVATAR_PY));
    expect(hit.line).toBe(lineOf(AVATAR_PY, 's3.put_object('));
    expect(hit.title).toBe('Blocking `put_object` in async handler `upload_avatar` (`PUT /me/avatar`)');
    expect(hit.remedy).toContain('`aioboto3`');
  });

  it("when the handler's `def` is the one line between two hunks (git's hunk header names it)", () => {
    const file = changedFile({ path: 'app/routers/reports.py', before: REPORTS_BEFORE, after: reportsAfter('@router.get("/weekly")\n') });
    expect(file.hunks).toHaveLength(2);
    expect(file.hunks[1]?.header).toMatch(/^async def weekly_report/);
    const hit = onlyHit(file);
    expect(hit.line).toBe(lineOf(reportsAfter('@router.get("/weekly")\n'), 'requests.get('));
    expect(hit.title).toBe('Blocking `requests.get` in async handler `weekly_report` (`GET /weekly`)');
  });

  it('when an offload above has closed before the call (a block opener, or a call that ended)', () => {
    const text = src`
      import asyncio
      import os

      import requests
      from fastapi import FastAPI
      from starlette.concurrency import run_in_threadpool

      app = FastAPI()


      @app.post("/reports/{name}/publish")
      async def publish(name: str):
          path = f"/srv/reports/{name}.pdf"
          if await asyncio.to_thread(os.path.exists, path):
              requests.post("https://cdn.example/purge", json={"path": path}, timeout=5)
          size = await run_in_threadpool(
              os.path.getsize, path
          )
          requests.post("https://cdn.example/publish", json={"path": path, "size": size}, timeout=5)
          return {"published": name}
    `;
    expect(hitsOn(addedFile('reports/app.py', text)).map((h) => h.line)).toEqual([lineOf(text, 'cdn.example/purge'), lineOf(text, 'cdn.example/publish')]);
  });

  it('on pymongo calls in an async handler', () => {
    const text = src`
      from fastapi import FastAPI, HTTPException
      from pymongo import MongoClient

      client = MongoClient("mongodb://mongo:27017", serverSelectionTimeoutMS=2000)
      profiles = client.app.profiles
      app = FastAPI()


      @app.get("/profiles/{user_id}")
      async def get_profile(user_id: str):
          doc = profiles.find_one({"user_id": user_id}, {"_id": 0})
          if doc is None:
              raise HTTPException(status_code=404, detail="no profile")
          return doc
    `;
    const hit = onlyHit(addedFile('profiles/app.py', text));
    expect(hit.line).toBe(lineOf(text, 'profiles.find_one('));
    expect(hit.remedy).toContain('AsyncIOMotorClient');
  });

  it('on a sync helper with subprocess.run called from an async handler', () => {
    const text = src`
      import subprocess
      import tempfile

      from fastapi import APIRouter, UploadFile
      from fastapi.responses import FileResponse

      router = APIRouter()


      def to_pdf(path: str) -> str:
          subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", path], check=True, timeout=120)
          return path.rsplit(".", 1)[0] + ".pdf"


      @router.post("/convert")
      async def convert(file: UploadFile):
          with tempfile.NamedTemporaryFile(suffix=".docx", delete=False) as tmp:
              tmp.write(await file.read())
          return FileResponse(to_pdf(tmp.name), media_type="application/pdf")
    `;
    const hit = onlyHit(addedFile('docs_service/convert.py', text));
    expect(hit.message).toContain('(through `to_pdf()`)');
  });

  it('on crypto.pbkdf2Sync in an Express login route', () => {
    const text = src`
      import crypto from 'node:crypto';
      import { Router } from 'express';
      import { users } from '../db/users';

      export const authRouter = Router();

      authRouter.post('/login', async (req, res) => {
        const user = await users.byEmail(req.body.email);
        if (!user) return res.status(401).json({ error: 'invalid credentials' });
        const hash = crypto.pbkdf2Sync(req.body.password, user.salt, 310000, 32, 'sha256');
        if (!crypto.timingSafeEqual(hash, user.passwordHash)) return res.status(401).json({ error: 'invalid credentials' });
        res.json({ token: await issueToken(user) });
      });
    `;
    const hit = onlyHit(addedFile('src/routes/auth.ts', text));
    expect(hit.line).toBe(lineOf(text, 'pbkdf2Sync'));
    expect(hit.title).toBe('Blocking `crypto.pbkdf2Sync` in request handler `route handler` (`POST /login`)');
  });
});

describe('blocking-call-in-async-handler stays quiet', () => {
  it('on the fix: an async client and asyncio.sleep', () => {
    const after = WEATHER_PY.replace('import time\n\nimport requests\n', 'import asyncio\n\nimport httpx\n')
      .replace('app = FastAPI()\n', 'app = FastAPI()\nclient = httpx.AsyncClient(timeout=5)\n')
      .replace('requests.get(WEATHER_URL, params={"q": city}, timeout=5)', 'await client.get(WEATHER_URL, params={"q": city})')
      .replace('time.sleep(0.5 * (attempt + 1))', 'await asyncio.sleep(0.5 * (attempt + 1))')
      .replace('if not response.ok:', 'if response.is_error:');
    expect(hitsOn(changedFile({ path: 'weather/app.py', before: WEATHER_PY, after }))).toEqual([]);
  });

  it("on boto3 in a plain def handler or offloaded, on aioboto3 awaited, and on a viewset's self.get_object()", () => {
    expect(hitsOn(addedFile('api/routes/avatar.py', AVATAR_PY.replace('async def upload_avatar', 'def upload_avatar').replace('await file.read()', 'file.file.read()')))).toEqual([]);
    const offloaded = AVATAR_PY.replace('    s3.put_object(', '    await asyncio.to_thread(s3.put_object, ').replace('import io\n', 'import asyncio\nimport io\n');
    expect(hitsOn(addedFile('api/routes/avatar.py', offloaded))).toEqual([]);
    const aio = src`
      import aioboto3
      from fastapi import APIRouter, UploadFile

      router = APIRouter()
      session = aioboto3.Session()


      @router.put("/me/avatar")
      async def upload_avatar(file: UploadFile) -> dict:
          async with session.client("s3") as s3:
              await s3.put_object(Bucket="avatars-prod", Key=file.filename, Body=await file.read())
          return {"key": file.filename}
    `;
    expect(hitsOn(addedFile('api/routes/avatar.py', aio))).toEqual([]);
    const view = src`
      import boto3
      from adrf.viewsets import ModelViewSet

      s3 = boto3.client("s3")


      class DocumentViewSet(ModelViewSet):
          async def retrieve(self, request, pk=None):
              document = self.get_object()
              return Response({"id": document.id, "key": document.s3_key})
    `;
    expect(hitsOn(addedFile('documents/views.py', view))).toEqual([]);
  });

  it('when the `def` between two hunks is no route, or the handler there is a plain def', () => {
    const job = (after: string) => after.replace('@router.get("/weekly")\n', '@scheduler.scheduled_job("cron", day_of_week="mon")\n');
    expect(hitsOn(changedFile({ path: 'app/routers/reports.py', before: job(REPORTS_BEFORE), after: job(reportsAfter('@router.get("/weekly")\n')) }))).toEqual([]);
    const plain = (text: string) => text.replace('async def weekly_report', 'def weekly_report');
    expect(hitsOn(changedFile({ path: 'app/routers/reports.py', before: plain(REPORTS_BEFORE), after: plain(reportsAfter('@router.get("/weekly")\n')) }))).toEqual([]);
  });

  it('in a plain def handler, which FastAPI runs in its threadpool', () => {
    expect(hitsOn(addedFile('weather/app.py', WEATHER_PY.replace('async def weather', 'def weather')))).toEqual([]);
  });

  it('when the blocking call is offloaded to a thread', () => {
    const text = src`
      import asyncio

      import requests
      from fastapi import FastAPI
      from starlette.concurrency import run_in_threadpool

      app = FastAPI()


      @app.get("/rates")
      async def rates(base: str = "EUR"):
          response = await asyncio.to_thread(requests.get, "https://rates.example/latest", params={"base": base}, timeout=5)
          legacy = await run_in_threadpool(lambda: requests.get("https://legacy.example/rates", timeout=5))
          return {"rates": response.json(), "legacy": legacy.json()}
    `;
    expect(hitsOn(addedFile('fx/app.py', text))).toEqual([]);
  });

  it('when the offload opens on a line above the call (a lambda on the next line)', () => {
    const text = src`
      import asyncio

      import boto3
      from fastapi import APIRouter, UploadFile
      from starlette.concurrency import run_in_threadpool

      router = APIRouter()
      s3 = boto3.client("s3")
      table = boto3.resource("dynamodb").Table("avatars")


      @router.put("/me/avatar")
      async def upload_avatar(file: UploadFile) -> dict:
          raw = await file.read()
          key = f"avatars/{file.filename}"
          await run_in_threadpool(
              lambda: s3.put_object(Bucket="avatars-prod", Key=key, Body=raw)
          )
          return {"key": key}


      @router.delete("/me/avatar/{key}")
      async def delete_avatar(key: str) -> None:
          loop = asyncio.get_running_loop()
          await loop.run_in_executor(None,
                                     lambda: table.delete_item(Key={"key": key}))
    `;
    expect(hitsOn(addedFile('api/routes/avatar.py', text))).toEqual([]);
  });

  it('when git cut the header of a long `def` shown in the hunk above: no second `def` between the hunks', () => {
    // A Django async view whose sync helper is handed to a thread; two hunks one line apart, the line
    // between being the helper's own `def`. The view's `def` is longer than git's 80-byte hunk header.
    const before = src`
      import boto3
      from asgiref.sync import sync_to_async
      from django.http import HttpRequest, JsonResponse

      s3 = boto3.client("s3")


      async def upload_tenant_document(request: HttpRequest, tenant_id: str, document_kind: str) -> JsonResponse:
          upload = request.FILES["document"]
          raw = upload.read()
          key = f"{tenant_id}/{document_kind}/{upload.name}"
          size = len(raw)

          def store() -> None:
              audit(request.user, "upload", key)
              notify(tenant_id, key)
              index(tenant_id, key)
              s3.put_object(Bucket="documents", Key=key, Body=raw)

          await sync_to_async(store)()
          return JsonResponse({"key": key, "size": size})
    `;
    const after = before
      .replace('    raw = upload.read()\n', '    raw = upload.read()\n    check_size(raw)\n')
      .replace('Bucket="documents"', 'Bucket="documents-prod"');
    const file = changedFile({ path: 'documents/views.py', before, after });
    expect(file.hunks).toHaveLength(2);
    const header = file.hunks[1]?.header ?? '';
    expect(header.length).toBeLessThan(lineText(before, 'async def upload_tenant_document').length);
    expect(lineText(before, 'async def upload_tenant_document').startsWith(header)).toBe(true);
    expect(hitsOn(file)).toEqual([]);
    expect(headViewsAcrossDefs(file)).toHaveLength(2);
  });

  it('on look-alikes: motor calls awaited, a worker loop sleeping, a template read at start-up', () => {
    const py = src`
      import time

      from fastapi import FastAPI
      from motor.motor_asyncio import AsyncIOMotorClient

      client = AsyncIOMotorClient("mongodb://mongo:27017")
      app = FastAPI()


      @app.get("/profiles/{user_id}")
      async def get_profile(user_id: str):
          return await client.app.profiles.find_one({"user_id": user_id}, {"_id": 0})


      def poll_forever() -> None:
          while True:
              time.sleep(30)
    `;
    const ts = src`
      import fs from 'node:fs';
      import express from 'express';

      const template = fs.readFileSync(new URL('./invoice.html', import.meta.url), 'utf8');
      export const app = express();

      app.get('/invoice/:id', (req, res) => {
        res.type('html').send(template.replace('{{id}}', req.params.id));
      });
    `;
    expect(hitsOn(addedFile('profiles/app.py', py))).toEqual([]);
    expect(hitsOn(addedFile('src/invoice.ts', ts))).toEqual([]);
  });
});
