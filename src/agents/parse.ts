import { z } from 'zod';
import { AgentFileError, splitFrontMatter } from './frontmatter.js';
import { cleanPhrase, extractMarkdown, type ExtractedBody } from './markdown.js';
import { AgentSchema, ReviewBlockSchema, itemsOf, type Agent, type ReviewBlock } from './types.js';
import { extractXml, isXmlSpec } from './xml.js';
import { fieldPath } from '../field-path.js';

export { AgentFileError } from './frontmatter.js';

/**
 * The front-matter keys we read. Other keys (`category`, `color`, `tools`, `pattern_version`...)
 * belong to Claude Code or to the author and are ignored, so one file serves both tools.
 */
const FrontMatterSchema = z.object({
  name: AgentSchema.shape.name,
  description: AgentSchema.shape.description,
  model: AgentSchema.shape.model,
  review: ReviewBlockSchema.optional(),
});

/**
 * Parses one agent file (front matter + Markdown-sections or `<agent_spec>` body) into an `Agent`.
 * Pure: `file` is only used in messages and copied into the result. Every problem is thrown as an
 * `AgentFileError` that names the file and the field.
 */
export function parseAgent(text: string, file: string): Agent {
  const { data, body, bodyLine } = splitFrontMatter(text, file);
  // `review:` with nothing under it (YAML null) means "no review block", not a type error.
  const input = data.review === null ? { ...data, review: undefined } : data;
  const front = FrontMatterSchema.safeParse(input, { error: friendlyMessage });
  if (!front.success) throw issuesError(file, front.error);
  const { name, description, model } = front.data;
  const review: ReviewBlock = front.data.review ?? ReviewBlockSchema.parse({});

  const format = isXmlSpec(body) ? 'xml' : 'markdown';
  const extracted = withFullChecklist(extractBody(format, body, bodyLine, file), review, file);
  checkContentPatterns(review, file);
  checkRules(review, extracted, file);

  const agent = AgentSchema.safeParse(
    {
      name,
      description,
      ...(model === undefined ? {} : { model }),
      file,
      format,
      ...extracted,
      triggers: dedupe([...extracted.triggers, ...descriptionTriggers(description), ...review.triggers]),
      review,
      prompt: body.trim(),
    },
    { error: friendlyMessage },
  );
  if (!agent.success) throw issuesError(file, agent.error);
  return agent.data;
}

/**
 * Trigger phrases from a description sentence such as "Use PROACTIVELY for A, B, or C." (also
 * "Use for …" and "Use when …"): `['A', 'B', 'C']`. Descriptions without such a sentence give `[]`.
 */
export function descriptionTriggers(description: string): string[] {
  const list = /\buse\s+(?:proactively\s+)?(?:for|when)\s+(.+?)(?:\.(?=\s|$)|$)/is.exec(description)?.[1];
  if (!list) return [];
  return list
    .split(/\s*,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+/i)
    .map(cleanPhrase)
    .filter(Boolean);
}

function extractBody(format: Agent['format'], body: string, bodyLine: number, file: string): ExtractedBody {
  try {
    return format === 'xml' ? extractXml(body, bodyLine) : extractMarkdown(body);
  } catch (cause) {
    throw new AgentFileError(file, '', cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

function checkContentPatterns(review: ReviewBlock, file: string): void {
  review.content.forEach((source, index) => {
    try {
      new RegExp(source);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new AgentFileError(file, `review.content[${index}]`, `not a valid regular expression (${reason})`, {
        cause,
      });
    }
  });
}

/**
 * The checklist a review fills in: the body's own items (verify steps or best practices), then each
 * gotcha as an item (its first words the title, the advice after " - " the detail), then the
 * `review.checklist` items. Ids are unique; a `review.checklist` id that repeats one is an error.
 */
function withFullChecklist(extracted: ExtractedBody, review: ReviewBlock, file: string): ExtractedBody {
  const items = [...extracted.checklist];
  const taken = new Set(items.map((i) => i.id));
  for (const gotcha of extracted.gotchas) {
    if (taken.has(gotcha.id)) continue;
    const [title = gotcha.text, ...rest] = gotcha.text.split(/\s+-\s+/);
    const detail = rest.join(' - ').trim();
    items.push({ id: gotcha.id, title: title.trim(), ...(detail ? { detail } : {}), source: 'gotcha' });
    taken.add(gotcha.id);
  }
  review.checklist.forEach((item, index) => {
    if (taken.has(item.id)) {
      throw new AgentFileError(file, `review.checklist[${index}].id`, `"${item.id}" is already a checklist item of this agent`);
    }
    items.push({ ...item, source: 'review' });
    taken.add(item.id);
  });
  return { ...extracted, checklist: items };
}

/** Every rule must point at a checklist item of this agent, or its verdict would have nowhere to go. */
function checkRules(review: ReviewBlock, extracted: ExtractedBody, file: string): void {
  const ids = extracted.checklist.map((item) => item.id);
  for (const [rule, itemId] of Object.entries(review.rules).flatMap(([r, entry]) => itemsOf(entry).map((id) => [r, id] as const))) {
    if (ids.includes(itemId)) continue;
    const valid = ids.length > 0 ? `valid ids: ${ids.join(', ')}` : 'this agent has no checklist items';
    throw new AgentFileError(
      file,
      `review.rules.${rule}`,
      `"${itemId}" is not the id of a checklist item of this agent (${valid})`,
    );
  }
}

function dedupe(phrases: string[]): string[] {
  const seen = new Set<string>();
  return phrases.filter((phrase) => {
    const key = phrase.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Messages written for the person editing the YAML, not for a TypeScript developer. */
function friendlyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    return `expected ${expectedName(issue.expected)}, got ${inputName(issue.input)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
  if (issue.code === 'too_small' && issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
  return undefined;
}

function expectedName(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object' || expected === 'record') return 'a mapping (key: value)';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function inputName(input: unknown): string {
  if (input === null) return 'nothing (null)';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') {
    return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  }
  if (typeof input === 'object') return 'a mapping';
  return `${typeof input} ${String(input)}`;
}

interface Problem {
  field: string;
  message: string;
}

function describeIssue(issue: z.core.$ZodIssue): Problem {
  const field = fieldPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = field === 'review' ? ` (allowed: ${Object.keys(ReviewBlockSchema.shape).join(', ')})` : '';
    const [only] = issue.keys;
    if (issue.keys.length === 1 && only !== undefined) {
      return { field: fieldPath([...issue.path, only]), message: `unknown key${allowed}` };
    }
    return { field, message: `unknown keys ${issue.keys.map((key) => `"${key}"`).join(', ')}${allowed}` };
  }
  return { field, message: issue.message };
}

function issuesError(file: string, error: z.ZodError): AgentFileError {
  const [first, ...rest] = error.issues.map(describeIssue);
  if (!first) return new AgentFileError(file, '', error.message, { cause: error });
  const also = rest.map((problem) => (problem.field ? `${problem.field}: ${problem.message}` : problem.message));
  const message = also.length > 0 ? `${first.message} (also ${also.join('; ')})` : first.message;
  return new AgentFileError(file, first.field, message, { cause: error });
}
