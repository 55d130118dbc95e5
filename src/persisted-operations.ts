import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { z } from 'zod';
import type { GatewayConfig } from './config.js';
import { codeOf } from './error-masking.js';
import type { RefusedUnparsed } from './refused-mutations.js';

/**
 * Persisted operations (config `persistedOperations`): documents looked up by the sha256 hash a
 * client sends (Apollo's and urql's `extensions.persistedQuery`), answered with the errors those
 * clients recognise. Without the config, a hash sent alone is answered "not supported", which
 * tells such a client to send its documents in full from then on.
 */
export function persistedOperationsPlugin(config: GatewayConfig['persistedOperations'], refused: RefusedUnparsed): Plugin {
  if (!config) return persistedQueriesNotSupported();
  const persisted = loadPersistedOperations(config.file);
  const plugin = usePersistedOperations({
    getPersistedOperation: (hash: string) => persisted.get(hash) ?? null,
    allowArbitraryOperations: config.allowArbitrary,
    customErrors: {
      // The message Apollo clients recognise, with its usual code.
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
      persistedQueryOnly: {
        message: 'Only persisted operations run here: send the sha256Hash of a listed operation instead of a document',
        extensions: { code: 'PERSISTED_QUERY_ONLY' },
      },
    },
  });
  const { onParams } = plugin;
  if (!onParams) return plugin;
  return {
    ...plugin,
    // A document it refuses is one Yoga never parses: it is handed on, for a mutation in it to be
    // recorded. (With allowArbitrary a boolean, the plugin refuses by throwing, not by rejecting.)
    onParams(payload) {
      try {
        return onParams.call(plugin, payload);
      } catch (err) {
        if (typeof payload.params.query === 'string') refused(payload.request, payload.params, (err instanceof GraphQLError && codeOf(err)) || 'PERSISTED_QUERY_ONLY');
        throw err;
      }
    },
  };
}

/** The message and code Apollo's persisted-query link and urql's persistedExchange take as "send the document instead". */
function persistedQueriesNotSupported(): Plugin {
  return {
    onParams({ params }) {
      const hashed = params.extensions?.persistedQuery;
      // Thrown, as the persisted-operations plugin does: Yoga's check of the params would refuse first.
      if (params.query == null && typeof hashed === 'object' && hashed !== null) {
        throw createGraphQLError('PersistedQueryNotSupported', { extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } });
      }
    },
  };
}

/**
 * The persisted-operations file: `{ "<sha256>": "<document>" }`. A Map, so a hash such as
 * `__proto__` or `constructor` finds nothing rather than an object's own machinery. Each hash must
 * be its document's: a list edited by hand could otherwise run one document under another's name.
 */
export function loadPersistedOperations(file: string): Map<string, string> {
  const parsed = z.record(z.string(), z.string()).safeParse(readList(file));
  if (!parsed.success) throw new Error(`persistedOperations.file ${file} must map operation hashes to documents (strings)`);
  const misnamed = Object.entries(parsed.data).filter(([hash, document]) => createHash('sha256').update(document).digest('hex') !== hash);
  if (misnamed.length) {
    const listed = misnamed.slice(0, 5).map(([hash]) => JSON.stringify(hash.slice(0, 80)));
    throw new Error(`persistedOperations.file ${file}: ${misnamed.length} entr${misnamed.length === 1 ? 'y is' : 'ies are'} not keyed by the SHA-256 (lowercase hex) of the document it holds: ${listed.join(', ')}${misnamed.length > 5 ? ', …' : ''}`);
  }
  return new Map(Object.entries(parsed.data));
}

/** The file as JSON; failing, the setting and the file are named (Node's own error names neither). */
function readList(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`persistedOperations.file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`persistedOperations.file ${file} is not valid JSON`);
  }
}
