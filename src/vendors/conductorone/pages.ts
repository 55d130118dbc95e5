import { UpstreamError, type UpstreamSource } from '../../errors.js';

export interface TokenPage<T> {
  list?: T[] | null | undefined;
  nextPageToken?: string | null | undefined;
}

/** Enough for 100,000 items at 100 a page; a vendor looping past it is a bug, not data. */
export const MAX_PAGES = 1000;

/**
 * Follows `nextPageToken` until it is empty or absent. A token seen before (a server ignoring
 * `page_token` answers the first page forever) is an UpstreamError rather than a loop.
 */
export async function collectPages<T>(source: UpstreamSource, fetchPage: (pageToken: string | undefined) => Promise<TokenPage<T>>): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const page = await fetchPage(token);
    all.push(...(page.list ?? []));
    if (!page.nextPageToken) return all;
    if (seen.has(page.nextPageToken)) {
      throw new UpstreamError(`${source.vendor} account "${source.account}" repeated a page token; pagination stopped`, source, 200, false);
    }
    seen.add(page.nextPageToken);
    token = page.nextPageToken;
  }
  throw new UpstreamError(`${source.vendor} account "${source.account}" returned more than ${MAX_PAGES} pages`, source, 200, false);
}
