import type { ChangedFile, Hunk } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, enclosingOpeners, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { asLines, baseLines, isTestPath } from './code-util.js';
import { fileText } from '../text.js';
import { responseFile, responseHits } from './response-literals.js';

type Dialect = 'pydantic' | 'typescript' | 'protobuf';

interface Field {
  owner: string;
  /** The name on the wire: a Pydantic `alias=` wins over the attribute. */
  name: string;
  type: string;
  /** Protobuf field number. */
  number?: string;
  deprecated: boolean;
  /** Head-side line to point at. */
  line: number | undefined;
}

const PY_CONTRACT_PATH = /(?:^|\/)(?:api|apis|schemas?|models?|dtos?|contracts?|routers?|routes|endpoints|serializers?)(?:\/|\.py$)/;
const TS_CONTRACT_PATH = /(?:^|\/)(?:api|types|contracts?|dtos?|schemas?)\/|\.dto\.ts$|(?:^|\/)(?:types|contracts?|api)\.d?\.ts$/;
const PY_CLASS = /^\s*class\s+(\w+)\s*\(([^)]*)\)\s*:/;
const TS_OWNER = /^\s*export\s+(?:declare\s+)?(?:interface\s+(\w+)[^{=]*\{|type\s+(\w+)\s*(?:<[^>]*>)?\s*=\s*\{)/;
const PROTO_OWNER = /^\s*message\s+(\w+)\s*\{/;
const PY_FIELD = /^\s+([A-Za-z]\w*)\s*:\s*([^=#]+?)\s*(?:=\s*(.*?))?\s*(?:#.*)?$/;
const TS_FIELD = /^\s*(?:readonly\s+)?['"]?([\w$-]+)['"]?\??\s*:\s*([^;/]+?)\s*[;,]?\s*(?:\/\/.*)?$/;
const PROTO_FIELD = /^\s*(?:optional\s+|repeated\s+|required\s+)?([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(\[[^\]]*\])?\s*;/;
const FIELD: Record<Dialect, RegExp> = { pydantic: PY_FIELD, typescript: TS_FIELD, protobuf: PROTO_FIELD };
const FRONTEND_PATH = /(?:^|\/)(?:frontend|web|webapp|client|ui|mobile)\//;
/** Props and state of UI components live in types/ too, but they are not a wire contract. */
const UI_TYPE = /(?:Props|State|Context|Theme|Style)$/;

function dialectOf(file: ChangedFile): Dialect | undefined {
  const dialect = dialectByPath(file);
  // Asked of every routed file: the test-path lookup only for the few that hold a contract.
  return dialect !== undefined && !isTestPath(file.path) ? dialect : undefined;
}

function dialectByPath(file: ChangedFile): Dialect | undefined {
  if (file.language === 'protobuf') return 'protobuf';
  if (file.language === 'python' && PY_CONTRACT_PATH.test(file.path)) return 'pydantic';
  // A frontend's api/ or types/ mirrors a backend's contract; editing the mirror breaks no client.
  if (file.language === 'typescript' && TS_CONTRACT_PATH.test(file.path) && !/\.tsx$/.test(file.path) && !FRONTEND_PATH.test(file.path)) return 'typescript';
  return undefined;
}

/**
 * Whether the file holds wire schemas: its path says so (schemas/, dto, contracts/), or the visible text
 * (or the whole file, when fetched) shows Pydantic; models/ and api/ alone also hold ORM tables and dataclasses.
 */
function pydanticFile(file: ChangedFile): boolean {
  if (/(?:^|\/)(?:schemas?|dtos?|contracts?)(?:\/|\.py$)/.test(file.path)) return true;
  // Without the content, fileText is the hunks' headers and lines, joined once for every rule.
  const text = file.content ?? fileText(file);
  return /\bpydantic\b|\bBaseModel\b|\bSQLModel\b/.test(text);
}

/** The class/interface/message a field line sits in: its innermost opener, or git's hunk header when the opener is above the hunk. */
function ownerOf(lines: readonly HeadLine[], index: number, hunk: Hunk, dialect: Dialect): string | undefined {
  const re = dialect === 'pydantic' ? PY_CLASS : dialect === 'typescript' ? TS_OWNER : PROTO_OWNER;
  const [inner] = enclosingOpeners(lines, index);
  const opener = inner === undefined ? hunk.header : lines[inner]?.text ?? '';
  // An opener removed or added by the change: the whole type is new, deleted or renamed, not edited.
  if (inner !== undefined && lines[inner]?.added) return undefined;
  const m = re.exec(opener);
  if (!m) return undefined;
  if (dialect === 'pydantic' && /\btable\s*=\s*True\b|\bBase\b\s*$|\b(?:db|models)\.Model\b/.test(m[2] ?? '')) return undefined; // ORM tables
  const name = m[1] ?? m[2] ?? '';
  return dialect === 'typescript' && UI_TYPE.test(name) ? undefined : name;
}

function fieldAt(lines: readonly HeadLine[], index: number, hunk: Hunk, dialect: Dialect, line: number | undefined): Field | undefined {
  const text = lines[index]?.text ?? '';
  if (commentLine(text, dialect === 'pydantic')) return undefined;
  // The field's own line first: the owner is searched for upwards, which costs more, and only for a field.
  if (dialect === 'protobuf') {
    const m = PROTO_FIELD.exec(text);
    const owner = m ? ownerOf(lines, index, hunk, dialect) : undefined;
    if (!m || owner === undefined) return undefined;
    return { owner, name: m[2] ?? '', type: m[1] ?? '', number: m[3] ?? '', deprecated: /deprecated\s*=\s*true/.test(m[4] ?? ''), line };
  }
  const m = (dialect === 'pydantic' ? PY_FIELD : TS_FIELD).exec(text);
  if (!m || /^(?:model_config|Config|class|def|return)$/.test(m[1] ?? '') || /^(?:ClassVar|Mapped)\b/.test(m[2] ?? '')) return undefined;
  const owner = ownerOf(lines, index, hunk, dialect);
  if (owner === undefined) return undefined;
  const prev = lines[index - 1]?.text ?? '';
  const alias = /\b(?:serialization_)?alias\s*=\s*['"]([\w-]+)['"]/.exec(m[3] ?? '')?.[1];
  const deprecated = /\bdeprecated\s*=\s*True|@deprecated/.test(`${m[3] ?? ''} ${prev}`);
  return { owner, name: alias ?? m[1] ?? '', type: (m[2] ?? '').trim(), deprecated, line };
}

/** What a type looks like on the wire (JSON), or undefined when the diff cannot say (a class, an enum, a generic). */
function wireKind(type: string, dialect: Dialect): string | undefined {
  if (dialect === 'protobuf') {
    if (/^(?:u?int(?:32|64)|bool)$/.test(type)) return 'varint';
    if (/^sint(?:32|64)$/.test(type)) return 'zigzag varint';
    if (/^(?:s?fixed32|float)$/.test(type)) return '32-bit';
    if (/^(?:s?fixed64|double)$/.test(type)) return '64-bit';
    if (/^(?:string|bytes)$/.test(type)) return 'length-delimited';
    return undefined;
  }
  let t = type
    .replace(/^Optional\[(.*)\]$/, '$1')
    .replace(/^Annotated\[([^,]*),.*\]$/, '$1')
    .replace(/\s*\|\s*(?:None|null|undefined)\b|\b(?:None|null|undefined)\s*\|\s*/g, '')
    .trim();
  if (dialect === 'typescript') {
    if (/\[\]$|^(?:Readonly)?Array<|^readonly\s/.test(t)) return 'array';
    if (/^(?:string|Date)$|^(['"`]).*\1$|^(?:(['"])[^'"]*\2\s*\|\s*)+(['"])[^'"]*\3$/.test(t)) return 'string';
    if (/^(?:number|bigint)$|^-?\d+(?:\s*\|\s*-?\d+)*$/.test(t)) return 'number';
    if (/^(?:boolean|true|false)$/.test(t)) return 'boolean';
    if (/^(?:Record<|\{)/.test(t)) return 'object';
    return undefined;
  }
  t = t.replace(/^(?:typing\.)?/, '');
  if (/^(?:list|List|Sequence|set|Set|frozenset|tuple|Tuple|conlist)\b/.test(t)) return 'array';
  if (/^(?:dict|Dict|Mapping)\b/.test(t)) return 'object';
  if (/^(?:str|EmailStr|UUID\d?|datetime|date|time|HttpUrl|AnyUrl|AnyHttpUrl|SecretStr|constr\b)|^Literal\[\s*['"]/.test(t)) return 'string';
  if (/^(?:int|conint\b|PositiveInt|NonNegativeInt|StrictInt)$|^Literal\[\s*-?\d/.test(t)) return 'integer';
  if (/^(?:float|Decimal|confloat\b|PositiveFloat|StrictFloat)/.test(t)) return 'number';
  if (/^(?:bool|StrictBool)$/.test(t)) return 'boolean';
  return undefined;
}

/** Whether a line the change removed (`del`) or added (`add`) in the hunk looks like a field: the cheap test before its lines are numbered. */
function showsField(hunk: Hunk, kind: 'add' | 'del', dialect: Dialect): boolean {
  return hunk.lines.some((l) => l.kind === kind && FIELD[dialect].test(l.text));
}

function collect(file: ChangedFile, dialect: Dialect): { removed: Field[]; added: Field[] } {
  const removed: Field[] = [];
  for (const hunk of file.hunks) {
    if (!showsField(hunk, 'del', dialect)) continue;
    const base = baseLines(hunk);
    const before = asLines(base);
    base.forEach((b, i) => {
      const f = b.removed ? fieldAt(before, i, hunk, dialect, b.near) : undefined;
      if (f) removed.push(f);
    });
  }
  // Added fields only tell what became of removed ones: with none removed there is nothing to judge.
  const added: Field[] = [];
  if (removed.length === 0) return { removed, added };
  for (const hunk of file.hunks) {
    if (!showsField(hunk, 'add', dialect)) continue;
    const head = headLines(hunk);
    head.forEach((h, i) => {
      const f = h.added ? fieldAt(head, i, hunk, dialect, h.line) : undefined;
      if (f) added.push(f);
    });
  }
  return { removed, added };
}

/** What breaks, per problem: one sentence each, collected per type so one edit gives one finding. */
function problemsOf(removed: Field[], added: Field[], dialect: Dialect): Map<string, { line: number | undefined; notes: string[] }> {
  const byOwner = new Map<string, { line: number | undefined; notes: string[] }>();
  const note = (f: Field, text: string): void => {
    const entry = byOwner.get(f.owner) ?? { line: f.line, notes: [] };
    entry.notes.push(text);
    byOwner.set(f.owner, entry);
  };
  for (const old of removed) {
    if (old.deprecated) continue;
    if (dialect === 'protobuf') {
      const sameName = added.find((a) => a.owner === old.owner && a.name === old.name);
      const sameNumber = added.find((a) => a.owner === old.owner && a.number === old.number);
      if (sameName && sameName.number !== old.number) {
        note(old, `${code(old.name)} is renumbered from ${code(String(old.number))} to ${code(String(sameName.number))}`);
      } else if (sameName ?? sameNumber) {
        const now = sameName ?? sameNumber;
        const [wasKind, nowKind] = [wireKind(old.type, dialect), wireKind(now?.type ?? '', dialect)];
        if (wasKind && nowKind && wasKind !== nowKind) {
          note(old, `field ${code(String(old.number))} changes type from ${code(old.type)} to ${code(now?.type ?? '')} (${wasKind} → ${nowKind} on the wire)`);
        }
      } else note(old, `${code(`${old.name} = ${String(old.number)}`)} is removed`);
      continue;
    }
    const same = added.find((a) => a.owner === old.owner && a.name === old.name);
    if (same) {
      const [was, now] = [wireKind(old.type, dialect), wireKind(same.type, dialect)];
      if (was && now && was !== now) note(old, `${code(old.name)} changes type from ${code(old.type)} to ${code(same.type)} (${was} → ${now} in JSON)`);
      continue;
    }
    if (added.some((a) => a.name === old.name)) continue; // moved to another class of the file, e.g. a shared base
    const renamed = added.filter((a) => a.owner === old.owner && !removed.some((r) => r.owner === a.owner && r.name === a.name));
    const hint = renamed.length === 1 && renamed[0] ? ` (renamed to ${code(renamed[0].name)}?)` : '';
    note(old, `${code(old.name)} is removed${hint}`);
  }
  return byOwner;
}

function check(file: ChangedFile): RuleHit[] {
  const dialect = dialectOf(file);
  if (!dialect && responseFile(file)) return responseHits(file);
  if (!dialect || file.status === 'added' || file.deletions === 0) return [];
  if (dialect === 'pydantic' && !pydanticFile(file)) return [];
  const { removed, added } = collect(file, dialect);
  const hits: RuleHit[] = [];
  for (const [owner, { line, notes }] of problemsOf(removed, added, dialect)) {
    const kind = dialect === 'protobuf' ? 'message' : dialect === 'pydantic' ? 'schema' : 'type';
    hits.push({
      ...(line !== undefined ? { line } : {}),
      title: `Breaking change to API ${kind} ${code(owner)}`,
      message:
        `In ${code(owner)}, ${notes.join('; ')}. Clients built against the current contract (other services, mobile ` +
        'apps that update slowly, generated SDKs) read a field that is no longer there or parse a value of the wrong ' +
        'type as soon as this deploys; requests that still send the old field are silently ignored or rejected.',
      remedy:
        dialect === 'protobuf'
          ? 'Never reuse or renumber a field: mark it `[deprecated = true]`, add a new field with a new number, and ' +
            '`reserved` the old number and name once no client reads it.'
          : 'Keep the contract additive: add the new field beside the old one (fill both, mark the old one deprecated) ' +
            'or publish the new shape as a new version (`/v2`, a `V2` schema) while the old one keeps working; remove ' +
            'the old field only after its consumers have moved.',
    });
  }
  return hits;
}

export const responseContractChanged: Rule = {
  id: 'response-contract-changed',
  summary: 'A field removed, renamed or retyped in a public API schema (Pydantic models in API paths, exported TS types in api/types/contracts/dto, protobuf messages, keys of the JSON response a JS/TS route handler sends)',
  why: 'Clients built against the current contract read a field that is gone or parse a value of the wrong type as soon as the change deploys.',
  remedy: 'Additive changes only: add the new field beside the old one, or publish a new version (`/v2`, a `V2` schema); for protobuf, never renumber and `reserved` removed numbers.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Pydantic schemas in API paths, TS contract types, .proto files, JS/TS route handlers',
  appliesTo: (file) => dialectOf(file) !== undefined || responseFile(file),
  wantsContent: (file) =>
    dialectOf(file) === 'pydantic' && file.content === undefined && file.deletions > 0 && !pydanticFile(file),
  check,
};
