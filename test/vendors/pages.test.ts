import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { collectPages, type Page } from '../../src/vendors/pages.js';

const source = { vendor: 'VAULT' as const, account: 'v' };

/** A fake vendor answering from a table of pages keyed by the token asked for. */
function pages(table: Record<string, Page<number>>) {
  const asked: (string | undefined)[] = [];
  const fetch = async (token: string | undefined) => {
    asked.push(token);
    const page = table[token ?? ''];
    if (!page) throw new Error(`unexpected token ${token}`);
    return page;
  };
  return { asked, fetch };
}

describe('collectPages', () => {
  it('passes each next token back until it is absent', async () => {
    const p = pages({ '': { items: [1, 2], next: 'a' }, a: { items: [3], next: 'b' }, b: { items: [4] } });
    expect(await collectPages(source, p.fetch)).toEqual([1, 2, 3, 4]);
    expect(p.asked).toEqual([undefined, 'a', 'b']);
  });

  it.each([[''], [null]])('stops on an empty next token (%j)', async (last) => {
    const p = pages({ '': { items: [1], next: 'a' }, a: { items: [2], next: last } });
    expect(await collectPages(source, p.fetch)).toEqual([1, 2]);
  });

  it('keeps every item of a page far larger than asked for (a vendor ignoring the page size): 500,000 of them', async () => {
    const huge = Array.from({ length: 500_000 }, (_, i) => i);
    const p = pages({ '': { items: huge, next: 'a' }, a: { items: [-1] } });
    const all = await collectPages(source, p.fetch);
    expect(all).toHaveLength(500_001);
    expect(all.at(-2)).toBe(499_999);
  });

  it('follows a token past an empty page (a filtered page may be empty)', async () => {
    const p = pages({ '': { items: [], next: 'a' }, a: { items: [1] } });
    expect(await collectPages(source, p.fetch)).toEqual([1]);
  });

  it('refuses a repeated token instead of looping forever', async () => {
    const p = pages({ '': { items: [1], next: 'a' }, a: { items: [2], next: 'a' } });
    await expect(collectPages(source, p.fetch)).rejects.toThrow(UpstreamError);
    expect(p.asked).toEqual([undefined, 'a']);
  });

  it('gives up after maxPages', async () => {
    let n = 0;
    const err = await collectPages(source, async () => ({ items: [n], next: String(++n) }), 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toBe('VAULT account "v" returned more than 5 pages');
    expect(n).toBe(5);
  });

  it('propagates a failure on a later page', async () => {
    const boom = new UpstreamError('page 2 failed', source, 503, true);
    const fetch = async (token: string | undefined) => {
      if (token) throw boom;
      return { items: [1], next: 'a' };
    };
    await expect(collectPages(source, fetch)).rejects.toBe(boom);
  });
});
