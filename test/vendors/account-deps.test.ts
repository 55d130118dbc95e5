import { describe, expect, it } from 'vitest';
import { ChangeInProgressError, UpstreamError } from '../../src/errors.js';
import { auth0 } from '../../src/vendors/auth0/index.js';
import { vault } from '../../src/vendors/vault/index.js';
import { testAccountDeps, testScope } from '../fixtures/account-deps.js';

const config = { vendor: 'vault', name: 'vault-prod', baseUrl: 'http://127.0.0.1:9', token: 'static-token' };

describe('exclusive: one change to a resource at a time', () => {
  it('refuses a change still waiting at its deadline as a retryable UpstreamError naming the account', async () => {
    const deps = testAccountDeps(vault, config);
    let ran = false;
    const outcome = await deps.exclusive('credential:a', testScope(), () =>
      deps.exclusive('credential:a', testScope({ deadline: Date.now() + 80 }), async () => void (ran = true)).catch((err: unknown) => err),
    );
    expect(ran).toBe(false);
    expect(outcome).toBeInstanceOf(UpstreamError);
    expect(outcome).toMatchObject({ source: { vendor: 'VAULT', account: 'vault-prod' }, retryable: true, status: null, cancelled: false });
    expect((outcome as Error).message).toContain('another change to the same resource in VAULT account "vault-prod"');
  });

  it('gives up the wait as a cancelled UpstreamError when the request is cancelled', async () => {
    const deps = testAccountDeps(vault, config);
    const gone = new AbortController();
    const outcome = await deps.exclusive('credential:a', testScope(), () => {
      const waiting = deps.exclusive('credential:a', testScope({ signal: gone.signal }), async () => 'ran').catch((err: unknown) => err);
      gone.abort(new DOMException('client went away', 'AbortError'));
      return waiting;
    });
    expect(outcome).toBeInstanceOf(UpstreamError);
    expect(outcome).toMatchObject({ cancelled: true, retryable: false });
  });
});

describe('exclusiveOrRefuse: one change to a resource at a time, the others refused', () => {
  const auth0Config = { vendor: 'auth0', name: 'auth0-prod', baseUrl: 'http://127.0.0.1:9', clientId: 'id', clientSecret: 'secret' };

  it('refuses a change while another holds the resource as a ChangeInProgressError with the message given, naming the account, its work never run', async () => {
    const deps = testAccountDeps(auth0, auth0Config);
    let ran = false;
    const outcome = await deps.exclusiveOrRefuse('connection:con_a', testScope(), 'first', () =>
      deps.exclusiveOrRefuse('connection:con_a', testScope(), 'another rotation is in progress', async () => void (ran = true)).catch((err: unknown) => err),
    );
    expect(ran).toBe(false);
    expect(outcome).toBeInstanceOf(ChangeInProgressError);
    expect(outcome).toMatchObject({ message: 'another rotation is in progress', source: { vendor: 'AUTH0', account: 'auth0-prod' }, code: 'CHANGE_IN_PROGRESS' });
  });

  it('lets a change of another resource, or of the same one once the first has finished, run', async () => {
    const deps = testAccountDeps(auth0, auth0Config);
    const other = await deps.exclusiveOrRefuse('connection:con_a', testScope(), 'busy', () =>
      deps.exclusiveOrRefuse('connection:con_b', testScope(), 'busy', async () => 'con_b rotated'),
    );
    expect(other).toBe('con_b rotated');
    expect(await deps.exclusiveOrRefuse('connection:con_a', testScope(), 'busy', async () => 'con_a rotated again')).toBe('con_a rotated again');
  });
});
