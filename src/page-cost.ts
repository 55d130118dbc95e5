import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE, MAX_PAGE } from './schema/paging.js';

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
 * GraphQL Armor's cost limit multiplies a connection's cost by its `first`/`last`, but reads only
 * a number written in the document, and only the first of the two it meets: a variable, a null,
 * both arguments, or neither (the default page) counted as a page of 1, so a client could nest
 * large pages past the limit. For a document where Armor cannot read every page size, the same
 * rule runs again at execution, on the operation that runs, with each connection's served page
 * size written in as `first`. A document whose page sizes are all literal skips it after one look
 * (Yoga hands over the same parsed document each time).
 */
export function servedPageCostPlugin(options: CostOptions): Plugin {
  const readable = new WeakMap<DocumentNode, boolean>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { document, schema } = args;
      let literal = readable.get(document);
      if (literal === undefined) readable.set(document, (literal = pageSizesAreLiteral(schema, document)));
      if (literal) return;
      const operation = getOperationAST(document, args.operationName);
      if (!operation) return; // graphql-js reports that itself
      const rejected: GraphQLError[] = [];
      const rule = costLimitRule({ ...options, propagateOnRejection: false, onReject: [(_ctx, err) => void rejected.push(err)] });
      validate(schema, withServedPageSizes(schema, document, operation, args.variableValues ?? {}), [rule]);
      if (rejected.length) setResultAndStopExecution({ errors: rejected.map((e) => new GraphQLError(e.message, { extensions: { code: 'QUERY_TOO_COMPLEX' } })) });
    },
  };
}

/** A connection is a field that takes `first` or `last`. */
function isConnection(typeInfo: TypeInfo): boolean {
  return typeInfo.getFieldDef()?.args.some((a) => PAGE_ARGS.has(a.name)) ?? false;
}

/** Whether every connection in the document names its page size as one literal number. */
function pageSizesAreLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let literal = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (!isConnection(typeInfo)) return;
        const sizes = (node.arguments ?? []).filter((a) => PAGE_ARGS.has(a.name.value));
        if (sizes.length !== 1 || sizes[0]!.value.kind !== Kind.INT) literal = false;
      },
    }),
  );
  return literal;
}

/**
 * The operation (and the fragments it may spread) with every connection's page size as the
 * `first` it is served with: `first`, else `last`, else the default page, through variables and
 * the operation's own defaults, at most the largest page (a larger one is refused by the
 * connection itself, more clearly).
 */
function withServedPageSizes(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): DocumentNode {
  const defaults = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.defaultValue]));
  const sizeOf = (value: ValueNode | undefined): number | null => {
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind !== Kind.VARIABLE) return null;
    const name = value.name.value;
    // Own keys only, as graphql-js reads them: `constructor` or `toString` are not values sent.
    if (Object.hasOwn(variables, name)) return Number.isSafeInteger(variables[name]) ? (variables[name] as number) : null;
    return sizeOf(defaults.get(name));
  };
  const typeInfo = new TypeInfo(schema);
  const only: DocumentNode = { ...document, definitions: document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION) };
  return visit(
    only,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (!isConnection(typeInfo)) return undefined;
        const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
        const served = Math.min(Math.max(sizeOf(arg('first')) ?? sizeOf(arg('last')) ?? DEFAULT_PAGE, 0), MAX_PAGE);
        const first: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(served) } };
        return { ...node, arguments: [first, ...(node.arguments ?? []).filter((a) => !PAGE_ARGS.has(a.name.value))] };
      },
    }),
  );
}
