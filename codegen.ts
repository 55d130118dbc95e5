import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * What a GraphQL client of this gateway needs, generated from the printed schema: typed documents
 * (client preset) for the operations in test/operations/*.graphql, and `possibleTypes` for
 * Apollo Client's cache (the `Credential`/`CredentialOwner` interfaces and the mutation result
 * unions). The end-to-end tests use both; a client project copies this file and points
 * `documents` at its own operations.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        // NodeNext resolution wants explicit extensions in the generated imports.
        emitLegacyCommonJSImports: false,
      },
      presetConfig: { fragmentMasking: false },
    },
    'test/gql/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
