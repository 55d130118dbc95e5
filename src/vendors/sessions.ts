import type { RequestScope } from '../context.js';
import type { Vendor } from '../domain/vendor.js';
import { NotFoundError } from '../errors.js';
import type { AccountAdapter, AccountSession } from './types.js';

/** Per-request, lazily created sessions of every configured account. */
export class Sessions {
  private readonly open = new Map<string, AccountSession>();

  constructor(
    private readonly adapters: ReadonlyMap<string, AccountAdapter>,
    private readonly scope: RequestScope,
  ) {}

  /** Accounts matching the optional vendor and account-name filters, in config order. */
  select(filter: { vendors?: readonly Vendor[] | null; accounts?: readonly string[] | null } = {}): AccountSession[] {
    const result: AccountSession[] = [];
    for (const adapter of this.adapters.values()) {
      if (filter.vendors?.length && !filter.vendors.includes(adapter.vendor)) continue;
      if (filter.accounts?.length && !filter.accounts.includes(adapter.account)) continue;
      result.push(this.get(adapter.account));
    }
    return result;
  }

  has(account: string): boolean {
    return this.adapters.has(account);
  }

  get(account: string): AccountSession {
    let session = this.open.get(account);
    if (!session) {
      const adapter = this.adapters.get(account);
      if (!adapter) throw new NotFoundError(`no account named "${account}" is configured`);
      session = adapter.session(this.scope);
      this.open.set(account, session);
    }
    return session;
  }
}
