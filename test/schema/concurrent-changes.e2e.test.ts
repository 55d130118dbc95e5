import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/domain/vendor.js';
import { KeycardNodeDocument, KeycardUpdateCredentialDocument, UpdateCredentialDocument } from '../gql/graphql.js';
import { VENDOR_READS, vendorRead } from '../fixtures/faults.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

/** Changes of one credential at once, and in order within one request (README: "Changes at once"). */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const writes = (vendor: Vendor) => h.sim(vendorRead(vendor).account).apiRequests().filter((r) => r.method !== 'GET');
/** A change each vendor accepts, distinct per `n`. */
const change = (vendor: Vendor, n: number) => (vendor === 'AUTH0' ? { expiresAt: `${2030 + n}-01-01T00:00:00.000Z` } : { name: `renamed-${n}` });

describe('two updates of one credential at once', () => {
  it('applies both of a Keycard credential, each PATCH carrying only its own field: neither is lost', async () => {
    const keycard = vendorRead('KEYCARD');
    const sim = h.sim(keycard.account);
    sim.setLatency(30);
    const { globalId } = keycard.credentials(sim)[0]!;
    const [a, b] = await Promise.all([
      h.exec(KeycardUpdateCredentialDocument, { input: { id: globalId, name: 'ci-deployer' } }),
      h.exec(KeycardUpdateCredentialDocument, { input: { id: globalId, description: 'Deploys from CI' } }),
    ]);
    expect([a.data!.updateCredential.__typename, b.data!.updateCredential.__typename]).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
    expect(writes('KEYCARD').map((r) => r.body)).toEqual(expect.arrayContaining([{ name: 'ci-deployer' }, { description: 'Deploys from CI' }]));
    const read = await h.exec(KeycardNodeDocument, { id: globalId });
    expect(read.data!.node).toMatchObject({ name: 'ci-deployer', description: 'Deploys from CI' });
  });

  it.each(VENDOR_READS.map((v) => [v.vendor] as const))('with one idempotency key makes one change in %s; the others get its outcome, replayed', async (vendor) => {
    const v = vendorRead(vendor);
    const sim = h.sim(v.account);
    sim.setLatency(50);
    const { globalId } = v.credentials(sim)[0]!;
    const input = { id: globalId, idempotencyKey: `at-once-${vendor}-${Date.now()}`, ...change(vendor, 1) };
    const results = await Promise.all(Array.from({ length: 3 }, () => h.exec(UpdateCredentialDocument, { input })));
    const answers = results.map((r) => r.data!.updateCredential);
    expect(answers.map((a) => a.__typename)).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
    expect(answers.map((a) => (a as { replayed: boolean }).replayed).sort()).toEqual([false, true, true]);
    expect(writes(vendor)).toHaveLength(1);
  });
});

describe('updates of one credential in one mutation document', () => {
  it.each(VENDOR_READS.map((v) => [v.vendor] as const))('run in order in %s, each answered with the state its own write left', async (vendor) => {
    const v = vendorRead(vendor);
    const { globalId } = v.credentials(h.sim(v.account))[1]!;
    const [field, first] = Object.entries(change(vendor, 2))[0]!;
    const second = Object.values(change(vendor, 3))[0]!;
    const query = `mutation($id: ID!, $first: ${field === 'name' ? 'String' : 'DateTime'}, $second: ${field === 'name' ? 'String' : 'DateTime'}) {
      a: updateCredential(input: { id: $id, ${field}: $first }) { ... on UpdateCredentialSuccess { credential { ${field} } } }
      b: updateCredential(input: { id: $id, ${field}: $second }) { ... on UpdateCredentialSuccess { credential { ${field} } } }
    }`;
    const body = (await (await h.post(JSON.stringify({ query, variables: { id: globalId, first, second } }))).json()) as { data: Record<'a' | 'b', { credential: Record<string, string> }> };
    expect(body.data).toEqual({ a: { credential: { [field]: first } }, b: { credential: { [field]: second } } });
    expect(writes(vendor)).toHaveLength(2);
  });
});
