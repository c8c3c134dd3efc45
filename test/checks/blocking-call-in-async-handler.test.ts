import { describe, expect, it } from 'vitest';
import { blockingCallInAsyncHandler } from '../../src/checks/system/blocking-call-in-async-handler.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

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

describe('blocking-call-in-async-handler fires', () => {
  it('on requests.get and time.sleep inside an async FastAPI handler', () => {
    const hits = hitsOn(addedFile('weather/app.py', WEATHER_PY));
    expect(hits.map((h) => h.line)).toEqual([lineOf(WEATHER_PY, 'requests.get('), lineOf(WEATHER_PY, 'time.sleep(')]);
    expect(hits[0]?.title).toBe('Blocking `requests.get` in async handler `weather` (`GET /weather/{city}`)');
    expect(hits[1]?.remedy).toContain('`await asyncio.sleep(...)`');
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
