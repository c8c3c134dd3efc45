import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { defaultStatuses, gotchaFrom, slugify, withUniqueIds, type ExtractedBody } from './markdown.js';
import { STATUSES, type Agent, type ChecklistItem, type Status } from './types.js';

/** One node of fast-xml-parser's `preserveOrder` output: `{ tag: children }` or `{ '#text': text }`. */
type XmlNode = Record<string, unknown>;

const OPEN = '<agent_spec';
const CLOSE = '</agent_spec>';

/** True when the body uses the XML `<agent_spec>` format rather than Markdown sections. */
export function isXmlSpec(body: string): boolean {
  return body.includes(OPEN);
}

/**
 * Reads the `<agent_spec>` element of an agent body. `bodyLine` is the file line the body starts
 * on, so that an XML error points at the right line of the file. Throws `Error` on malformed XML.
 */
export function extractXml(body: string, bodyLine = 1): ExtractedBody {
  const spec = parseSpec(body, bodyLine);
  const first = (tag: string): XmlNode | undefined => findAll(spec, (name) => name === tag)[0];
  const texts = (scope: XmlNode | undefined, tag: string): string[] =>
    scope ? findAll(childrenOf(scope), (name) => name === tag).map(textOf).filter(Boolean) : [];

  const role = first('role');
  const capabilities = first('capabilities');
  const gotchaLists = findAll(spec, (name) => name.endsWith('gotchas'));
  return {
    role: role ? textOf(role) || undefined : undefined,
    triggers: [],
    focusAreas: texts(first('mastery_areas'), 'area'),
    checklist: withUniqueIds(texts(first('process'), 'verify').flatMap(verifySteps), 'verify'),
    gotchas: withUniqueIds(
      gotchaLists.flatMap((list) => texts(list, 'gotcha')).map(gotchaFrom),
      'gotcha',
    ),
    boundaries: { will: texts(capabilities, 'can'), willNot: texts(capabilities, 'cannot') },
    relatedAgents: [],
    statuses: contractStatuses(first('output_contract')),
  };
}

function parseSpec(body: string, bodyLine: number): XmlNode[] {
  const start = body.indexOf(OPEN);
  const end = body.indexOf(CLOSE, start);
  if (end === -1) throw new Error(`<agent_spec> is not closed (no ${CLOSE} after it)`);
  const xml = body.slice(start, end + CLOSE.length);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    // The validator counts lines from <agent_spec>; messages should count them in the file.
    const offset = bodyLine + body.slice(0, start).split('\n').length - 2;
    const inFile = (line: number): number => line + offset;
    const detail = valid.err.msg.replace(/\bline (\d+)/g, (_, line: string) => `line ${inFile(Number(line))}`);
    throw new Error(`<agent_spec> is not well-formed XML (line ${inFile(valid.err.line)}: ${detail})`);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: true,
    // Keep every value as text: `{ok | needs_info | blocked}` and `2000` are not data to coerce.
    parseTagValue: false,
    trimValues: true,
  });
  const parsed: unknown = parser.parse(xml);
  return Array.isArray(parsed) ? parsed.filter(isNode) : [];
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text');
}

function childrenOf(node: XmlNode): XmlNode[] {
  const tag = tagOf(node);
  const children = tag === undefined ? undefined : node[tag];
  return Array.isArray(children) ? children.filter(isNode) : [];
}

/** Elements whose tag satisfies `match`, depth first in document order. */
function findAll(nodes: XmlNode[], match: (tag: string) => boolean): XmlNode[] {
  const found: XmlNode[] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag !== undefined && match(tag)) found.push(node);
    found.push(...findAll(childrenOf(node), match));
  }
  return found;
}

/** All the text inside an element, whitespace collapsed. */
function textOf(node: XmlNode): string {
  const parts: string[] = [];
  const walk = (current: XmlNode): void => {
    const text = current['#text'];
    if (typeof text === 'string' || typeof text === 'number') parts.push(String(text));
    for (const child of childrenOf(current)) walk(child);
  };
  walk(node);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

/** `Test inference latency → validate feature consistency → …` → one checklist item per step. */
function verifySteps(text: string): ChecklistItem[] {
  return text
    .split(/\s*(?:→|->)\s*/)
    .map((step) => step.trim())
    .filter(Boolean)
    .map((step) => {
      const title = step.charAt(0).toUpperCase() + step.slice(1);
      return { id: slugify(title), title, source: 'verify' as const };
    });
}

/** The statuses named in `<output_contract><result><status>{ok | needs_info | blocked}</status>`. */
function contractStatuses(contract: XmlNode | undefined): Agent['statuses'] {
  if (!contract) return defaultStatuses();
  const words = findAll(childrenOf(contract), (tag) => tag === 'status')
    .map(textOf)
    .flatMap((text) => text.match(/[a-z_]+/gi) ?? []);
  const listed = STATUSES.filter((status: Status) => words.includes(status));
  return listed.length > 0 ? listed : defaultStatuses();
}
