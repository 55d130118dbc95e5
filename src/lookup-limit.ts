import { getOperationAST, GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Root fields that look things up by id, and the argument holding the ids (null: one id). */
const LOOKUPS: Record<string, string | null> = { node: null, nodes: 'ids', _entities: 'representations' };
/** Root fields whose answer is the whole schema: a second copy in one answer is only bulk. */
const WHOLE_SCHEMA = new Set(['__schema', '_service']);

/** What an operation's root selects that the limit counts, known from the document alone. */
interface RootShape {
  /** Lookups written in the document (a `node`, or an id list given inline). */
  fixed: number;
  /** Id lists given as variables (or as variables inside an inline list): counted per request. */
  lists: ValueNode[];
  /** A whole-schema field selected more than once (under aliases), if any. */
  repeated: string | null;
  /** The operation's variable defaults, for lists whose variable a request leaves out. */
  defaults: Map<string, ValueNode>;
}

/**
 * Bounds what one operation may ask by id (config `limits.maxNodeLookups`): every `node`, every id
 * of `nodes` and every representation of `_entities`, aliases included, before anything runs. The
 * cost limit counts pages, not ids, so without this one request of thirty aliased `nodes` could
 * send thousands of calls to one account (spending its rate budget for every caller) or answer
 * with thousands of errors. Also refuses `__schema` or `_service` selected twice: megabytes of the
 * same schema for a few hundred bytes asked.
 */
export function lookupLimitPlugin(maxLookups: number): Plugin {
  const shapes = new WeakMap<DocumentNode, Map<string, RootShape>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const key = args.operationName ?? '';
      let byOperation = shapes.get(args.document);
      if (!byOperation) shapes.set(args.document, (byOperation = new Map()));
      let shape = byOperation.get(key);
      if (!shape) {
        const operation = getOperationAST(args.document, args.operationName);
        if (!operation) return; // graphql-js reports that itself
        shape = rootShape(args.document, operation);
        byOperation.set(key, shape);
      }
      const refuse = (message: string) => setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } })] });
      if (shape.repeated) return refuse(`${shape.repeated} may be selected once per operation`);
      if (shape.fixed > maxLookups) return refuse(`Node lookups limit of ${maxLookups} exceeded, found ${shape.fixed}.`);
      if (!shape.lists.length) return;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const lookups = shape.lists.reduce((sum, list) => sum + countOf(list, variables, shape.defaults), shape.fixed);
      if (lookups > maxLookups) refuse(`Node lookups limit of ${maxLookups} exceeded, found ${lookups}.`);
    },
  };
}

function rootShape(document: DocumentNode, operation: OperationDefinitionNode): RootShape {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const defaults = new Map((operation.variableDefinitions ?? []).flatMap((d) => (d.defaultValue ? [[d.variable.name.value, d.defaultValue] as const] : [])));
  const shape: RootShape = { fixed: 0, lists: [], repeated: null, defaults };
  const seen = new Set<string>();
  const walk = (selections: readonly SelectionNode[], opening: ReadonlySet<string>): void => {
    for (const s of selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet.selections, opening);
      else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(s.name.value);
        // Validation refuses fragment cycles before execution; the guard only keeps this total.
        if (fragment && !opening.has(s.name.value)) walk(fragment.selectionSet.selections, new Set([...opening, s.name.value]));
      } else {
        const name = s.name.value;
        if (WHOLE_SCHEMA.has(name)) {
          if (seen.has(name)) shape.repeated ??= name;
          seen.add(name);
        }
        if (!(name in LOOKUPS)) continue;
        const argument = LOOKUPS[name];
        if (argument === null) shape.fixed += 1;
        else {
          const value = s.arguments?.find((a) => a.name.value === argument)?.value;
          if (value?.kind === Kind.LIST) {
            for (const item of value.values) (item.kind === Kind.VARIABLE ? shape.lists.push(item) : (shape.fixed += 1));
          } else if (value) shape.lists.push(value);
        }
      }
    }
  };
  walk(operation.selectionSet.selections, new Set());
  return shape;
}

/** How many ids a list argument given as a variable (or an item of an inline list) holds. */
function countOf(value: ValueNode, variables: Record<string, unknown>, defaults: Map<string, ValueNode>): number {
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.NULL) return 0;
  if (value.kind !== Kind.VARIABLE) return 1; // a single value where a list is expected is a list of one
  const name = value.name.value;
  // Own keys only, as graphql-js reads them: `constructor` or `toString` are not values sent.
  if (!Object.hasOwn(variables, name)) {
    const fallback = defaults.get(name);
    return fallback ? countOf(fallback, variables, defaults) : 0;
  }
  const given = variables[name];
  return Array.isArray(given) ? given.length : given === undefined || given === null ? 0 : 1;
}
