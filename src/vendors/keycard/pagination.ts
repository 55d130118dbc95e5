import { UpstreamError, type UpstreamSource } from '../../errors.js';
import type { Page } from '../pages.js';

export interface CursorPage<T> {
  items: T[];
  page_info: { has_next_page: boolean; end_cursor?: string | null | undefined };
}

/**
 * Keycard cursor paging in the shared pager's terms: the next page is `after = end_cursor` while
 * `has_next_page` holds. A page claiming more without a cursor is a vendor failure rather than a
 * silently shortened list.
 */
export function keycardPage<T>(source: UpstreamSource, { items, page_info }: CursorPage<T>): Page<T> {
  if (!page_info.has_next_page) return { items };
  if (!page_info.end_cursor) {
    throw new UpstreamError(`${source.vendor} account "${source.account}" returned has_next_page without an end_cursor while paging`, source, 200, false);
  }
  return { items, next: page_info.end_cursor };
}
