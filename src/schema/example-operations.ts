import { vendorModules } from '../vendors/registry.js';

const vendorFields = vendorModules
  .flatMap((m) => m.exampleFields)
  .map((f) => `        ${f}`)
  .join('\n');

/** What GraphiQL opens with: the question this product exists to answer. */
export const DEFAULT_QUERY = `# Which machine credentials, in any vendor and account, expire in the next 30 days
# (or already have)? Soonest first. Try changing the filter: vendors, accounts,
# statuses (ACTIVE, EXPIRING, EXPIRED, NEVER_EXPIRES), kinds, expiresBefore, owner.
query ExpiringCredentials {
  credentials(filter: { statuses: [EXPIRING, EXPIRED] }, first: 50) {
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
