import { z } from 'zod';

const SCOPES = ['credentials:read', 'credentials:write', 'keys:rotate'] as const;
/** A permission's name as config and tokens spell it (a request's own scope is the unrelated `RequestScope`). */
export type ScopeName = (typeof SCOPES)[number];

/** A scope, optionally limited to some vendors and/or accounts (absent = all). */
export interface Grant {
  scope: ScopeName;
  vendors?: readonly string[];
  accounts?: readonly string[];
}

/** Who is calling, once authenticated. */
export interface Caller {
  name: string;
  via: 'api-key' | 'jwt' | 'none';
  grants: readonly Grant[];
}

/**
 * String form, for config shorthand and JWT claims: `scope`, `scope@account`, or
 * `scope@vendor:auth0`. Unknown scopes are refused, not ignored.
 */
export const grantString = z.string().transform((s, ctx): Grant => {
  const [scope, ...limits] = s.split('@');
  if (!(SCOPES as readonly string[]).includes(scope!)) {
    ctx.addIssue({ code: 'custom', message: `unknown scope; use one of ${SCOPES.join(', ')}` });
    return z.NEVER;
  }
  // Only a scope with no `@` at all is unlimited: `scope@` or `scope@vendor:` must never widen to every account.
  if (limits.length === 0) return { scope: scope as ScopeName };
  const limit = limits.length === 1 ? limits[0]! : '';
  const vendor = limit.startsWith('vendor:') ? limit.slice('vendor:'.length) : null;
  if (limit === '' || vendor === '') {
    ctx.addIssue({ code: 'custom', message: 'a limited scope names one account or vendor: scope@account or scope@vendor:name' });
    return z.NEVER;
  }
  return vendor !== null ? { scope: scope as ScopeName, vendors: [vendor.toLowerCase()] } : { scope: scope as ScopeName, accounts: [limit] };
});

export const grantSchema = z.union([
  grantString,
  z
    .object({
      scope: z.enum(SCOPES),
      vendors: z.array(z.string().min(1).transform((v) => v.toLowerCase())).min(1).optional(),
      accounts: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
]);

/** A name from the config, quoted when it looks like one; anything else may be a value put there by mistake (a secret). */
const shownName = (name: string) => (/^[A-Za-z0-9][\w.:-]{0,63}$/.test(name) ? JSON.stringify(name) : '(not shown: it does not look like a name)');

/**
 * What is wrong with a grant's limits, given the vendors the gateway knows (their `configName`s)
 * and the accounts it has: a limit naming neither grants nothing, so a typo there quietly denies.
 * For the config's grants, checked once its accounts are known; a token's are not checked (a limit
 * to an account the gateway lacks grants nothing there, as any limit grants nothing elsewhere).
 */
export function unknownLimits(grant: Grant, known: { vendors: readonly string[]; accounts: ReadonlySet<string> }): string[] {
  return [
    ...(grant.vendors ?? []).filter((v) => !known.vendors.includes(v)).map((v) => `unknown vendor ${shownName(v)}; use one of ${known.vendors.join(', ')}`),
    ...(grant.accounts ?? []).filter((a) => !known.accounts.has(a)).map((a) => `unknown account ${shownName(a)}`),
  ];
}

/** Does the caller hold `scope` for this account of this vendor (`configName`, e.g. "auth0")? */
export function allows(caller: Caller, scope: ScopeName, vendorConfigName: string, account: string): boolean {
  return caller.grants.some(
    (g) =>
      g.scope === scope &&
      (!g.vendors || g.vendors.includes(vendorConfigName)) &&
      (!g.accounts || g.accounts.includes(account)),
  );
}

export function holdsAnywhere(caller: Caller, scope: ScopeName): boolean {
  return caller.grants.some((g) => g.scope === scope);
}

export const ALL_GRANTS: readonly Grant[] = SCOPES.map((scope) => ({ scope }));
