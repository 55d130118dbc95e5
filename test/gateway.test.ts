import { RequestCache } from '@pothos/plugin-scope-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ListCredentialsDocument } from './gql/graphql.js';
import { startHarness, type Harness } from './fixtures/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => vi.restoreAllMocks());

describe('the request lifecycle', () => {
  it("drops an operation's scope-auth cache once it has executed, for the context it was built for", async () => {
    const built = vi.spyOn(RequestCache, 'fromContext');
    const cleared = vi.spyOn(RequestCache, 'clearForContext');
    const res = await h.exec(ListCredentialsDocument, { first: 5 });
    expect(res.errors).toBeUndefined();
    const contexts = new Set(built.mock.calls.map(([context]) => context));
    expect(contexts.size).toBe(1);
    expect(cleared.mock.calls.map(([context]) => context)).toEqual([...contexts]);
  });
});
