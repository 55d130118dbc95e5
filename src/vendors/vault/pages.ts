import { UpstreamError, type UpstreamSource } from '../../errors.js';

export interface TokenPage<T> {
  items: T[];
  /** Absent, null or empty on the last page. */
  nextPageToken?: string | null | undefined;
}

/** A runaway cursor (a vendor bug) must not spin forever: 1,000 pages of 100 is far above real use. */
export const MAX_PAGES = 1_000;

/**
 * Follows `nextPageToken` cursors (AIP-158 style) until one is empty. A token the vault repeats,
 * or more than `maxPages` pages, is an UpstreamError instead of an endless loop.
 */
export async function followPages<T>(
  source: UpstreamSource,
  fetchPage: (pageToken: string | undefined) => Promise<TokenPage<T>>,
  maxPages = MAX_PAGES,
): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await fetchPage(token);
    all.push(...res.items);
    if (!res.nextPageToken) return all;
    if (seen.has(res.nextPageToken)) {
      throw new UpstreamError(`${source.vendor} account "${source.account}" repeated a page token while listing`, source, 200, false);
    }
    seen.add(res.nextPageToken);
    token = res.nextPageToken;
  }
  throw new UpstreamError(`${source.vendor} account "${source.account}" returned more than ${maxPages} pages`, source, 200, false);
}
