import { describe, expect, it } from 'vitest';
import { AccountNotFoundError, NotFoundError } from '../../src/errors.js';
import { goneAsEmpty, nullIfNotFound } from '../../src/vendors/not-found.js';

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
