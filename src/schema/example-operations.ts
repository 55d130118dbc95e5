import { vendorModules } from '../vendors/registry.js';

const vendorFields = vendorModules
  .flatMap((m) => m.exampleFields)
  .map((f) => `        ${f}`)
  .join('\n');

/** What GraphiQL opens with: the question this product exists to answer. */
export const DEFAULT_QUERY = `# Which machine credentials, in any vendor and account, expire in the next 30 days
# (or already have, or may have: UNKNOWN)? Soonest first. Try changing the filter: vendors,
# accounts, statuses (ACTIVE, EXPIRING, EXPIRED, NEVER_EXPIRES, UNKNOWN), kinds, expiresBefore, owner.
query ExpiringCredentials {
  credentials(filter: { statuses: [EXPIRING, EXPIRED, UNKNOWN] }, first: 50) {
    totalCount
    edges {
      node {
        __typename
        id
        vendor
        account
        name
        kind
        status
        expiresAt
        owner { __typename name }
${vendorFields}
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** The second GraphiQL tab: changing a credential, the same way for every vendor. */
export const UPDATE_EXAMPLE = `# Change a credential: set only what should change. Each vendor accepts a subset:
#   Auth0 client credentials: expiresAt (null clears it)   ConductorOne: name
#   Keycard: name, description                             vault: name, description, expiresAt, value
# A field the vendor cannot change is an UnsupportedChangeError, and nothing is sent.
#
# 1. Run FindCredential and copy an id into the variables below.
# 2. Run ExtendCredential. Run it again with the same idempotencyKey: the first
#    outcome comes back and nothing is sent twice. Use a new key for a new change.
query FindCredential {
  credentials(filter: { vendors: [AUTH0], kinds: [PUBLIC_KEY, CERTIFICATE], statuses: [EXPIRING, EXPIRED] }, first: 5) {
    edges { node { id name account expiresAt status } }
  }
}

mutation ExtendCredential($id: ID!, $expiresAt: DateTime, $key: String) {
  updateCredential(input: { id: $id, expiresAt: $expiresAt, idempotencyKey: $key }) {
    __typename
    ... on UpdateCredentialSuccess { credential { id name expiresAt status } }
    ... on UnsupportedChangeError { unsupportedFields supportedFields }
    ... on Error { message }
  }
}
`;

/** The third GraphiQL tab: rotating an Auth0 connection's signing keys. */
export const ROTATE_EXAMPLE = `# Rotate an Auth0 connection's signing keys: Auth0 generates a new NEXT key (how the
# other keys' roles shift is Auth0's to decide: read keys afterwards). Not idempotent upstream —
# every call retires a key — so the gateway never retries it; send an idempotencyKey
# and a repeated request returns the first outcome instead of rotating again.
#
# 1. Run FindConnection and copy an owner id (an Auth0Connection) into the variables.
# 2. Run RotateKeys, then FindConnection again to see the roles move.
query FindConnection {
  credentials(filter: { kinds: [SIGNING_KEY] }, first: 20) {
    edges { node { ... on Auth0ConnectionKey { kid role expiresAt } owner { __typename id name } } }
  }
}

mutation RotateKeys($connectionId: ID!, $key: String) {
  rotateConnectionKeys(input: { connectionId: $connectionId, idempotencyKey: $key }) {
    __typename
    ... on RotateConnectionKeysSuccess { newKey { kid role algorithm } keys { kid role expiresAt } }
    ... on UpstreamError { message outcomeUnknown }
    ... on Error { message }
  }
}
`;

/** GraphiQL's tabs: the expiring-credentials question first, then a change and a rotation. */
export function graphiqlTabs(headers: string | undefined, now = new Date()) {
  const inHalfAYear = new Date(now.getTime() + 182 * 86_400_000).toISOString().slice(0, 10);
  const vars = (v: Record<string, unknown>) => JSON.stringify(v, null, 2);
  return [
    { query: DEFAULT_QUERY, headers },
    { query: UPDATE_EXAMPLE, variables: vars({ id: '<an id from FindCredential>', expiresAt: `${inHalfAYear}T00:00:00Z`, key: 'extend-1' }), headers },
    { query: ROTATE_EXAMPLE, variables: vars({ connectionId: '<an Auth0Connection id from FindConnection>', key: 'rotate-1' }), headers },
  ];
}
