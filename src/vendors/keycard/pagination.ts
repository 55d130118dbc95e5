import { UpstreamError, type UpstreamSource } from '../../errors.js';

export interface CursorPage<T> {
  items: T[];
  page_info: { has_next_page: boolean; end_cursor?: string | null | undefined };
}

/** Far beyond any real organization (100 per page); a vendor bug must not loop forever. */
const MAX_PAGES = 1000;

/**
 * Keycard cursor paging: ask again with `after = end_cursor` until `has_next_page` is false. A page
 * claiming more without a cursor, or a cursor that does not advance, is a vendor failure rather than
 * a silently shortened list.
 */
export async function collectPages<T>(source: UpstreamSource, fetchPage: (after: string | undefined) => Promise<CursorPage<T>>): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const { items, page_info } = await fetchPage(after);
    all.push(...items);
    if (!page_info.has_next_page) return all;
    const next = page_info.end_cursor;
    if (!next) throw broken(source, 'has_next_page without an end_cursor');
    if (seen.has(next)) throw broken(source, 'a cursor that does not advance');
    seen.add(next);
    after = next;
  }
  throw broken(source, `more than ${MAX_PAGES} pages`);
}

const broken = (source: UpstreamSource, what: string) =>
  new UpstreamError(`${source.vendor} account "${source.account}" returned ${what} while paging`, source, 200, false);
