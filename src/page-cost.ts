import {
  getOperationAST,
  GraphQLError,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { fieldsIn, fragmentsOf } from './document-fields.js';
import { DEFAULT_PAGE, MAX_PAGE } from './schema/paging.js';

const PAGE_ARGS = new Set(['first', 'last']);
/** GraphQL Armor's cost model, which the limit's default and the README's figures are in. */
const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;

/**
 * The cost limit (config `limits.maxCost`), checked before execution. It keeps GraphQL Armor's
 * model (a field 1, an object 2 plus 1.5× its fields, a connection × its page), with two
 * differences that make it count what is served. Fragments, spread or inline, count as the fields
 * they hold where they are used: Armor weighted each one as a level deeper, so the same selection
 * written with fragments cost up to ~2.5× more. A connection counts the page it serves (`first`,
 * else `last`, else the default page, through variables and the operation's own defaults): Armor
 * read only a number written in the document, so a variable, a null, `last` or no argument counted
 * as a page of 1. A document whose page sizes are all written as numbers gets its verdict once.
 */
export function costLimitPlugin(maxCost: number): Plugin {
  const verdicts = new WeakMap<DocumentNode, Map<string, GraphQLError | null>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { document, schema } = args;
      const literal = pageSizesAreLiteral(schema, document);
      const operation = getOperationAST(document, args.operationName);
      if (!operation) return; // graphql-js reports that itself
      const key = operation.name?.value ?? '';
      let known = literal ? verdicts.get(document)?.get(key) : undefined;
      if (known === undefined) {
        const cost = costOf(schema, document, operation, args.variableValues ?? {});
        known = cost > maxCost ? new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, { extensions: { code: 'QUERY_TOO_COMPLEX' } }) : null;
        if (literal) {
          let byOperation = verdicts.get(document);
          if (!byOperation) verdicts.set(document, (byOperation = new Map()));
          byOperation.set(key, known);
        }
      }
      if (known) setResultAndStopExecution({ errors: [known] });
    },
  };
}

/** The cost of running `operation` of `document` with `variables`. */
export function costOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const served = withServedPageSizes(schema, document, operation, variables);
  const fragments = fragmentsOf(served);
  const op = served.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

  const costOfFields = (selections: readonly SelectionNode[]): number =>
    fieldsIn(selections, fragments).reduce((sum, { field }) => {
      if (field.name.value === '__schema') return sum; // introspection is free, as in Armor
      if (!field.selectionSet) return sum + SCALAR_COST;
      const page = field.arguments?.find((a) => a.name.value === 'first')?.value;
      const times = page?.kind === Kind.INT ? Math.max(Number(page.value), 1) : 1;
      return sum + times * (OBJECT_COST + DEPTH_FACTOR * costOfFields(field.selectionSet.selections));
    }, 0);
  return costOfFields(op.selectionSet.selections);
}

/** A connection is a field that takes `first` or `last`. */
function isConnection(typeInfo: TypeInfo): boolean {
  return typeInfo.getFieldDef()?.args.some((a) => PAGE_ARGS.has(a.name)) ?? false;
}

const literalDocuments = new WeakMap<DocumentNode, boolean>();

/** Whether every connection in the document names its page size as one written number. */
function pageSizesAreLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  const known = literalDocuments.get(document);
  if (known !== undefined) return known;
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
  literalDocuments.set(document, literal);
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
