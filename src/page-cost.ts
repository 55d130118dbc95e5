import {
  getOperationAST,
  GraphQLError,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { NodeContext } from './context.js';
import { fieldsIn, fragmentsOf } from './document-fields.js';
import { DEFAULT_PAGE, MAX_PAGE } from './schema/paging.js';

const PAGE_ARGS = new Set(['first', 'last']);
const OWNER_INTERFACE = 'CredentialOwner';
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
 * An owner's list within an owner's list is refused whatever it costs (nestsOwnerLists).
 * With `batching` on, the operations of one batch share the limit, as they share the lookup limit
 * (lookupLimitPlugin): otherwise a batch of N could cost N times it. Each operation draws on what
 * the ones run before it left; one that would go past it is refused, and costs the batch nothing.
 */
export function costLimitPlugin(maxCost: number, batching: boolean): Plugin {
  const verdicts = new WeakMap<DocumentNode, Map<string, Verdict>>();
  /** The cost already run by a request's earlier operations, by its Node response (shared by a batch's operations). */
  const spent = batching ? new WeakMap<object, number>() : undefined;
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { document, schema } = args;
      const literal = pageSizesAreLiteral(schema, document);
      const operation = getOperationAST(document, args.operationName);
      if (!operation) return; // graphql-js reports that itself
      const key = operation.name?.value ?? '';
      let known = literal ? verdicts.get(document)?.get(key) : undefined;
      if (known === undefined) {
        const cost = nestsOwnerLists(schema, document, operation) ? Infinity : costOf(schema, document, operation, args.variableValues ?? {});
        known =
          cost === Infinity
            ? new GraphQLError(NESTED_OWNER_LISTS, { extensions: { code: 'QUERY_TOO_COMPLEX' } })
            : cost > maxCost
              ? new GraphQLError(tooCostly(maxCost, cost, false), { extensions: { code: 'QUERY_TOO_COMPLEX' } })
              : cost;
        if (literal) {
          let byOperation = verdicts.get(document);
          if (!byOperation) verdicts.set(document, (byOperation = new Map()));
          byOperation.set(key, known);
        }
      }
      if (typeof known !== 'number') {
        setResultAndStopExecution({ errors: [known] });
        return;
      }
      const request = spent && (args.contextValue as NodeContext).res;
      if (!request) return;
      const before = spent.get(request) ?? 0;
      const total = before + known;
      if (total > maxCost) setResultAndStopExecution({ errors: [new GraphQLError(tooCostly(maxCost, total, true), { extensions: { code: 'QUERY_TOO_COMPLEX' } })] });
      else spent.set(request, total);
    },
  };
}

/** An operation's refusal on its own (whatever a batch ran before it), else its cost: a number, so an allowed one allocates nothing. */
type Verdict = GraphQLError | number;

const tooCostly = (max: number, found: number, inBatch: boolean) =>
  `Query Cost limit of ${max} exceeded, found ${found}${inBatch ? ' with the operations before it in this batch' : ''}.`;

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

const NESTED_OWNER_LISTS =
  "An owner's credentials are selected within an owner's credentials: a credential's owner is the owner whose list it is in, so that is the same list again, at every level. Select it once.";

/**
 * Whether `operation` selects an owner's `credentials` inside an owner's `credentials` (through
 * `owner`, fragments included). Only the list's owner can be reached that way, so the inner list is
 * the outer one again: a plain list, not paged, so each level multiplied the answer by an owner's
 * whole list, which no cost estimate bounds (an owner of 30 credentials, three levels deep under a
 * page of 500, answered 98 MB and held the event loop 7 s, within every other limit).
 */
function nestsOwnerLists(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const owner = schema.getType(OWNER_INTERFACE);
  const root = schema.getRootType(operation.operation);
  if (!owner || !isInterfaceType(owner) || !root) return false;
  const fragments = fragmentsOf(document);
  const isOwner = (t: GraphQLNamedType) => t === owner || (isObjectType(t) && schema.isSubType(owner, t));
  const walk = (selections: readonly SelectionNode[], parent: GraphQLNamedType | undefined, inList: boolean, opening: ReadonlySet<string>): boolean =>
    selections.some((s) => {
      if (s.kind === Kind.FIELD) {
        const field = s.selectionSet && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[s.name.value] : undefined;
        if (!field) return false;
        const ownerList = s.name.value === 'credentials' && isOwner(parent!);
        return (ownerList && inList) || walk(s.selectionSet!.selections, getNamedType(field.type), inList || ownerList, opening);
      }
      if (s.kind === Kind.INLINE_FRAGMENT) return walk(s.selectionSet.selections, s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent, inList, opening);
      const fragment = fragments.get(s.name.value);
      if (!fragment || opening.has(s.name.value)) return false;
      return walk(fragment.selectionSet.selections, schema.getType(fragment.typeCondition.name.value), inList, new Set([...opening, s.name.value]));
    });
  return walk(operation.selectionSet.selections, root, false, new Set());
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
