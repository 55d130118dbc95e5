import { describe, expect, it } from 'vitest';
import { NotFoundError, PartialListError, UpstreamError } from '../../src/errors.js';
import { readEachOwner } from '../../src/vendors/owners.js';

const source = { vendor: 'KEYCARD' as const, account: 'kc' };
const refused = (owner: string) => new UpstreamError(`KEYCARD account "kc" does not allow the gateway this call (HTTP 403) for ${owner}`, source, 403, false);

describe('readEachOwner', () => {
  it('returns every owner’s records in owner order, an owner gone (404) as none', async () => {
    const lists: Record<string, string[] | Error> = { a: ['a1', 'a2'], gone: new NotFoundError('service account not found', source), b: ['b1'] };
    const read = async (o: string) => {
      const l = lists[o]!;
      if (l instanceof Error) throw l;
      return l;
    };
    expect(await readEachOwner(source, ['a', 'gone', 'b'], read)).toEqual(['a1', 'a2', 'b1']);
  });

  it('keeps the records of the owners that answered when others fail, with the first failure (in owner order) as the cause', async () => {
    const read = async (o: string) => {
      if (o.startsWith('bad')) throw refused(o);
      return [`${o}1`];
    };
    const err = await readEachOwner(source, ['a', 'bad1', 'b', 'bad2'], read).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialListError);
    const partial = err as PartialListError<string>;
    expect(partial).toMatchObject({ records: ['a1', 'b1'], failed: 2, owners: 4, code: 'UPSTREAM_ERROR' });
    expect((partial.cause as Error).message).toMatch(/for bad1$/);
    expect(partial.message).toBe(`the credentials of 2 of 4 owners in KEYCARD account "kc" could not be read; the first: ${(partial.cause as Error).message}`);
    expect(partial.extensions()).toEqual({ vendor: 'KEYCARD', account: 'kc', status: 403, retryable: false, partial: true });
  });

  it('keeps an unexpected cause’s message out of its own', async () => {
    const read = async (o: string) => (o === 'a' ? ['a1'] : Promise.reject(new Error('secret-ish detail')));
    const err = (await readEachOwner(source, ['a', 'b'], read).catch((e: unknown) => e)) as PartialListError;
    expect(err.message).toBe('the credentials of 1 of 2 owners in KEYCARD account "kc" could not be read; the first: failed unexpectedly');
    expect(err.code).toBe('UPSTREAM_ERROR');
  });

  it('keeps every record of an owner whose list is huge: 500,000 of them', async () => {
    const huge = Array.from({ length: 500_000 }, (_, i) => `r${i}`);
    const records = await readEachOwner(source, ['big', 'small'], async (o) => (o === 'big' ? huge : ['s1']));
    expect(records).toHaveLength(500_001);
    expect(records.at(-1)).toBe('s1');
  });

  it('reads an account with no owners as empty, not failed', async () => {
    await expect(readEachOwner(source, [], async () => ['never read'])).resolves.toEqual([]);
  });

  it('throws the first failure itself when no owner answered: the account failed, nothing partial about it', async () => {
    const err = await readEachOwner(source, ['bad1', 'bad2'], async (o) => Promise.reject(refused(o))).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PartialListError);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/for bad1$/);
  });
});
