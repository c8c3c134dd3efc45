import { posix } from 'node:path';
import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { enclosingOpeners, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { familyOf, goImportOn, isTestPath, pythonImportOn, type Family } from './code-util.js';
import { addsMention } from '../text.js';

/** `server-component`: a Next.js server component, where data access is documented, but not another service's. */
type Layer = 'ui' | 'server-component' | 'domain' | 'entities';

/**
 * UI code, JS/TS only (Django's views/ are controllers). Next.js `app/` and `pages/` count only as
 * client components (`'use client'`): server components, route handlers and `getServerSideProps` are
 * where Next.js documents data access, so they are left alone.
 */
const UI_PATH = /(?:^|\/)(?:components|ui|views|frontend|client)\//;
const NEXT_PATH = /(?:^|\/)(?:app|pages)\//;
/** The App Router's folder, whose components are server components by default (the Pages Router's are not). 1 the app's folder. */
const APP_ROUTER = /^((?:[^/]+\/)*?)(?:src\/)?app\//;
/**
 * Another service's data layer, as a relative import resolves it: `services/billing/db/pool` in a monorepo of
 * services/ or apps/. 1 the service's root (the outermost). A shared package (packages/db, libs/) is meant to be imported.
 */
const SERVICE_DATA = /^((?:[^/]+\/)*?(?:services|apps)\/[^/]+\/)(?:.*\/)?(?:db|database|repositories|repository|dal)(?:\/|$)/;
/** Domain code. `core/` is left out: FastAPI and Django templates keep db setup and config there. */
const DOMAIN_PATH = /(?:^|\/)domain\//;
/** `entities/` often holds ORM-mapped classes on purpose (TypeORM, `*.entity.ts`), so only web frameworks count there. */
const ENTITIES_PATH = /(?:^|\/)entities\//;

const JS_DB = /^(?:@prisma\/client|prisma|typeorm|knex|pg|pg-pool|mysql2?(?:\/.*)?|mongoose|mongodb|sequelize|drizzle-orm(?:\/.*)?|better-sqlite3|@mikro-orm\/.*)$|(?:^|\/)(?:db|database|repositories|repository|dal)(?:\/|$)|(?:^|\/)(?:lib|server)\/(?:prisma|db)$/;
const PY_DB = /^(?:sqlalchemy|sqlmodel|django\.db|peewee|tortoise|pymongo|motor|psycopg2?|asyncpg|mongoengine)(?:\.|$)|(?:^|\.)(?:repositories|repository|db|database)(?:\.|$)/;
const JS_WEB = /^(?:express|koa|fastify|@nestjs\/(?:common|core)|hono|next(?:\/.*)?)$/;
const PY_WEB = /^(?:fastapi|flask|django|starlette|aiohttp\.web|rest_framework)(?:\.|$)/;
const GO_DB = /^(?:database\/sql|gorm\.io\/.*|github\.com\/jmoiron\/sqlx|github\.com\/jackc\/pgx.*|go\.mongodb\.org\/mongo-driver.*)$/;
const GO_WEB = /^(?:github\.com\/gin-gonic\/gin|github\.com\/labstack\/echo.*|github\.com\/gofiber\/fiber.*|github\.com\/go-chi\/chi.*)$/;
/**
 * How a module of the patterns above starts on an import line, after the quote (or the space, `/`
 * or `.`) before it: a cheap first test of the added lines, before any is read as an import.
 */
const MAY_CROSS: Record<Family, RegExp> = {
  script:
    /['"/](?:prisma|db|database|repositor|dal)|['"](?:@prisma\/|typeorm|knex|pg|mysql|mongo|sequelize|drizzle-orm|better-sqlite3|@mikro-orm\/|express|koa|fastify|@nestjs\/|hono|next)/,
  python: /[\s.](?:repositor|db|database)|\s(?:sqlalchemy|sqlmodel|django|peewee|tortoise|pymongo|motor|psycopg|asyncpg|mongoengine|fastapi|flask|starlette|aiohttp|rest_framework)/,
  go: /"(?:database\/sql|gorm\.io\/|go\.mongodb\.org\/|github\.com\/(?:jmoiron|jackc|gin-gonic|labstack|gofiber|go-chi)\/)/,
};

interface Import {
  module: string;
  line: number;
}

/** `import x from 'm'`, `} from 'm'` closing a wrapped import, `require('m')`, `export … from 'm'`; type-only imports are skipped. */
function scriptImport(lines: readonly HeadLine[], index: number): string | undefined {
  const text = lines[index]?.text ?? '';
  const from = /^\s*(?:import|export)\b(.*?)\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/.exec(text);
  const wrapped = /^\s*\}\s*from\s*['"]([^'"]+)['"]/.exec(text);
  if (from) {
    if (/^\s*(?:import|export)\s+type\b/.test(text) || /^\s*\{?\s*type\s/.test(from[1] ?? '') && !/,\s*(?!type\b)\w/.test(from[1] ?? '')) return undefined;
    return from[2] ?? from[3] ?? from[4];
  }
  if (wrapped) {
    for (let i = index - 1; i >= 0 && i > index - 40; i--) {
      const opener = lines[i]?.text ?? '';
      if (/^\s*(?:import|export)\b/.test(opener)) return /^\s*(?:import|export)\s+type\b/.test(opener) ? undefined : wrapped[1];
    }
    return wrapped[1];
  }
  return undefined;
}

function pythonImport(lines: readonly HeadLine[], index: number): string | undefined {
  const module = pythonImportOn(lines[index]?.text ?? '');
  if (!module) return undefined;
  // Imports under `if TYPE_CHECKING:` are for annotations only.
  if (enclosingOpeners(lines, index).some((i) => /^\s*if\s+(?:typing\.)?TYPE_CHECKING\b/.test(lines[i]?.text ?? ''))) return undefined;
  return module;
}

function layerOf(file: ChangedFile, family: Family): Layer | undefined {
  const layer = layerByPath(file, family);
  // Asked of every routed file: the test-path lookup only for the few in a layer.
  return layer !== undefined && !isTestPath(file.path) ? layer : undefined;
}

function layerByPath(file: ChangedFile, family: Family): Layer | undefined {
  if (DOMAIN_PATH.test(file.path)) return 'domain';
  if (ENTITIES_PATH.test(file.path) && !/\.entity\.[jt]s$/.test(file.path)) return 'entities';
  if (family !== 'script') return undefined;
  if (/(?:^|\/)pages\/api\/|(?:^|\/)route\.[jt]s$|(?:^|\/)(?:server|api)\//.test(file.path)) return undefined;
  if (UI_PATH.test(file.path)) return 'ui';
  if (!NEXT_PATH.test(file.path)) return undefined;
  if (clientComponent(file)) return 'ui';
  return APP_ROUTER.test(file.path) && /\.[jt]sx$/.test(file.path) ? 'server-component' : undefined;
}

/** `'use client'` on the first line: shown by the first hunk, or by the whole file when fetched. */
function clientComponent(file: ChangedFile): boolean {
  const first = file.content?.split('\n')[0] ?? file.hunks[0]?.lines.find((l) => l.kind !== 'del' && l.newLine === 1)?.text ?? '';
  return /^\s*['"]use client['"]/.test(first);
}

/**
 * The service whose data layer a relative import reaches into, when it is not the file's own service. A
 * services/ folder inside the app's own folder (`src/services/orders` of a single Next.js or Expo app) is
 * the app's own data-access code: only one outside it, beside the app in a monorepo, is another service's.
 */
function otherServiceData(path: string, module: string): string | undefined {
  if (!module.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(path), module));
  const root = SERVICE_DATA.exec(target)?.[1];
  if (root === undefined || target.startsWith('../') || path.startsWith(root)) return undefined;
  const app = APP_ROUTER.exec(path)?.[1] ?? '';
  return root.startsWith(app) ? undefined : root.replace(/\/$/, '');
}

function crossing(layer: Layer, family: Family, module: string, path: string): string | undefined {
  if (layer === 'server-component') {
    const service = otherServiceData(path, module);
    return service === undefined ? undefined : `the database layer of ${code(service)}`;
  }
  const db = family === 'python' ? PY_DB : family === 'go' ? GO_DB : JS_DB;
  const web = family === 'python' ? PY_WEB : family === 'go' ? GO_WEB : JS_WEB;
  if (layer === 'ui') return db.test(module) ? 'the database layer' : undefined;
  if (web.test(module)) return 'a web framework';
  // The domain's own modules (a repository port in domain/repositories) are not the database layer.
  const own = /^\.|(?:^|[./])domain(?:[./]|$)/.test(module);
  if (layer === 'domain' && !own && db.test(module)) return 'the database layer';
  return undefined;
}

const LAYER_NAMES: Record<Layer, string> = { ui: 'UI code', 'server-component': 'UI code (a server component)', domain: 'domain code', entities: 'domain entities' };

/** Why the crossing hurts and what to do instead, per layer. */
function adviceFor(layer: Layer): { why: string; remedy: string } {
  if (layer === 'ui') {
    return {
      why:
        'Database access from UI code ships the driver (and often its credentials) toward the browser bundle, ' +
        'couples screens to the schema, and bypasses the authorisation and validation of the API layer.',
      remedy:
        'Fetch the data through the API or service layer (an API route, a server action, a service module), and ' +
        'pass plain data to the component; keep database clients in server-only modules.',
    };
  }
  if (layer === 'server-component') {
    return {
      why:
        "The page now reads that service's tables with its connection pool: it is coupled to a schema it does not own, " +
        "bypasses the service's authorisation and business rules, and breaks when that service migrates its schema.",
      remedy:
        "Call the owning service's API (or a client or data-access module it publishes) from the server component, " +
        'and keep its database pool private to it.',
    };
  }
  return {
    why:
      'The business rules now depend on a delivery or storage technology: they cannot be tested without it, ' +
      'and replacing the framework or the database means rewriting the domain.',
    remedy:
      'Keep the domain free of frameworks: define the interface it needs (a repository or port) in the domain, ' +
      'implement it in an infrastructure/adapters module, and convert framework types at the edge.',
  };
}

/** The added imports of the file that cross its layer's boundary, grouped by what they reach: one finding per boundary, at the first. */
function crossingsOf(file: ChangedFile, layer: Layer, family: Family): Map<string, Import[]> {
  const byTarget = new Map<string, Import[]>();
  for (const hunk of file.hunks) {
    const lines = headLines(hunk);
    lines.forEach((l, i) => {
      if (!l.added) return;
      const module = family === 'python' ? pythonImport(lines, i) : family === 'go' ? goImportOn(l.text) : scriptImport(lines, i);
      const target = module === undefined ? undefined : crossing(layer, family, module, file.path);
      if (module === undefined || target === undefined) return;
      byTarget.set(target, [...(byTarget.get(target) ?? []), { module, line: l.line }]);
    });
  }
  return byTarget;
}

function check(file: ChangedFile): RuleHit[] {
  const family = familyOf(file);
  if (!family) return [];
  const layer = layerOf(file, family);
  if (!layer || !addsMention(file, MAY_CROSS[family])) return [];
  const { why, remedy } = adviceFor(layer);
  return [...crossingsOf(file, layer, family)].map(([target, imports]) => {
    const modules = imports.map((i) => code(i.module)).join(', ');
    return {
      ...(imports[0] ? { line: imports[0].line } : {}),
      title: `${LAYER_NAMES[layer]} imports ${target} (${modules})`,
      message: `${code(file.path)} is ${LAYER_NAMES[layer]}, and it now imports ${modules}, which belong${imports.length > 1 ? '' : 's'} to ${target}. ${why}`,
      remedy,
    };
  });
}

export const layerViolation: Rule = {
  id: 'layer-violation',
  summary: 'An import across a layer boundary: UI code importing the database layer (a server component: that of another service), domain code importing a web framework or ORM',
  why: "UI code that reaches the database bypasses the API's validation and authorisation and ties screens to the schema; a domain that imports a framework cannot be tested or moved without it.",
  remedy: 'Go through the API/service layer from UI code; give the domain an interface (port) implemented in an infrastructure adapter.',
  severity: 'medium',
  kind: 'problem',
  scope: 'UI (components/, ui/, views/, Next.js app/ and pages/ components) or domain (domain/, entities/) files',
  appliesTo: (file) => {
    const family = familyOf(file);
    return family !== undefined && layerOf(file, family) !== undefined;
  },
  check,
};
