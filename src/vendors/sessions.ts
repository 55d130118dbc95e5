import { allows, type Caller, type ScopeName } from '../auth/grants.js';
import type { CredentialKind, CredentialRecord, OwnerRecord } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import type { Vendor } from '../domain/vendor.js';
import { NotFoundError, PermissionDeniedError } from '../errors.js';
import type { RequestScope } from '../scope.js';
import type { AccountAdapter, AccountSession } from './types.js';

/** What the sessions need of a vendor's module (VendorModule has both). */
export interface VendorFacts {
  readonly configName: string;
  readonly kinds: readonly CredentialKind[];
}

/**
 * Per-request, lazily created sessions of the accounts this caller may use. Reads of accounts
 * the caller may not read behave as if the account did not exist (no counts, no errors leak);
 * writes elsewhere are PermissionDeniedError.
 */
export class Sessions {
  private readonly open = new Map<string, AccountSession>();
  private readonly owners = new Map<string, OwnerRecord | null | Promise<OwnerRecord | null>>();

  /**
   * `adapters` by account name; `vendors`: what each of their vendors' module declares: its name in
   * config and in `scope@vendor:name` grants (`configName`), and the kinds its credentials can be.
   */
  constructor(
    private readonly adapters: ReadonlyMap<string, AccountAdapter>,
    private readonly vendors: ReadonlyMap<Vendor, VendorFacts>,
    private readonly scope: RequestScope,
    private readonly caller: Caller,
  ) {}

  private may(adapter: AccountAdapter, needed: ScopeName): boolean {
    return allows(this.caller, needed, this.vendors.get(adapter.vendor)!.configName, adapter.account);
  }

  /**
   * Readable accounts matching the optional vendor and account-name filters, in config order. With
   * `kinds`, only accounts of vendors whose credentials can be of one of them: the others could add
   * nothing to a list so filtered, so they are not asked (nor listed as failed).
   */
  select(filter: { vendors?: readonly Vendor[] | null; accounts?: readonly string[] | null; kinds?: readonly CredentialKind[] | null } = {}): AccountSession[] {
    const result: AccountSession[] = [];
    for (const adapter of this.adapters.values()) {
      if (filter.vendors?.length && !filter.vendors.includes(adapter.vendor)) continue;
      if (filter.accounts?.length && !filter.accounts.includes(adapter.account)) continue;
      if (filter.kinds?.length && !filter.kinds.some((k) => this.vendors.get(adapter.vendor)!.kinds.includes(k))) continue;
      if (!this.may(adapter, 'credentials:read')) continue;
      result.push(this.session(adapter));
    }
    return result;
  }

  /** The account's session if it exists and the caller may read it; otherwise null. */
  readable(account: string): AccountSession | null {
    const adapter = this.adapters.get(account);
    return adapter && this.may(adapter, 'credentials:read') ? this.session(adapter) : null;
  }

  /** The vendor of a configured account, whatever the caller may do there (for audit records). */
  vendorOf(account: string): Vendor | null {
    return this.adapters.get(account)?.vendor ?? null;
  }

  /** The account's session for a change needing the `needed` scope; refuses before anything is sent. */
  writable(account: string, needed: ScopeName): AccountSession {
    const adapter = this.adapters.get(account);
    // No vendor: it would tell a caller who may not act there that the account exists.
    const refused = () => new PermissionDeniedError(`caller "${this.caller.name}" lacks ${needed} on account "${account}"`, { scope: needed, account });
    if (!adapter) {
      // Only a caller whose grant would cover an account of that name learns that none exists:
      // to anyone else, a missing account and another's look alike.
      const couldAct = this.caller.grants.some((g) => g.scope === needed && !g.vendors && (!g.accounts || g.accounts.includes(account)));
      throw couldAct ? new NotFoundError(`no account named "${account}" is configured`) : refused();
    }
    if (!this.may(adapter, needed)) throw refused();
    return this.session(adapter);
  }

  /**
   * Same-account navigation from a record already read (owner → credentials and back). A record
   * of an account the caller may not read (a change it made there) proves the account exists:
   * saying it is not configured would be false.
   */
  readableOrNotFound(account: string): AccountSession {
    const session = this.readable(account);
    if (session) return session;
    const adapter = this.adapters.get(account);
    if (!adapter) throw new NotFoundError(`no account named "${account}" is configured`);
    throw new PermissionDeniedError(`caller "${this.caller.name}" lacks credentials:read on account "${account}"`, {
      scope: 'credentials:read',
      account,
      vendor: adapter.vendor,
    });
  }

  /**
   * A credential's owner. The credentials of a list share a few owners: once one is read it is
   * returned as a value rather than a promise, so graphql-js completes the other credentials
   * synchronously instead of awaiting each.
   */
  ownerOf(c: CredentialRecord): OwnerRecord | null | Promise<OwnerRecord | null> {
    const ref = c.owner;
    if (!ref) return null;
    const key = memoKey(ref);
    const known = this.owners.get(key);
    if (known !== undefined) return known;
    // A credential from an account the caller may not read (the new key of a rotation it may
    // make) shows no owner.
    const session = this.readable(ref.account);
    if (!session) return null;
    const pending = session
      .load(ref)
      .then((owner) => {
        this.owners.set(key, owner as OwnerRecord | null);
        return owner as OwnerRecord | null;
      });
    this.owners.set(key, pending);
    return pending;
  }

  /**
   * After a full list of an account's credentials: its owners, already read for that list, become
   * known values, so every listed credential's `owner` completes synchronously (and the list with it).
   */
  async rememberOwners(session: AccountSession): Promise<void> {
    const owners = await session.listOwners();
    for (const o of owners) this.owners.set(memoKey(o.ref), o);
  }

  private session(adapter: AccountAdapter): AccountSession {
    let session = this.open.get(adapter.account);
    if (!session) {
      session = adapter.session(this.scope);
      this.open.set(adapter.account, session);
    }
    return session;
  }
}

/** A ref as a map key within one request: cheaper than refKey's JSON, which must also sort stably. */
const memoKey = (r: Ref) => `${r.typename}\u0000${r.account}\u0000${r.path.length === 1 ? r.path[0] : r.path.join('\u0000')}`;
