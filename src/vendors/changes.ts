import type { ChangeField, CredentialChange } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import type { Vendor } from '../domain/vendor.js';
import { UnsupportedChangeError, ValidationError, withArticle } from '../errors.js';

/**
 * What each credential type of a vendor accepts in `updateCredential`, by GraphQL typename. A type
 * missing from the table is not a credential of that vendor.
 */
export type UpdatableFields = Readonly<Record<string, readonly ChangeField[]>>;

/**
 * Refuses, before anything is sent, a change to a type the vendor cannot update or to fields that
 * type cannot change. Returns the fields that will be sent.
 */
export function acceptedChange(vendor: Vendor, table: UpdatableFields, r: Ref, change: CredentialChange): ChangeField[] {
  const supported = table[r.typename];
  if (!supported) {
    throw new ValidationError(`input.id must be the id of ${withArticle(vendor)} credential, not of ${withArticle(r.typename)}`, [
      { field: 'input.id', message: 'not a credential id' },
    ]);
  }
  const fields = Object.keys(change) as ChangeField[];
  const refused = fields.filter((f) => !supported.includes(f));
  if (refused.length) throw new UnsupportedChangeError(vendor, r.typename, refused, [...supported]);
  return fields;
}
