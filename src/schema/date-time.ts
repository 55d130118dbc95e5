import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * graphql-scalars' DateTime, serialised to its ISO string here instead of left a Date for
 * JSON.stringify: Date's generic `toJSON` path made each value cost several times its string, and
 * a page of credentials carries up to hundreds (bench/README.md, sixth round). The text on the
 * wire is the same; input parsing and the errors for values that are not dates are graphql-scalars'.
 */
export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  description: 'An RFC 3339 date-time with its offset, e.g. `2027-01-01T00:00:00Z`; answers are always in UTC.',
  specifiedByURL: 'https://scalars.graphql.org/andimarek/date-time',
  serialize: (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : (DateTimeResolver.serialize(value) as Date)).toISOString(),
});
