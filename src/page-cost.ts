import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { GraphQLError, Kind, validate, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE } from './schema/paging.js';

const PAGE_ARGS = new Set(['first', 'last']);

export interface CostOptions {
  maxCost: number;
  flattenFragments: boolean;
}

/**
 * GraphQL Armor's cost limit as the gateway applies it. A fragment costs what its fields cost
 * where it is spread: Armor's default counts each spread as one more level of depth, so the same
 * selection written as fragments cost ~2.5× more, and a page of 500 with every field was refused.
 */
export function costOptions(maxCost: number): CostOptions {
  return { maxCost, flattenFragments: true };
}

/**
 * GraphQL Armor's cost limit multiplies a connection's cost by a literal `first`/`last`, checked
 * when the document is validated, before variables are known: `first: $n` counted as 1, so a
 * client could nest large pages through a variable. For a document whose page sizes are variables,
 * the same rule runs again at execution with each variable's value written in. A document with
 * literal page sizes only skips it after one look (Yoga hands over the same parsed document each time).
 */
export function variablePageCostPlugin(options: CostOptions): Plugin {
  const hasVariablePages = new WeakMap<DocumentNode, boolean>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const document = args.document;
      let variable = hasVariablePages.get(document);
      if (variable === undefined) hasVariablePages.set(document, (variable = usesVariablePages(document)));
      if (!variable) return;
      const rejected: GraphQLError[] = [];
      const rule = costLimitRule({ ...options, propagateOnRejection: false, onReject: [(_ctx, err) => void rejected.push(err)] });
      validate(args.schema, withPageSizes(document, args.variableValues ?? {}), [rule]);
      if (rejected.length) setResultAndStopExecution({ errors: rejected.map((e) => new GraphQLError(e.message, { extensions: { code: 'QUERY_TOO_COMPLEX' } })) });
    },
  };
}

function usesVariablePages(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (PAGE_ARGS.has(node.name.value) && node.value.kind === Kind.VARIABLE) found = true;
    },
  });
  return found;
}

/**
 * The document with every variable page size replaced by its value (or its default), at most the
 * largest page the schema serves: a larger one is refused by `credentials` itself, more clearly.
 */
function withPageSizes(document: DocumentNode, variables: Record<string, unknown>): DocumentNode {
  const defaults = new Map<string, ValueNode>();
  visit(document, {
    VariableDefinition(node) {
      if (node.defaultValue) defaults.set(node.variable.name.value, node.defaultValue);
    },
  });
  return visit(document, {
    Argument(node) {
      if (!PAGE_ARGS.has(node.name.value) || node.value.kind !== Kind.VARIABLE) return undefined;
      const name = node.value.name.value;
      const fallback = defaults.get(name);
      const given = name in variables ? variables[name] : fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
      // Anything but a whole number fails coercion later; here it changes nothing.
      if (!Number.isSafeInteger(given)) return undefined;
      return { ...node, value: { kind: Kind.INT, value: String(Math.min(given as number, MAX_PAGE)) } };
    },
  });
}
