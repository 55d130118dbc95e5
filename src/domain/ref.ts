/**
 * What a global id carries: the GraphQL type, the configured account, and the vendor's own path
 * ids (e.g. client id + credential id). Everything needed to address the resource upstream, so a
 * `node(id)` never needs a lookup table.
 */
export interface Ref {
  readonly typename: string;
  readonly account: string;
  readonly path: readonly string[];
}

export function ref(typename: string, account: string, ...path: string[]): Ref {
  return { typename, account, path };
}

/** Stable string key for caches and sorting. */
export function refKey(r: Ref): string {
  return JSON.stringify([r.typename, r.account, ...r.path]);
}
