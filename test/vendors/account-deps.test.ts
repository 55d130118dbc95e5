import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
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
