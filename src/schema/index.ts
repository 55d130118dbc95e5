import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { vendorModules } from '../vendors/registry.js';
import { builder } from './builder.js';
import './enums.js';
import './errors.js';
import './credential.js';
import './queries.js';
import './mutations.js';

let schema: GraphQLSchema | undefined;

/** Built once per process: no schema work per request or per gateway instance. */
export function getSchema(): GraphQLSchema {
  if (!schema) {
    for (const module of vendorModules) module.registerSchema(builder);
    schema = builder.toSchema();
  }
  return schema;
}

/** The SDL checked in at schema/schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
