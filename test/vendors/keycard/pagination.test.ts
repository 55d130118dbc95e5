import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import { keycardPage, type CursorPage } from '../../../src/vendors/keycard/pagination.js';
import { collectPages } from '../../../src/vendors/pages.js';

const source = { vendor: 'KEYCARD' as const, account: 'kc' };

/** A fake vendor answering from a script of pages, recording the `after` it was asked with. */
function vendor(pages: CursorPage<number>[]) {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    fetch: async (after: string | undefined) => {
      asked.push(after);
      const page = pages[asked.length - 1];
      if (!page) throw new Error('asked for a page that does not exist');
      return keycardPage(source, page);
    },
  };
}

describe('Keycard cursor pages through the shared pager', () => {
  it('asks again with after=end_cursor until has_next_page is false', async () => {
    const v = vendor([
      { items: [1, 2], page_info: { has_next_page: true, end_cursor: 'c2' } },
      { items: [3, 4], page_info: { has_next_page: true, end_cursor: 'c4' } },
      { items: [5], page_info: { has_next_page: false, end_cursor: 'c5' } },
    ]);
    expect(await collectPages(source, v.fetch)).toEqual([1, 2, 3, 4, 5]);
    expect(v.asked).toEqual([undefined, 'c2', 'c4']);
  });

  it('stops after one page when has_next_page is false, even with a cursor', async () => {
    const v = vendor([{ items: [1], page_info: { has_next_page: false, end_cursor: 'c1' } }]);
    expect(await collectPages(source, v.fetch)).toEqual([1]);
    expect(v.asked).toEqual([undefined]);
  });

  it('accepts an empty organization', async () => {
    expect(await collectPages(source, vendor([{ items: [], page_info: { has_next_page: false } }]).fetch)).toEqual([]);
  });

  it('fails rather than returning a short list when has_next_page comes without a cursor', async () => {
    const v = vendor([{ items: [1], page_info: { has_next_page: true, end_cursor: null } }]);
    await expect(collectPages(source, v.fetch)).rejects.toThrow(UpstreamError);
    await expect(collectPages(source, vendor([{ items: [1], page_info: { has_next_page: true } }]).fetch)).rejects.toThrow(/without an end_cursor/);
  });

  it('fails rather than looping when the cursor does not advance', async () => {
    const v = vendor([
      { items: [1], page_info: { has_next_page: true, end_cursor: 'same' } },
      { items: [2], page_info: { has_next_page: true, end_cursor: 'same' } },
    ]);
    const err = await collectPages(source, v.fetch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ source, retryable: false, message: expect.stringContaining('repeated a page token') });
    expect(v.asked).toEqual([undefined, 'same']);
  });
});
