/**
 * Keys renamed in a JS/TS request handler's JSON response literal (`res.json({ id: user.id })` →
 * `{ userId: user.id }`): the response-contract-changed rule's reading of handlers that send an object
 * literal rather than a declared contract type.
 */
import type { ChangedFile, Hunk } from '../../changeset/types.js';
import type { RuleHit } from '../types.js';
import { enclosingOpeners, headLines, indentOf, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { asLines, baseLines, describeHandler, isTestPath, scriptOrGoRequestPath, type Handler } from './code-util.js';
import { SYSTEM_POLICY, scriptHandlerAt } from '../handlers.js';
import { mentions } from '../text.js';

/** The line opening a response's object literal: `res.json({`, `res.status(200).send({`, `NextResponse.json({`, `ctx.body = {`. */
const RESPONSE_OPENER = /\b(?:(?:res|response|reply|c)(?:\.status\([^)]*\))?\.(?:json|send)|(?:NextResponse|Response)\.json)\(\s*\{\s*$|\bctx\.body\s*=\s*\{\s*$/;
/** What RESPONSE_OPENER needs in the file's text, in plain words: a cheap first test. */
const MAY_RESPOND = /\.json\(|\.send\(|\.body/;
/** `key: value,` on a line of its own: 1 the key, 2 the value. */
const LITERAL_KEY = /^\s*['"]?([A-Za-z_$][\w$]*)['"]?\s*:\s*(.+?)\s*,?\s*(?:\/\/.*)?$/;

/** Server code in JS/TS that a change edits: where a handler's response literal may lose a key. */
export function responseFile(file: ChangedFile): boolean {
  if ((file.language !== 'typescript' && file.language !== 'javascript') || /\.[jt]sx$/.test(file.path)) return false;
  return file.status !== 'added' && file.deletions > 0 && file.additions > 0 && !isTestPath(file.path);
}

interface LiteralKey {
  key: string;
  value: string;
  /** The head-side line of the literal's opener: which literal the key belongs to. */
  literal: number;
  /** Head-side line to point at. */
  line: number | undefined;
}

/** The key on `lines[index]` when it sits directly in a response literal whose opener the change keeps. */
function responseKey(lines: readonly HeadLine[], index: number, openerLine: (opener: number) => number | undefined): Omit<LiteralKey, 'line'> | undefined {
  const m = LITERAL_KEY.exec(lines[index]?.text ?? '');
  const [opener] = m ? enclosingOpeners(lines, index) : [];
  if (!m || opener === undefined || lines[opener]?.added || !RESPONSE_OPENER.test(lines[opener]?.text ?? '')) return undefined;
  const literal = openerLine(opener);
  return literal === undefined ? undefined : { key: m[1] ?? '', value: m[2] ?? '', literal };
}

/** The request handler a kept response literal is in: an opener in the hunk, or git's hunk header when it is above. */
function handlerOf(lines: readonly HeadLine[], opener: number, hunk: Hunk): Handler | undefined {
  const path = scriptOrGoRequestPath(lines, opener, 'script');
  if (path) return lines[path.defIndex]?.added ? undefined : path.handler;
  // The header names the top-level statement the hunk starts in: only when that statement's first line is above the hunk.
  const outermost = enclosingOpeners(lines, opener).at(-1);
  if (outermost !== undefined && indentOf(lines[outermost]?.text ?? '') === 0) return undefined;
  return scriptHandlerAt([{ text: hunk.header, line: 0, added: false }], 0, SYSTEM_POLICY);
}

interface Rename {
  from: string;
  to: string;
  literal: number;
  line: number | undefined;
}

/** Keys of one response literal that the change renames: removed, gone from the literal, and added under a new name with the same value. */
function renamesIn(hunk: Hunk): { handler: Handler; renames: Rename[] } | undefined {
  const base = baseLines(hunk);
  const before = asLines(base);
  const head = headLines(hunk);
  const removed: LiteralKey[] = [];
  base.forEach((b, i) => {
    const k = b.removed ? responseKey(before, i, (o) => base[o]?.near) : undefined;
    if (k) removed.push({ ...k, line: b.near });
  });
  if (removed.length === 0) return undefined;
  const kept: LiteralKey[] = [];
  head.forEach((h, i) => {
    const k = responseKey(head, i, (o) => head[o]?.line);
    if (k) kept.push({ ...k, line: h.line });
  });
  const renames: Rename[] = [];
  for (const old of removed) {
    const inLiteral = kept.filter((k) => k.literal === old.literal);
    if (inLiteral.some((k) => k.key === old.key)) continue;
    const now = inLiteral.find((k) => k.value === old.value && !removed.some((r) => r.literal === old.literal && r.key === k.key));
    if (now) renames.push({ from: old.key, to: now.key, literal: old.literal, line: old.line });
  }
  const openerIndex = head.findIndex((h) => h.line === renames[0]?.literal);
  const handler = openerIndex >= 0 ? handlerOf(head, openerIndex, hunk) : undefined;
  return handler ? { handler, renames } : undefined;
}

export function responseHits(file: ChangedFile): RuleHit[] {
  if (!mentions(file, MAY_RESPOND)) return [];
  const hits: RuleHit[] = [];
  for (const hunk of file.hunks) {
    // Only a hunk that removes a line and shows a response literal's opener: the keys' openers cost a walk up each.
    const found = hunk.lines.some((l) => l.kind === 'del') && hunk.lines.some((l) => RESPONSE_OPENER.test(l.text)) ? renamesIn(hunk) : undefined;
    if (!found) continue;
    const { handler, renames } = found;
    const what = handler.route ? code(handler.route) : describeHandler(handler);
    const list = renames.map((r) => `${code(r.from)} → ${code(r.to)}`).join(', ');
    hits.push({
      ...(renames[0]?.line !== undefined ? { line: renames[0].line } : {}),
      title: `Breaking change to the response of ${what}: ${renames.length > 1 ? 'fields' : 'field'} renamed`,
      message:
        `The JSON response of ${describeHandler(handler)} renames ${list} in place, under the same route and with no ` +
        'new version. Every client that reads the old names (mobile apps that update slowly, partner integrations, ' +
        'scripts, other services) gets `undefined` for them as soon as this deploys, even if the clients in this ' +
        'repository are updated in the same change.',
      remedy:
        'Keep the contract additive: send the new names beside the old ones (mark the old ones deprecated and remove ' +
        'them after a deprecation window), or serve the new shape under a new version (`/v2/...`) while the old one keeps working.',
    });
  }
  return hits;
}
