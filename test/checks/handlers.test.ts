import { describe, expect, it } from 'vitest';
import {
  SERVING_POLICY,
  SYSTEM_POLICY,
  describeHandler,
  memoised,
  pythonHandler,
  pythonRequestPath,
  scriptRequestPath,
} from '../../src/checks/handlers.js';
import type { HeadLine } from '../../src/checks/lines.js';

function linesOf(text: string): HeadLine[] {
  return text.split('\n').map((t, i) => ({ text: t, line: i + 1, added: true }));
}

/** The index of the first line containing `needle`. */
function at(lines: readonly HeadLine[], needle: string): number {
  const i = lines.findIndex((l) => l.text.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i;
}

describe('the request-handler detector', () => {
  it('names a FastAPI route by method and path in both policies; the serving policy keeps the bare path', () => {
    const lines = linesOf('@router.get("/users/{user_id}")\nasync def get_user(user_id: int):\n    return {}');
    expect(pythonHandler(lines, 1, 'api/users.py', SYSTEM_POLICY)).toEqual({ name: 'get_user', route: 'GET /users/{user_id}', async: true });
    expect(pythonHandler(lines, 1, 'api/users.py', SERVING_POLICY)).toEqual({ name: 'get_user', route: 'GET /users/{user_id}', path: '/users/{user_id}', async: true });
  });

  it('reads a Flask route\'s method from methods=, and without it the system policy says GET', () => {
    const post = linesOf('@bp.route("/score", methods=["POST"])\ndef score():\n    pass');
    expect(pythonHandler(post, 1, 'app.py', SYSTEM_POLICY)?.route).toBe('POST /score');
    expect(pythonHandler(post, 1, 'app.py', SERVING_POLICY)?.route).toBe('POST /score');
    const plain = linesOf('@bp.route("/score")\ndef score():\n    pass');
    expect(pythonHandler(plain, 1, 'app.py', SYSTEM_POLICY)?.route).toBe('GET /score');
    expect(pythonHandler(plain, 1, 'app.py', SERVING_POLICY)?.route).toBe('/score');
  });

  it('joins a decorator black wrapped over several lines', () => {
    const lines = linesOf('@app.post(\n    "/predict",\n    response_model=Out,\n)\ndef predict(req: In):\n    pass');
    expect(pythonHandler(lines, at(lines, 'def predict'), 'app.py', SYSTEM_POLICY)?.route).toBe('POST /predict');
  });

  it('counts model-server methods only in the serving policy, Django views only in the system one', () => {
    const kserve = linesOf('class Churn(kserve.Model):\n    def predict(self, payload, headers=None):\n        return self.model(payload)');
    expect(pythonHandler(kserve, 1, 'serving/model.py', SERVING_POLICY)).toEqual({ name: 'predict', async: false });
    expect(pythonHandler(kserve, 1, 'serving/model.py', SYSTEM_POLICY)).toBeUndefined();
    const view = linesOf('def index(request):\n    return render(request, "x.html")');
    expect(pythonHandler(view, 0, 'shop/views.py', SYSTEM_POLICY)).toEqual({ name: 'index', async: false });
    expect(pythonHandler(view, 0, 'shop/views.py', SERVING_POLICY)).toBeUndefined();
    expect(pythonHandler(view, 0, 'shop/helpers.py', SYSTEM_POLICY)).toBeUndefined();
  });

  it('finds the handler that calls a helper; only the system policy follows self.helper()', () => {
    const lines = linesOf(
      [
        'class Api:',
        '    def load(self):',
        '        return joblib.load("m.pkl")',
        '',
        '    @app.get("/x")',
        '    def x(self):',
        '        return self.load()',
      ].join('\n'),
    );
    const load = at(lines, 'joblib.load');
    expect(pythonRequestPath(lines, load, 'api.py', SYSTEM_POLICY)).toMatchObject({ handler: { name: 'x', route: 'GET /x' }, via: 'load' });
    expect(pythonRequestPath(lines, load, 'api.py', SERVING_POLICY)).toBeUndefined();
  });

  it('leaves cached and memoised code out of the request path', () => {
    const cached = linesOf('@lru_cache\ndef get_model():\n    return joblib.load("m.pkl")\n\n@app.get("/p")\ndef p():\n    return get_model()');
    expect(pythonRequestPath(cached, at(cached, 'joblib.load'), 'app.py', SERVING_POLICY)).toBeUndefined();
    const guarded = linesOf('@app.get("/p")\ndef p():\n    global MODEL\n    if MODEL is None:\n        MODEL = joblib.load("m.pkl")\n    return MODEL');
    expect(pythonRequestPath(guarded, at(guarded, 'joblib.load'), 'app.py', SYSTEM_POLICY)).toBeUndefined();
    const bare = linesOf('@app.get("/p")\ndef p():\n    model = joblib.load("m.pkl")\n    return model');
    expect(pythonRequestPath(bare, at(bare, 'joblib.load'), 'app.py', SYSTEM_POLICY)?.handler.name).toBe('p');
  });

  it('treats Go\'s once.Do as a guard only in the system policy', () => {
    const lines = linesOf('func (s *Server) users(w http.ResponseWriter, r *http.Request) {\n\tonce.Do(func() {\n\t\tdb = sql.Open("pg", dsn)\n\t})\n}');
    const open = at(lines, 'sql.Open');
    expect(memoised(lines, open, 0, SYSTEM_POLICY)).toBe(true);
    expect(memoised(lines, open, 0, SERVING_POLICY)).toBe(false);
    const plain = linesOf('func (s *Server) users(w http.ResponseWriter, r *http.Request) {\n\tdb := sql.Open("pg", dsn)\n}');
    expect(scriptRequestPath(plain, 1, true, SYSTEM_POLICY)?.handler.name).toBe('users');
  });

  it('reads JS handlers by each policy: a route call with its function, or (serving) any App/Router receiver', () => {
    const express = linesOf("app.get('/orders', async (req, res) => {\n  const rows = await db.query(sql);\n});");
    expect(scriptRequestPath(express, 1, false, SYSTEM_POLICY)?.handler).toEqual({ name: 'route handler', route: 'GET /orders', async: true });
    expect(scriptRequestPath(express, 1, false, SERVING_POLICY)?.handler).toEqual({ name: 'route handler', route: 'GET /orders', async: false });
    const wrapped = linesOf("mlApi.post('/rank',\n  wrap(async (ctx) => {\n    const s = await InferenceSession.create(path);\n  }));");
    expect(scriptRequestPath(wrapped, 2, false, SERVING_POLICY)?.handler.route).toBe('POST /rank');
    expect(scriptRequestPath(wrapped, 2, false, SYSTEM_POLICY)).toBeUndefined();
    const nest = linesOf("  @Get(':id')\n  async findOne(id: string) {\n    return this.repo.find();\n  }");
    expect(scriptRequestPath(nest, 2, false, SYSTEM_POLICY)?.handler).toEqual({ name: 'findOne', route: 'GET :id', async: true });
  });

  it('describes a handler with its route when it has one', () => {
    expect(describeHandler({ name: 'get_user', route: 'GET /users', async: false })).toBe('`get_user` (`GET /users`)');
    expect(describeHandler({ name: 'predict', async: false })).toBe('`predict`');
  });
});
