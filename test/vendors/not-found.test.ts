import { describe, expect, it } from 'vitest';
import { AccountNotFoundError, NotFoundError } from '../../src/errors.js';
import { accountMissing, goneAsEmpty, nullIfNotFound } from '../../src/vendors/not-found.js';

const source = { vendor: 'KEYCARD' as const, account: 'kc' };
const fail = (err: Error) => async () => {
  throw err;
};

describe('goneAsEmpty and nullIfNotFound', () => {
  it('take a resource the vendor says does not exist as gone: no credentials, null', async () => {
    const gone = new NotFoundError('service account not found in KEYCARD account "kc"', source);
    expect(goneAsEmpty(gone)).toEqual([]);
    expect(await nullIfNotFound(fail(gone))).toBeNull();
  });

  it('never take an account whose own place does not exist (AccountNotFoundError) as gone: it is the account failing', async () => {
    const missing = new AccountNotFoundError('organization not found in KEYCARD account "kc"', source);
    expect(() => goneAsEmpty(missing)).toThrow(missing);
    await expect(nullIfNotFound(fail(missing))).rejects.toBe(missing);
  });
});

describe('accountMissing', () => {
  it("turns a 404 of the account's own list into the account missing, which never reads as gone", () => {
    const listed = new NotFoundError('clients not found in AUTH0 account "a0"', { vendor: 'AUTH0', account: 'a0' });
    const err = (() => {
      try {
        accountMissing(listed);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AccountNotFoundError);
    expect(err).toMatchObject({ message: listed.message, source: listed.source, code: 'NOT_FOUND' });
    expect(() => goneAsEmpty(err)).toThrow(err as Error);
  });

  it('passes any other failure on as it is', () => {
    const other = new Error('boom');
    expect(() => accountMissing(other)).toThrow(other);
  });
});
