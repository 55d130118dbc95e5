/** GraphQL enum values are UPPER_CASE; the vendor's wire values stay in `value`. */
export const enumValues = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<Uppercase<V>, { value: V }>;

/**
 * GraphQL enum values without a protobuf prefix (`CREDENTIAL_TYPE_API_KEY` → `API_KEY`): the prefix
 * is protobuf's namespacing, not meaning. The wire values stay the internal values.
 */
export function prefixStripped<const V extends string, const P extends string>(prefix: P, values: readonly V[]) {
  return Object.fromEntries(values.map((v) => [v.startsWith(prefix) ? v.slice(prefix.length) : v, { value: v }])) as {
    [K in V as K extends `${P}${infer Rest}` ? Rest : K]: { value: K };
  };
}

/** Enum values with descriptions for some of them: those whose name alone says too little. */
export function describedValues<const V extends Record<string, { value?: unknown }>>(values: V, descriptions: { [K in keyof V]?: string }) {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, descriptions[k] === undefined ? v : { ...v, description: descriptions[k] }])) as {
    [K in keyof V]: V[K] & { description?: string };
  };
}
