import { PartialListError, type UpstreamSource } from '../errors.js';
import { goneAsEmpty } from './not-found.js';

/**
 * Reads every owner's list (one call per owner, as the vendors have no batch endpoint) and returns
 * them in owner order. An owner deleted between listing it and this read (404) simply has none.
 * One owner failing must not hide the others: when some fail, this throws a PartialListError with
 * the lists of those that answered and the first failure as its cause; when all fail, the first
 * failure itself.
 */
export async function readEachOwner<O, R>(source: UpstreamSource, owners: readonly O[], read: (owner: O) => Promise<readonly R[]>): Promise<R[]> {
  const settled = await Promise.allSettled(owners.map((o) => read(o).catch(goneAsEmpty)));
  const records: R[] = [];
  const failures: unknown[] = [];
  for (const s of settled) {
    // One by one, as in collectPages: an owner's list of ~120,000 spread as arguments overflows the stack.
    if (s.status === 'fulfilled') for (const record of s.value) records.push(record);
    else failures.push(s.reason);
  }
  // No owner answered: the account failed, as when its owners cannot be listed; nothing partial about it.
  // (No owners at all is an empty account, not a failed one.)
  if (failures.length && failures.length === owners.length) throw failures[0];
  if (failures.length) throw new PartialListError(source, records, failures[0], failures.length, owners.length);
  return records;
}
