/**
 * Orders two strings by UTF-16 code unit, as `Array.prototype.sort` does by default. Unlike
 * `localeCompare`, the order is the same on every runner whatever its locale, and the first call
 * does not pay for loading ICU's collation data (about 10 ms).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
