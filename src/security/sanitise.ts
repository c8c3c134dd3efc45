/**
 * The two crossings of untrusted text: PR content on its way to a model (`sanitiseUntrusted` removes
 * what a reader of the rendered PR cannot see) and model output on its way to GitHub
 * (`neutraliseModelText` makes it unable to notify, render HTML, load images or hide markers).
 */

/** Left where hidden content was removed, so a reader of the model's input knows something was there. */
export const REMOVED_HIDDEN = '[removed hidden content]';
export const REMOVED_IMAGE = '[removed image]';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** Zero-width and format characters, fillers that render as nothing, and single variation selectors. */
const INVISIBLE = /[\u00AD\u034F\u115F\u1160\u180E\u200B-\u200D\u2060-\u2064\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|\u{E0001}|[\u{E0100}-\u{E01EF}]/gu;
/** Unicode tag characters and runs of variation selectors: ASCII smuggled invisibly after a visible character. */
const SMUGGLED = /[\u{E0000}-\u{E007F}]+|(?:[\uFE00-\uFE0F]|[\u{E0100}-\u{E01EF}]){2,}/gu;
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Anything the slow path may change: without one of these, the text is returned as it is. */
const SUSPECT = /[<[\u0000-\u0008\u000B-\u001F\u007F-\u00AD\u034F\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB\uD800-\uDFFF]/;

/** Every HTML comment, also `<!-->`, and an unterminated one to the end of the text (it hides everything after it). */
const HTML_COMMENT = /<!--(?:-?>|[\s\S]*?(?:--!?>|$))/g;
/** Markdown's comment idioms: link reference definitions that point nowhere, `[//]: # (…)`, `[comment]: <> (…)`. */
const REFERENCE_COMMENT = /^ {0,3}\[[^\]\n]+\]:[ \t]*(?:#|<>|<#>)[ \t]*(?:\([^\n]*\)|"[^\n]*"|'[^\n]*')?[ \t]*$/gm;
const OPEN_TAG = /<([A-Za-z][\w-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`]+))?)*)\s*(\/?)>/g;
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose content a reader never sees, whatever their attributes. */
const INERT_ELEMENTS = new Set(['script', 'style', 'template']);
const HIDING_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden|(?:font-size|opacity)\s*:\s*0(?:\.0+)?(?:px|em|rem|pt|%)?\s*(?:[;!]|$)/i;

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029]/g, '\n');
}

/** Control, bidirectional and invisible characters removed; smuggled runs leave a trace when `trace` is set. */
function stripCharacters(text: string, trace: boolean): string {
  return normaliseNewlines(text)
    .replace(SMUGGLED, trace ? REMOVED_HIDDEN : '')
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .replace(INVISIBLE, '');
}

/** Why an element hides its content from a reader of the rendered page, if it does. JSX (`hidden={open}`, `style={{…}}`) is code, not markup. */
function hidingOf(name: string, attributes: string): string | undefined {
  const tag = name.toLowerCase();
  if (INERT_ELEMENTS.has(tag)) return REMOVED_HIDDEN;
  if ((tag === 'img' || tag === 'picture') && !/=\s*\{/.test(attributes)) return REMOVED_IMAGE;
  if (/(?:^|\s)hidden(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s{][^\s]*))?(?=\s|$)/i.test(attributes)) return REMOVED_HIDDEN;
  if (tag === 'input' && /\btype\s*=\s*["']?hidden/i.test(attributes)) return REMOVED_HIDDEN;
  const style = /(?:^|\s)style\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attributes);
  return style && HIDING_STYLE.test(style[1] ?? style[2] ?? '') ? REMOVED_HIDDEN : undefined;
}

/** Where the element opened before `from` ends: after its matching close tag, or the end of the text when it is never closed. */
function elementEnd(text: string, name: string, from: number): number {
  const tags = new RegExp(`<(/?)${name}(?=[\\s/>])[^>]*>`, 'gi');
  tags.lastIndex = from;
  let depth = 1;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    if (m[1]) depth--;
    else if (!m[0].endsWith('/>')) depth++;
    if (depth === 0) return tags.lastIndex;
  }
  return text.length;
}

/** Hidden elements (with their content), inert ones (`<script>`, `<style>`) and images (alt-text smuggling) replaced by a trace. */
function removeHiddenElements(text: string): string {
  const tags = new RegExp(OPEN_TAG.source, 'g');
  let out = '';
  let from = 0;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    const name = m[1] ?? '';
    const trace = hidingOf(name, m[2] ?? '');
    if (!trace) continue;
    const end = m[3] || VOID_ELEMENTS.has(name.toLowerCase()) ? tags.lastIndex : elementEnd(text, name, tags.lastIndex);
    out += text.slice(from, m.index) + trace;
    from = end;
    tags.lastIndex = end;
  }
  return out + text.slice(from);
}

function sanitisePass(text: string): string {
  const removed = stripCharacters(text, true)
    .replace(HTML_COMMENT, REMOVED_HIDDEN)
    .replace(REFERENCE_COMMENT, REMOVED_HIDDEN);
  return removeHiddenElements(removed).replace(/(\[removed (?:hidden content|image)\])(?:\1)+/g, '$1');
}

/**
 * PR text or a diff line made safe to show a model: HTML comments (an unterminated one to the end of
 * the text: sanitise a diff line by line), hidden and inert markup, images, Markdown comments,
 * invisible, bidirectional and control characters removed. Code is kept: `a < b`, `List<String>`,
 * `<Button onClick={f}>`. Removed markup leaves `[removed hidden content]`. Idempotent.
 */
export function sanitiseUntrusted(text: string): string {
  if (!SUSPECT.test(text) && !text.includes('\r')) return text;
  let current = text;
  // Removing one thing can join the pieces of another (`<!<!-- -->--`): repeat until nothing changes.
  for (let i = 0; i < 10; i++) {
    const next = sanitisePass(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** `@user` and `@org/team` that cannot notify anyone: a word joiner after the `@` (invisible, but no longer a mention). */
export function silenceMentions(text: string): string {
  return text.replace(/@(?=[\w-])/g, '@\u2060');
}

/** Text that imitates our own hidden markers (`<!-- architect-review:summary -->`), so our comments cannot be forged. */
function removeMarkerImitations(text: string): string {
  // Until nothing changes: removing one imitation must not join the pieces around it into another.
  let out = text;
  for (let previous = ''; previous !== out; ) {
    previous = out;
    out = out.replace(/<!--\s*architect-review[^\n]*?(?:-->|$)/gim, '');
  }
  return out;
}

/** A link destination's scheme as a browser would read it: entities and escapes decoded, whitespace and controls dropped. */
function schemeOf(destination: string): string {
  const decoded = destination
    .replace(/&#x0*([0-9a-f]{1,6});?/gi, (_, hex: string) => String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff)))
    .replace(/&#0*(\d{1,7});?/g, (_, dec: string) => String.fromCodePoint(Math.min(Number(dec), 0x10ffff)))
    .replace(/&colon;/gi, ':')
    .replace(/&(?:tab|newline);/gi, '')
    .replace(/\\(.)/g, '$1')
    .replace(/[\u0000-\u0020]/g, '');
  return /^[a-z][a-z0-9+.-]*:/i.exec(decoded)?.[0].toLowerCase() ?? '';
}

const UNSAFE_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'file:']);

/** `[x](javascript:…)` and `[x]: data:…` turned into fragment links (`#javascript:…`), which go nowhere. */
function blockUnsafeLinks(text: string): string {
  return text.replace(/(\]\(\s*<?|^ {0,3}\[[^\]\n]+\]:[ \t]*<?)([^)\s>]{1,200})/gm, (whole, lead: string, destination: string) =>
    UNSAFE_SCHEMES.has(schemeOf(destination)) ? `${lead}#${destination}` : whole,
  );
}

/** HTML comments that are closed (`<!-- … -->`, `<!-->`); an unclosed `<!--` is left for the escaping to make visible. */
function removeClosedComments(text: string): string {
  let out = '';
  let from = 0;
  for (let open = text.indexOf('<!--'); open !== -1; open = text.indexOf('<!--', from)) {
    const empty = /^<!---?>/.exec(text.slice(open, open + 6))?.[0];
    const close = empty ? open + empty.length : text.indexOf('-->', open + 4) + 3;
    if (close < 3) break; // never closed, nor is any later one
    out += text.slice(from, open);
    from = close;
  }
  return out + text.slice(from);
}

/** Prose the model wrote, outside code fences: no comments, no images, no unsafe links, no HTML, no mentions. */
function neutraliseProse(text: string): string {
  const withoutComments = removeClosedComments(text);
  const linksOnly = blockUnsafeLinks(withoutComments.replace(/!\[/g, '['));
  // A word joiner after `<` keeps `List<String>` looking the same in text and in code spans, but no tag can start there.
  return silenceMentions(linksOnly.replace(/<(?=[A-Za-z/!?])/g, '<\u2060'));
}

const FENCE_OPEN = /^(`{3,}(?=[^`]*$)|~{3,})/;
/** A fence behind indentation or a list or quote marker: where it ends depends on containers, which only a full parser knows. */
const CONTAINED_FENCE = /^[ \t>*+\-.)\d]+(?:`{3}|~{3})/m;

/**
 * Applies `prose` to the text outside fenced code blocks; fences and their content stay as they are
 * (a suggestion must commit exactly what the model wrote). Only fences at the start of a line count:
 * when any fence sits inside a container, all of the text is treated as prose, since code wrongly
 * taken for prose only looks odd, while prose taken for code would let raw HTML through.
 */
function outsideFences(text: string, prose: (part: string) => string): string {
  if (CONTAINED_FENCE.test(text)) return prose(text);
  const out: string[] = [];
  let pending: string[] = [];
  let fence: string | undefined;
  const flush = (): void => {
    if (pending.length) out.push(prose(pending.join('\n')));
    pending = [];
  };
  for (const line of text.split('\n')) {
    if (fence === undefined) {
      const open = FENCE_OPEN.exec(line)?.[1];
      if (open === undefined) {
        pending.push(line);
        continue;
      }
      flush();
      fence = open;
    } else {
      const close = /^(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
    }
    out.push(line);
  }
  flush();
  return out.join('\n');
}

/**
 * Model output made safe to post: no @-mentions that notify, raw HTML shown as text, HTML comments,
 * images (tracking pixels, exfiltration by URL) and `javascript:`/`data:` links removed or made inert,
 * invisible and bidirectional characters and imitations of our hidden markers removed everywhere.
 * Fenced code (suggestions) is kept verbatim apart from those characters and markers. Idempotent.
 */
export function neutraliseModelText(text: string): string {
  return outsideFences(removeMarkerImitations(stripCharacters(text, false)), neutraliseProse);
}

/** Code the model wrote (a suggestion's replacement lines): only invisible, bidirectional and control characters and marker imitations removed. */
export function neutraliseModelCode(text: string): string {
  return removeMarkerImitations(stripCharacters(text, false));
}
