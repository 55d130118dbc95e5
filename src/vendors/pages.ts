import { UpstreamError, type UpstreamSource } from '../errors.js';

/** One page of a vendor list, in the shape every pager here speaks. */
export interface Page<T> {
  items: readonly T[];
  /** What to ask for next (a page token or cursor); absent, null or empty on the last page. */
  next?: string | null | undefined;
}

/** A runaway cursor (a vendor bug) must not spin forever: 1,000 pages of 100 is far above real use. */
const MAX_PAGES = 1_000;

/**
 * Follows a vendor's page tokens or cursors until the last page. A token the vendor repeats (a
 * server ignoring the token answers the first page forever), or more than `maxPages` pages, is an
 * UpstreamError instead of an endless loop or a silently shortened list.
 */
export async function collectPages<T>(
  source: UpstreamSource,
  fetchPage: (next: string | undefined) => Promise<Page<T>>,
  maxPages = MAX_PAGES,
): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let next: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await fetchPage(next);
    // One by one: spread into push passes every item as an argument, past the stack for a vendor
    // page of ~120,000 items (one that ignores the page size; 16 MB holds more).
    for (const item of res.items) all.push(item);
    if (!res.next) return all;
    if (seen.has(res.next)) {
      throw new UpstreamError(`${source.vendor} account "${source.account}" repeated a page token while listing`, source, 200, false);
    }
    seen.add(res.next);
    next = res.next;
  }
  throw new UpstreamError(`${source.vendor} account "${source.account}" returned more than ${maxPages} pages`, source, 200, false);
}
