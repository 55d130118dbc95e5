/** GraphQL enum values are UPPER_CASE; the vendor's wire values stay in `value`. */
export const enumValues = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<Uppercase<V>, { value: V }>;
