import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the end-to-end tests (and the template for client projects): operations in
 * test/operations/*.graphql, checked against the printed schema.
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
  },
};

export default config;
