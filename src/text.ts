/**
 * At most `max` UTF-16 units of `text`, never ending in the first half of a surrogate pair: half
 * an emoji would reach a client or a log as an unpaired "\ud83d", which strict JSON parsers refuse.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}

/**
 * Text a client can decode: each unpaired surrogate replaced with U+FFFD. A vendor's JSON can
 * hold "\ud800", which JSON.stringify passes on escaped, and which no client decodes as text.
 * `isWellFormed` first: well-formed text, nearly all, is returned as it is, not copied.
 */
export const wellFormed = (s: string): string => (s.isWellFormed() ? s : s.toWellFormed());
