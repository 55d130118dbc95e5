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

/** UTF-8 is the only charset spoken, and what a type without one is taken to be. */
const isUtf8 = (params: Map<string, string>) => {
  const charset = params.get('charset');
  return charset === undefined || charset.toLowerCase() === 'utf-8';
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
 * wins, then the more specific mention, then `application/graphql-response+json`, except where
 * only a wildcard names both (`*\/*`), which answers `application/json` as for a client that sends
 * no Accept at all: such clients predate the newer type and read its 4xx answers as failures.
 */
export function answerType(accept: string | null | undefined): AnswerType | null {
  if (accept === undefined || accept === null || accept.trim() === '') return JSON_TYPE;
  if (accept === JSON_TYPE || accept === GRAPHQL_RESPONSE) return accept;
  const best = { [GRAPHQL_RESPONSE]: { q: 0, specific: -1 }, [JSON_TYPE]: { q: 0, specific: -1 } };
  for (const text of accept.split(',')) {
    const range = parseRange(text);
    // A range asking for another charset names nothing this gateway answers in.
    if (!range || !isUtf8(range.params)) continue;
    const q = qualityOf(range.params.get('q'));
    for (const type of [GRAPHQL_RESPONSE, JSON_TYPE] as const) {
      const specific = specificity(range.type, type);
      if (specific > best[type].specific) best[type] = { q, specific };
    }
  }
  const g = best[GRAPHQL_RESPONSE];
  const j = best[JSON_TYPE];
  if (g.q <= 0 && j.q <= 0) return null;
  if (g.q !== j.q) return g.q > j.q ? GRAPHQL_RESPONSE : JSON_TYPE;
  if (g.specific !== j.specific) return g.specific > j.specific ? GRAPHQL_RESPONSE : JSON_TYPE;
  return g.specific === 2 ? GRAPHQL_RESPONSE : JSON_TYPE;
}

/** A q parameter's weight: 1 when absent; a malformed one counts as 0, accepting nothing. */
function qualityOf(q: string | undefined): number {
  if (q === undefined) return 1;
  return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q) ? Number(q) : 0;
}
