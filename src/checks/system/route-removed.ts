import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { memoByObject } from '../../path-memo.js';
import { callText, commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { asLines, baseLines, familyOf, isTestPath, type Family } from './code-util.js';
import { addsMention, removesMention } from '../text.js';

interface Route {
  method: string;
  path: string;
  /** Index of the declaring line in the lines it was read from. */
  index: number;
  /** The declaration's text (the whole decorator or call), for `deprecated=True`. */
  text: string;
}

const PY_DECORATOR = /^\s*@[\w.]+\.(get|post|put|patch|delete|route|api_route|websocket)\s*\(/i;
/** Starlette `Route("/x", ...)`, Flask `add_url_rule("/x", ...)`, Django `path("x/", ...)` in urls.py. */
const PY_TABLE = /(?<![\w.])(?:Route|WebSocketRoute|\w*\.add_url_rule|re_path|path)\s*\(/;
const JS_CALL = /^\s*(?:app|router|server|fastify|routes|\w+Router)\.(get|post|put|patch|delete|all)\s*\(\s*['"`](\/[^'"`]*)['"`]/;
const GO_MUX = /^\s*\w+\.(HandleFunc|Handle)\s*\(\s*"([^"]+)"/;
const GO_VERB = /^\s*\w+\.(GET|POST|PUT|PATCH|DELETE|Get|Post|Put|Patch|Delete)\s*\(\s*"(\/[^"]*)"/;
/** Words the patterns above need on a line (a decorator's `@`, a routing-table call, a quoted path), per family: a cheap first test. */
const MAY_DECLARE: Record<Family, RegExp> = {
  python: /@|Route|add_url_rule|path/,
  script: /['"`]\//,
  go: /Handle|"\//,
};
/** The patterns above over all the lines at once, for the files that pass MAY_DECLARE. */
const DECLARES: Record<Family, RegExp> = {
  python: new RegExp(`${PY_DECORATOR.source}|${PY_TABLE.source}`, 'im'),
  script: new RegExp(JS_CALL.source, 'm'),
  go: new RegExp(`${GO_MUX.source}|${GO_VERB.source}`, 'm'),
};
/** Paths clearly not part of the public contract; kept short on purpose: `/internal`, `/debug`, `/admin`, `/_…`. */
const INTERNAL = /^\/?(?:_[\w-]*|internal|debug|admin)(?:\/|$)/i;

function firstString(call: string): string | undefined {
  return /^[^(]*\(\s*[rbf]?['"]([^'"]*)['"]/.exec(call)?.[1];
}

function methodsOf(call: string, fallback: string): string[] {
  const list = /\bmethods\s*=\s*[[({]([^\])}]*)/.exec(call)?.[1];
  const methods = list ? [...list.matchAll(/['"](\w+)['"]/g)].map((m) => (m[1] ?? '').toUpperCase()) : [];
  return methods.length > 0 ? methods : [fallback];
}

/** The routes a line declares (a decorator, a route call or a routing-table entry), read across wrapped lines. */
function routesAt(lines: readonly HeadLine[], index: number, family: Family, filePath: string): Route[] {
  const text = lines[index]?.text ?? '';
  if (commentLine(text, family === 'python')) return [];
  if (family === 'python') {
    const decorator = PY_DECORATOR.exec(text);
    const table = decorator ? null : PY_TABLE.exec(text);
    if (!decorator && !table) return [];
    if (table && /^(?:re_)?path/.test(table[0]) && !/(?:^|\/)urls\.py$/.test(filePath)) return [];
    const call = callText(lines, index, (decorator ?? table)?.index ?? 0);
    const path = firstString(call);
    if (path === undefined) return [];
    const verb = (decorator?.[1] ?? '').toLowerCase();
    const methods = decorator && !['route', 'api_route'].includes(verb) ? [verb.toUpperCase()] : methodsOf(call, table?.[0].includes('path') ? 'ANY' : 'GET');
    return methods.map((method) => ({ method, path, index, text: call }));
  }
  if (family === 'script') {
    const m = JS_CALL.exec(text);
    return m ? [{ method: (m[1] ?? '').toUpperCase().replace('ALL', 'ANY'), path: m[2] ?? '', index, text: callText(lines, index, 0) }] : [];
  }
  const verb = GO_VERB.exec(text);
  if (verb) return [{ method: (verb[1] ?? '').toUpperCase(), path: verb[2] ?? '', index, text }];
  const mux = GO_MUX.exec(text);
  if (!mux) return [];
  // Go 1.22 patterns carry the method: "GET /users/{id}".
  const pattern = /^(?:([A-Z]+)\s+)?(\S+)$/.exec(mux[2] ?? '');
  return pattern ? [{ method: pattern[1] ?? 'ANY', path: pattern[2] ?? '', index, text }] : [];
}

/** Parameters renamed or retyped (`{id}`, `<int:id>`, `:id`, `{id:int}`) do not change what clients call. */
function normalPath(path: string): string {
  const p = path
    .replace(/\{[^}]*\}|<[^>]*>|:\w+|\(\?P<\w+>[^)]*\)/g, '{}')
    .replace(/^\^|\$$/g, '')
    .replace(/\/+$/, '');
  return p.startsWith('/') || p === '' ? p || '/' : `/${p}`;
}

function sameRoute(a: Route, b: Route): boolean {
  if (normalPath(a.path) !== normalPath(b.path)) return false;
  return a.method === b.method || a.method === 'ANY' || b.method === 'ANY';
}

/** The same path without its version prefix: `/v1/users` and `/v2/users` both give `/users`. */
function unversioned(path: string): string {
  return normalPath(path).replace(/\/v\d+(?=\/|$)/i, '');
}

/** Every route the change adds, in every file: a removed route added back anywhere was moved, not removed. Worked out once per change. */
const addedRoutes = memoByObject((changeSet: ChangeSet): Route[] => {
  const out: Route[] = [];
  for (const file of changeSet.files) {
    const family = familyOf(file);
    if (!family || !addsMention(file, MAY_DECLARE[family]) || !addsMention(file, DECLARES[family])) continue;
    for (const hunk of file.hunks) {
      const lines = headLines(hunk);
      lines.forEach((l, i) => {
        if (l.added) out.push(...routesAt(lines, i, family, file.path));
      });
    }
  }
  return out;
});

function deprecated(route: Route, lines: readonly HeadLine[]): boolean {
  if (/\bdeprecated\s*[=:]\s*True|\bdeprecated\s*:\s*true/.test(route.text)) return true;
  // A docstring, comment or decorator right around the removed route that already announced its end.
  return lines.slice(Math.max(0, route.index - 3), route.index + 8).some((l) => l.added && /deprecat|sunset/i.test(l.text));
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const family = familyOf(file);
  // The text tests before the test-path lookup: they reject nearly every file, and cost less.
  if (!family || file.deletions === 0 || !removesMention(file, MAY_DECLARE[family]) || !removesMention(file, DECLARES[family]) || isTestPath(file.path)) return [];
  const hits: RuleHit[] = [];
  let added: Route[] | undefined;
  for (const hunk of file.hunks) {
    const base = baseLines(hunk);
    const lines = asLines(base); // `added` marks a removed line here
    base.forEach((b, i) => {
      if (!b.removed) return;
      for (const route of routesAt(lines, i, family, file.path)) {
        if (INTERNAL.test(route.path) || deprecated(route, lines)) continue;
        added ??= addedRoutes(changeSet);
        if (added.some((a) => sameRoute(a, route))) continue;
        const name = `${route.method === 'ANY' ? '' : `${route.method} `}${route.path}`;
        const successor = added.find((a) => a.path !== route.path && unversioned(a.path) === unversioned(route.path));
        const replaced = successor
          ? ` The change adds ${code(`${successor.method} ${successor.path}`)}, but clients still calling the old path do not move by themselves.`
          : '';
        hits.push({
          ...(b.near !== undefined ? { line: b.near } : {}),
          title: `Route ${code(name)} removed`,
          message:
            `This change removes the route ${code(name)} and no file in the change serves it again. Every client still ` +
            'calling it (mobile apps, other services, SDKs, scripts) gets 404 from the moment this deploys, and only a ' +
            `rollback brings it back.${replaced}`,
          remedy:
            'Keep the old route working for a deprecation period: delegate it to the new handler, mark it deprecated ' +
            '(`deprecated=True`, `Deprecation`/`Sunset` headers), tell its consumers, and delete it in a later change ' +
            'once its traffic is zero; for a rename, a 308 redirect from the old path also works.',
        });
      }
    });
  }
  return hits;
}

export const routeRemoved: Rule = {
  id: 'route-removed',
  summary: 'A public HTTP route (FastAPI/Flask/Starlette/Django, Express/Fastify, Go mux/gin/chi) removed or renamed with nothing serving the old path',
  why: 'Every client still calling the old path (apps, other services, SDKs) gets 404 from the moment the change deploys, and only a rollback brings it back.',
  remedy: 'Keep the old route for a deprecation period (delegate to the new handler, `Deprecation`/`Sunset` headers, or a 308 redirect) and remove it once its traffic is zero.',
  severity: 'high',
  kind: 'problem',
  scope: 'Python, JS/TS or Go files',
  appliesTo: (file) => familyOf(file) !== undefined,
  readsWholeChange: true,
  check,
};
