/** The media types a GraphQL answer comes in (GraphQL over HTTP), always UTF-8. */
export const GRAPHQL_RESPONSE = 'application/graphql-response+json';
export const JSON_TYPE = 'application/json';
export type AnswerType = typeof GRAPHQL_RESPONSE | typeof JSON_TYPE;

/** The Content-Type header of an answer in `type`. */
export const contentTypeOf = (type: AnswerType): string => `${type}; charset=utf-8`;

/** A media type as written in a header: type/subtype lowercased, its parameters (names lowercased, quotes off). */
interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseRange(text: string): MediaRange | null {
  const [range = '', ...rest] = text.split(';');
  const type = range.trim().toLowerCase();
  if (!/^[\w.+*-]+\/[\w.+*-]+$/.test(type)) return null;
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { type, params };
}

/** Names of UTF-8, and of ASCII, which is UTF-8 too. */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

/** UTF-8 is the only charset spoken, and what a type without one is taken to be. */
const isUtf8 = (params: Map<string, string>) => {
  const charset = params.get('charset');
  return charset === undefined || UTF8.has(charset.toLowerCase());
};

/**
 * A request body's media type (lowercased, without parameters), or null when it is missing,
 * malformed, or not in UTF-8. Type and subtype are case-insensitive (RFC 9110 §8.3.1).
 */
export function bodyType(header: string | undefined): string | null {
  if (header === JSON_TYPE) return header; // nearly every request: nothing to parse
  const range = header === undefined ? null : parseRange(header);
  return range && !range.type.includes('*') && isUtf8(range.params) ? range.type : null;
}

/** How specifically a media range names `type`: 2 exactly, 1 by its top-level type (`application/*`), 0 as `*\/*`, -1 not at all. */
function specificity(range: string, type: string): number {
  if (range === type) return 2;
  if (range === '*/*') return 0;
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1)) ? 1 : -1;
}

/**
 * The type to answer in for an Accept header (RFC 9110 §12.5.1), or null when the client accepts
 * neither. Each type takes the quality of the most specific range naming it; the higher quality
 * wins, then the more specific mention, then the one the client listed first. Apollo Router, for
 * one, sends `application/json` and then `application/graphql-response+json`, and reads a 4xx
 * from a subgraph as a failed call. Where only a wildcard names both (`*\/*`), `application/json`,
 * as for a client that sends no Accept at all: such clients predate the newer type.
 */
export function answerType(accept: string | null | undefined): AnswerType | null {
  if (accept === undefined || accept === null || accept.trim() === '') return JSON_TYPE;
  if (accept === JSON_TYPE || accept === GRAPHQL_RESPONSE) return accept;
  const best = { [GRAPHQL_RESPONSE]: { q: 0, specific: -1, at: 0 }, [JSON_TYPE]: { q: 0, specific: -1, at: 0 } };
  accept.split(',').forEach((text, at) => {
    const range = parseRange(text);
    // A range asking for another charset names nothing this gateway answers in.
    if (!range || !isUtf8(range.params)) return;
    const q = qualityOf(range.params.get('q'));
    for (const type of [GRAPHQL_RESPONSE, JSON_TYPE] as const) {
      const specific = specificity(range.type, type);
      if (specific > best[type].specific) best[type] = { q, specific, at };
    }
  });
  const g = best[GRAPHQL_RESPONSE];
  const j = best[JSON_TYPE];
  if (g.q <= 0 && j.q <= 0) return null;
  if (g.q !== j.q) return g.q > j.q ? GRAPHQL_RESPONSE : JSON_TYPE;
  if (g.specific !== j.specific) return g.specific > j.specific ? GRAPHQL_RESPONSE : JSON_TYPE;
  return g.at < j.at ? GRAPHQL_RESPONSE : JSON_TYPE;
}

/** A q parameter's weight: 1 when absent, and when it is not a number from 0 to 1 (a sloppy `q=.5` is still read). */
function qualityOf(q: string | undefined): number {
  const n = q === undefined || q.trim() === '' ? NaN : Number(q);
  return n >= 0 && n <= 1 ? n : 1;
}
