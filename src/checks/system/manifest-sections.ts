/**
 * Where a dependency entry sits in package.json or pyproject.toml: which object or TOML table and
 * array. Read by a small scanner rather than a parser so that it also works on a fragment (one added
 * line such as `"dependencies": { "pg": "^8" }`) and keeps line numbers.
 */

/** A key of a JSON object, with the keys of the objects around it (outermost first). */
export interface JsonKey {
  line: number;
  /** The keys leading to the object holding this key: `["dependencies"]` for a runtime dependency. */
  path: string[];
  key: string;
  /** Whether the value is a string (a version), not an object or array. */
  stringValue: boolean;
}

interface JsonFrame {
  object: boolean;
  /** The key under which this container sits in its parent. */
  parentKey: string | undefined;
  /** The last key read in this object. */
  key: string | undefined;
}

function nextNonSpace(text: string, from: number): string | undefined {
  for (let i = from; i < text.length; i++) if (!/\s/.test(text[i] ?? '')) return text[i];
  return undefined;
}

/**
 * Every key of a JSON text (or of a fragment of one), with its path. A fragment's outermost level is
 * taken as an object whose own position is unknown (its keys get an empty path).
 */
export function jsonKeys(text: string, firstLine = 1): JsonKey[] {
  const keys: JsonKey[] = [];
  const stack: JsonFrame[] = [{ object: true, parentKey: undefined, key: undefined }];
  let line = firstLine;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      const startLine = line;
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\') j++;
        else if (text[j] === '\n') line++;
        value += text[j] ?? '';
      }
      i = j + 1;
      const top = stack[stack.length - 1];
      if (top?.object && nextNonSpace(text, i) === ':') {
        top.key = value;
        const colon = text.indexOf(':', i);
        keys.push({
          line: startLine,
          path: stack.map((f) => f.parentKey).filter((k) => k !== undefined),
          key: value,
          stringValue: nextNonSpace(text, colon + 1) === '"',
        });
      }
      continue;
    }
    if (ch === '\n') line++;
    else if (ch === '{' || ch === '[') stack.push({ object: ch === '{', parentKey: stack[stack.length - 1]?.key, key: undefined });
    else if ((ch === '}' || ch === ']') && stack.length > 1) stack.pop();
    i++;
  }
  return keys;
}

/** package.json sections whose packages ship with the application. */
export const NPM_RUNTIME_SECTIONS = new Set(['dependencies', 'optionalDependencies']);

/** An entry of a pyproject.toml dependency list or table. */
export interface TomlEntry {
  line: number;
  /** The TOML table it is in (`project`, `tool.poetry.dependencies`), undefined before any header. */
  table: string | undefined;
  /** The array it is an item of (`dependencies`, a group name), for a quoted requirement. */
  array?: string;
  /** The package name: a requirement string's name or a table key. */
  name: string;
}

const REQUIREMENT_NAME = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/;

function quotedStrings(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The requirement strings of `text`, up to the `]` that closes the array (if it closes on this line). */
function arrayItems(text: string): { items: string[]; closed: boolean } {
  const close = text.replace(/"[^"]*"|'[^']*'/g, (s) => ' '.repeat(s.length)).indexOf(']');
  const part = close < 0 ? text : text.slice(0, close);
  const items = quotedStrings(part)
    .map((s) => REQUIREMENT_NAME.exec(s)?.[1])
    .filter((n) => n !== undefined);
  return { items, closed: close >= 0 };
}

/** Every dependency-like entry of pyproject.toml lines: items of arrays, and `name = "…"` / `name = {…}` keys. */
export function tomlEntries(lines: readonly { text: string; line: number }[]): TomlEntry[] {
  const entries: TomlEntry[] = [];
  let table: string | undefined;
  let array: string | undefined;
  for (const { text, line } of lines) {
    const code = text.replace(/\s#.*$/, '');
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*$/.exec(code)?.[1]?.trim();
    if (header !== undefined && array === undefined) {
      table = header;
      continue;
    }
    if (array !== undefined) {
      const { items, closed } = arrayItems(code);
      for (const name of items) entries.push({ line, table, array, name });
      if (closed) array = undefined;
      continue;
    }
    const opener = /^\s*([\w.-]+)\s*=\s*\[(.*)$/.exec(code);
    if (opener) {
      const { items, closed } = arrayItems(opener[2] ?? '');
      for (const name of items) entries.push({ line, table, array: opener[1] ?? '', name });
      if (!closed) array = opener[1];
      continue;
    }
    const key = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*["{]/.exec(code)?.[1];
    if (key !== undefined) entries.push({ line, table, name: key });
  }
  return entries;
}

/** Dev-only groups: `[project.optional-dependencies] dev = [...]`, a Poetry `dev` group. */
export const DEV_GROUP = /^(?:dev|develop|development|test|tests|testing|lint|docs|typing|ci)$/i;

/** Whether a pyproject entry whose table (and array) is known ships with the application. */
export function tomlRuntime(table: string, array: string | undefined): boolean {
  if (array !== undefined) {
    if (table === 'project') return array === 'dependencies';
    if (table === 'project.optional-dependencies') return !DEV_GROUP.test(array);
    return false; // [dependency-groups], [build-system] requires, tool settings
  }
  if (table === 'tool.poetry.dependencies') return true;
  const group = /^tool\.poetry\.group\.([\w-]+)\.dependencies$/.exec(table)?.[1];
  return group !== undefined && !DEV_GROUP.test(group);
}
