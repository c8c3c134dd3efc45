import { STATUSES, type Agent, type ChecklistItem, type Gotcha } from './types.js';

/** What a body extractor (Markdown sections or XML `<agent_spec>`) reads from an agent file. */
export type ExtractedBody = Pick<
  Agent,
  'role' | 'triggers' | 'focusAreas' | 'checklist' | 'gotchas' | 'boundaries' | 'relatedAgents' | 'statuses'
>;

/** Lower-case; each run of anything but letters and digits becomes one dash (`Verify A/B` → `verify-a-b`). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Makes ids unique within one list: an empty slug becomes `<fallback>-<n>`, a repeated one gets
 * `-2`, `-3`... Ids must be stable and unique because verdicts and `review.rules` refer to them.
 */
export function withUniqueIds<T extends { id: string }>(items: T[], fallback: string): T[] {
  const seen = new Set<string>();
  return items.map((item, index) => {
    const base = item.id || `${fallback}-${index + 1}`;
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
    seen.add(id);
    return { ...item, id };
  });
}

/** A gotcha's id is the slug of its first words, before the ` - remedy` part (six words at most). */
export function gotchaFrom(text: string): Gotcha {
  const head = text.split(/\s+[-–—]\s+/)[0] ?? text;
  const words = head.split(/\s+/).filter(Boolean).slice(0, 6);
  return { id: slugify(words.join(' ')), text };
}

/** Statuses for an agent without an output contract: all of them. A fresh array each call. */
export function defaultStatuses(): Agent['statuses'] {
  return [...STATUSES];
}

interface Document {
  role: string | undefined;
  /** `## Heading` (lower-cased) → its lines, code blocks left out. */
  sections: Map<string, string[]>;
}

/** Reads the Markdown-sections format (`## Triggers`, `## Focus Areas`, `## Best Practices`...). */
export function extractMarkdown(body: string): ExtractedBody {
  const { role, sections } = splitSections(body);
  const section = (name: string): string[] => sections.get(name) ?? [];
  return {
    role,
    triggers: triggerPhrases(section('triggers')),
    focusAreas: bullets(section('focus areas'))
      .map((text) => boldLead(text)?.title)
      .filter((title): title is string => Boolean(title)),
    checklist: withUniqueIds(bullets(section('best practices')).map(bestPractice), 'practice'),
    gotchas: withUniqueIds(bullets(section('gotchas')).map(gotchaFrom), 'gotcha'),
    boundaries: boundaries(section('boundaries')),
    relatedAgents: backticked(section('related agents')),
    statuses: defaultStatuses(),
  };
}

function splitSections(body: string): Document {
  const sections = new Map<string, string[]>();
  let role: string | undefined;
  let current: string[] | undefined;
  let fence: string | undefined;
  for (const line of body.split('\n')) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      // A fence closes with the same character, at least as long as the opening one.
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] === '#') {
      role ??= heading[2];
    } else if (heading?.[1] === '##' && heading[2]) {
      current = [];
      sections.set(heading[2].toLowerCase(), current);
    } else {
      current?.push(line);
    }
  }
  return { role, sections };
}

/** Top-level list items (`- x`, `* x`, `+ x`, `1. x`), without the marker. */
function bullets(lines: string[]): string[] {
  return lines
    .map((line) => /^ ?(?:[-*+]|\d+[.)])\s+(.*\S)\s*$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined);
}

const QUOTED = /"([^"\n]+)"|“([^”\n]+)”/g;

function triggerPhrases(lines: string[]): string[] {
  const phrases: string[] = [];
  for (const text of bullets(lines)) {
    for (const match of text.matchAll(QUOTED)) {
      const phrase = cleanPhrase(match[1] ?? match[2] ?? '');
      if (phrase) phrases.push(phrase);
    }
  }
  return phrases;
}

/** `Design system architecture for...` → `Design system architecture`: the phrase a PR would contain. */
export function cleanPhrase(raw: string): string {
  return raw
    .trim()
    .replace(/(?:\.{3}|…)$/u, '')
    .trim()
    .replace(/[,;:]+$/, '')
    .replace(/\s+(?:for|of|to|with)$/i, '')
    .trim();
}

/** `**Title**: detail` (also `**Title:** detail`), after an optional ✅ / ❌ mark. */
function boldLead(text: string): { title: string; detail: string } | undefined {
  const match = /^(?:[✅❌✔✖✓✗]\uFE0F?\s*)?\*\*(.+?)\*\*\s*(.*)$/u.exec(text);
  if (!match?.[1]) return undefined;
  const title = match[1].replace(/:\s*$/, '').trim();
  const detail = (match[2] ?? '').replace(/^[:\-–—]\s*/, '').trim();
  return title ? { title, detail } : undefined;
}

function bestPractice(text: string): ChecklistItem {
  const lead = boldLead(text);
  const title = lead?.title ?? text.replace(/^[✅❌✔✖✓✗]\uFE0F?\s*/u, '').trim();
  const item: ChecklistItem = { id: slugify(title), title, source: 'best-practice' };
  if (lead?.detail) item.detail = lead.detail;
  return item;
}

function boundaries(lines: string[]): Agent['boundaries'] {
  const result: Agent['boundaries'] = { will: [], willNot: [] };
  let list: string[] | undefined;
  for (const line of lines) {
    const label = /^\s*\*\*\s*(will not|won['’]t|will)\s*:?\s*\*\*\s*:?\s*$/i.exec(line)?.[1];
    if (label) {
      list = label.toLowerCase() === 'will' ? result.will : result.willNot;
      continue;
    }
    const [item] = bullets([line]);
    if (item !== undefined) list?.push(item);
  }
  return result;
}

function backticked(lines: string[]): string[] {
  const names = new Set<string>();
  for (const line of lines) {
    for (const match of line.matchAll(/`([A-Za-z0-9][\w.:-]*)`/g)) {
      if (match[1]) names.add(match[1]);
    }
  }
  return [...names];
}
