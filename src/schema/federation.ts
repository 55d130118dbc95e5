import type { Context } from '../context.js';
import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import type { Builder, NodeTypes } from './builder.js';
import { CredentialInterface, CredentialOwnerInterface } from './credential.js';
import { loadNode } from './queries.js';

type NodeRecord = CredentialRecord | OwnerRecord;
const isCredential = (r: NodeRecord): r is CredentialRecord => 'kind' in r;

/**
 * Federation: every credential and owner type — and the `Credential` and `CredentialOwner`
 * interfaces (Federation 2.3 entity interfaces) — is an entity keyed by `id`, so another subgraph
 * that holds an id can let the router resolve it here. References load exactly like `node(id)`,
 * through the caller's sessions, so account limits apply; an id of another type resolves to null.
 */
export function registerEntities(builder: Builder, nodeTypes: NodeTypes): void {
  const key = builder.selection<{ id: string }>('id');
  const load = async (id: string, ctx: Context, accept: (r: NodeRecord) => boolean) => {
    const record = await loadNode(id, ctx);
    return record && accept(record) ? record : null;
  };
  for (const type of nodeTypes) {
    builder.asEntity(type, { key, resolveReference: ({ id }, ctx) => load(id, ctx, (r) => r.ref.typename === type.name) });
  }
  builder.asEntity(CredentialInterface, {
    key,
    resolveReference: async ({ id }, ctx) => (await load(id, ctx, isCredential)) as CredentialRecord | null,
  });
  builder.asEntity(CredentialOwnerInterface, {
    key,
    resolveReference: async ({ id }, ctx) => (await load(id, ctx, (r) => !isCredential(r))) as OwnerRecord | null,
  });
}
