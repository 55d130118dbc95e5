import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/grants.js';
import type { RequestScope } from '../../src/scope.js';
import type { CredentialRecord, OwnerRecord } from '../../src/domain/credential.js';
import { ref, type Ref } from '../../src/domain/ref.js';
import { Sessions } from '../../src/vendors/sessions.js';
import type { AccountAdapter, AccountSession } from '../../src/vendors/types.js';

const owner = { ref: ref('Auth0Client', 'prod', 'c1'), vendor: 'AUTH0', externalId: 'c1', name: 'billing' } as unknown as OwnerRecord;
const credential = (id: string) => ({ ref: ref('Auth0ClientCredential', 'prod', 'c1', id), owner: ref('Auth0Client', 'prod', 'c1') }) as unknown as CredentialRecord;

function sessionsWith(loads: Ref[]): Sessions {
  const session = {
    vendor: 'AUTH0',
    account: 'prod',
    load: async (r: Ref) => {
      loads.push(r);
      return owner;
    },
    listOwners: async () => [owner],
  } as unknown as AccountSession;
  const adapter = { vendor: 'AUTH0', account: 'prod', session: () => session } as unknown as AccountAdapter;
  const caller: Caller = { name: 'alice', via: 'api-key', grants: [{ scope: 'credentials:read' }] };
  return new Sessions(new Map([['prod', adapter]]), new Map([['AUTH0', { configName: 'auth0', kinds: ['PUBLIC_KEY'] }]]), {} as RequestScope, caller);
}

describe('Sessions.ownerOf', () => {
  it('loads a credential’s owner once, then returns it as a value rather than a promise', async () => {
    const loads: Ref[] = [];
    const sessions = sessionsWith(loads);
    const first = sessions.ownerOf(credential('a'));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(owner);
    expect(sessions.ownerOf(credential('b'))).toBe(owner);
    expect(loads).toHaveLength(1);
  });

  it('shares one pending load between credentials asked for before it settles', async () => {
    const loads: Ref[] = [];
    const sessions = sessionsWith(loads);
    const [a, b] = [sessions.ownerOf(credential('a')), sessions.ownerOf(credential('b'))];
    expect(await a).toBe(owner);
    expect(await b).toBe(owner);
    expect(loads).toHaveLength(1);
  });

  it('returns owners of an account listed in full as values at once, without any load', async () => {
    const loads: Ref[] = [];
    const sessions = sessionsWith(loads);
    await sessions.rememberOwners(sessions.readableOrNotFound('prod'));
    expect(sessions.ownerOf(credential('a'))).toBe(owner);
    expect(loads).toHaveLength(0);
  });

  it('returns null for a credential without an owner, without any load', () => {
    const loads: Ref[] = [];
    expect(sessionsWith(loads).ownerOf({ ...credential('a'), owner: null } as CredentialRecord)).toBeNull();
    expect(loads).toHaveLength(0);
  });
});
