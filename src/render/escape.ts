import { silenceMentions } from '../security/sanitise.js';

/**
 * Markdown that cannot carry HTML or mentions from untrusted text (file paths, PR text, model output):
 * outside code spans `<`, `>` and `&` become entities and `@name` gets a zero-width joiner so GitHub
 * does not notify anyone; code spans are kept, since GitHub shows their content literally.
 */
export function safeMarkdown(text: string): string {
  return text
    // A backslash-escaped backtick opens no code span on GitHub: make it an entity so it cannot pass
    // for one here either, or the text after it would be left unescaped.
    .replace(/\\`/g, '&#96;')
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join('');
}

function escapeText(text: string): string {
  return silenceMentions(text.replace(/&(?![a-z]+;|#\d+;)/gi, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/** At most `max` UTF-16 units (what GitHub and SARIF count), `tail` included when cut, never splitting a surrogate pair. */
export function capChars(text: string, max: number, tail = '…'): string {
  if (text.length <= max) return text;
  return text.slice(0, max - tail.length).replace(/[\uD800-\uDBFF]$/, '') + tail;
}

/** Text as an inline code span that cannot break out of it. */
export function code(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, ' ')}\``;
}

/** A table cell: safe Markdown with pipes and line breaks neutralised. */
export function cell(text: string): string {
  return safeMarkdown(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
