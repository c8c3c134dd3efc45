/**
 * The one token estimate the LLM reviewer budgets with. Deliberately conservative: the budget is a
 * promise to the user ("never more than max-input-tokens"), so an estimate that runs high is safe
 * and one that runs low is a bug. Code and English run at about 3.5–4 characters a token; characters
 * outside ASCII (CJK, emoji, accented text) often cost a token each, so they are counted as one.
 */

const ASCII_CHARS_PER_TOKEN = 3.5;

/** The estimate of a text with `ascii` ASCII characters and `other` other code points. */
function tokensOf(ascii: number, other: number): number {
  return Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + other;
}

/** The estimated input tokens of `text`: ASCII at 3.5 characters a token, every other code point a token. */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) ascii++;
    else other++;
  }
  return tokensOf(ascii, other);
}

/**
 * `text` cut so that it, with `marker` appended when cut, is estimated at no more than `maxTokens`.
 * Cuts at a line break when one is near the end, so a cut body does not end mid-word.
 */
export function capTokens(text: string, maxTokens: number, marker = '\n[… truncated]'): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const room = maxTokens - estimateTokens(marker);
  if (room <= 0) return '';
  // The estimate only grows with the text: keep code points while the prefix stays within `room`.
  let ascii = 0;
  let other = 0;
  let end = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) ascii++;
    else other++;
    if (tokensOf(ascii, other) > room) break;
    end += ch.length;
  }
  const cut = text.slice(0, end);
  const lineBreak = cut.lastIndexOf('\n');
  const tidy = lineBreak > cut.length * 0.8 ? cut.slice(0, lineBreak) : cut;
  return `${tidy}${marker}`;
}
