/**
 * The one token estimate the LLM reviewer budgets with. Deliberately conservative: the budget is a
 * promise to the user ("never more than max-input-tokens"), so an estimate that runs high is safe
 * and one that runs low is a bug. Code and English run at about 3.5–4 characters a token; characters
 * outside ASCII (CJK, emoji, accented text) often cost a token each, so they are counted as one.
 */

const ASCII_CHARS_PER_TOKEN = 3.5;

/** The estimated input tokens of `text`: ASCII at 3.5 characters a token, every other code point a token. */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + other;
}

/**
 * `text` cut so that it, with `marker` appended when cut, is estimated at no more than `maxTokens`.
 * Cuts at a line break when one is near the end, so a cut body does not end mid-word.
 */
export function capTokens(text: string, maxTokens: number, marker = '\n[… truncated]'): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const room = maxTokens - estimateTokens(marker);
  if (room <= 0) return '';
  // Every code point costs at most one token, so `room` code points always fit; grow from there.
  const points = [...text];
  let low = Math.min(room, points.length);
  let high = points.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (estimateTokens(points.slice(0, mid).join('')) <= room) low = mid;
    else high = mid - 1;
  }
  const cut = points.slice(0, low).join('');
  const lineBreak = cut.lastIndexOf('\n');
  const tidy = lineBreak > cut.length * 0.8 ? cut.slice(0, lineBreak) : cut;
  return `${tidy}${marker}`;
}
