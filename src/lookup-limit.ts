import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { NodeContext } from './context.js';
import { fieldsIn, fragmentsOf } from './document-fields.js';

/** Root fields that look things up by id, and the argument holding the ids (null: one id). */
const LOOKUPS: Record<string, string | null> = { node: null, nodes: 'ids', _entities: 'representations' };
/** Root fields whose answer is the whole schema: a second copy in one answer is only bulk. */
const WHOLE_SCHEMA = new Set(['__schema', '_service']);

/** A root field the limit counts, as written: its response key and what decides whether it runs. */
interface Counted {
  key: string;
  name: string;
  /** The ids argument, if the field takes a list. */
  ids: ValueNode | null;
  /** `@skip`/`@include` on the field and on the fragments around it. */
  conditions: readonly DirectiveNode[];
}

/** What an operation's root selects that the limit counts, known from the document alone. */
interface RootShape {
  counted: Counted[];
  /** The operation's variable defaults, for values a request leaves out. */
  defaults: Map<string, ValueNode>;
  /** The tally, when no variable can change it (most operations, `node(id: $id)` among them). */
  fixed?: Tally;
}

/** An operation's lookups, or why it is refused whatever else the request holds. */
type Tally = { lookups: number } | { refusal: string };

/**
 * Bounds what one operation may ask by id (config `limits.maxNodeLookups`): every `node`, every id
 * of `nodes` and every representation of `_entities`, aliases included, before anything runs. The
 * cost limit counts pages, not ids, so without this one request of thirty aliased `nodes` could
 * send thousands of calls to one account (spending its rate budget for every caller) or answer
 * with thousands of errors. Also refuses `__schema` or `_service` under two names: megabytes of the
 * same schema for a few hundred bytes asked. Fields are counted as graphql-js runs them: once per
 * response key (fields sharing one are merged), and not when `@skip`/`@include` leaves them out.
 * With `batching` on, the operations of one batch share the limit: otherwise a batch of N would
 * make N times as many lookups. Each operation draws on what the ones run before it left.
 */
export function lookupLimitPlugin(maxLookups: number, batching: boolean): Plugin {
  const shapes = new WeakMap<DocumentNode, Map<string, RootShape>>();
  /** Lookups already run by a request's earlier operations, by its Node response (shared by a batch's operations). */
  const spent = batching ? new WeakMap<object, number>() : undefined;
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const name = args.operationName ?? '';
      let byOperation = shapes.get(args.document);
      if (!byOperation) shapes.set(args.document, (byOperation = new Map()));
      let shape = byOperation.get(name);
      if (!shape) {
        const operation = getOperationAST(args.document, args.operationName);
        if (!operation) return; // graphql-js reports that itself
        shape = rootShape(args.document, operation);
        if (shape.counted.every((c) => !c.conditions.length && (c.ids === null || !hasVariable(c.ids)))) shape.fixed = tally(shape, {});
        byOperation.set(name, shape);
      }
      if (!shape.counted.length) return;
      const counted = shape.fixed ?? tally(shape, (args.variableValues ?? {}) as Record<string, unknown>);
      const request = spent && (args.contextValue as NodeContext).res;
      const before = (request && spent.get(request)) ?? 0;
      const total = 'lookups' in counted ? before + counted.lookups : 0;
      const refusal = 'refusal' in counted ? counted.refusal : total > maxLookups ? tooMany(maxLookups, total, before > 0) : null;
      if (refusal) setResultAndStopExecution({ errors: [new GraphQLError(refusal, { extensions: { code: 'QUERY_TOO_COMPLEX' } })] });
      else if (request) spent.set(request, total);
    },
  };
}

const tooMany = (max: number, found: number, inBatch: boolean) =>
  `Node lookups limit of ${max} exceeded, found ${found}${inBatch ? ' with the operations before it in this batch' : ''}.`;

/** What the operation looks up with these variables, counted as graphql-js will run it. */
function tally({ counted, defaults }: RootShape, variables: Record<string, unknown>): Tally {
  /** A value as the request gives it: variables (own keys only, as graphql-js reads them), then their defaults. */
  const resolve = (node: ValueNode): unknown => {
    switch (node.kind) {
      case Kind.VARIABLE: {
        if (Object.hasOwn(variables, node.name.value)) return variables[node.name.value];
        const fallback = defaults.get(node.name.value);
        return fallback ? resolve(fallback) : undefined;
      }
      case Kind.BOOLEAN:
        return node.value;
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return node.values.map(resolve);
      default:
        return node; // a literal id or representation: one value
    }
  };
  const runs = (c: Counted) =>
    c.conditions.every((d) => {
      const arg = d.arguments?.find((a) => a.name.value === 'if')?.value;
      const yes = arg !== undefined && resolve(arg) === true;
      return d.name.value === 'include' ? yes : !yes;
    });
  /** How many ids a list argument holds; a single value where a list is expected is a list of one. */
  const idsIn = (node: ValueNode | null): number => {
    const given = node && resolve(node);
    return Array.isArray(given) ? given.length : given === undefined || given === null ? 0 : 1;
  };
  const keys = new Set<string>();
  const wholeSchema = new Set<string>();
  let lookups = 0;
  for (const c of counted) {
    // Fields sharing a response key are merged into one (validation has made their arguments equal).
    if (keys.has(c.key) || !runs(c)) continue;
    keys.add(c.key);
    if (WHOLE_SCHEMA.has(c.name)) {
      if (wholeSchema.has(c.name)) return { refusal: `${c.name} may be selected once per operation` };
      wholeSchema.add(c.name);
    } else lookups += LOOKUPS[c.name] === null ? 1 : idsIn(c.ids);
  }
  return { lookups };
}

function hasVariable(node: ValueNode): boolean {
  return node.kind === Kind.VARIABLE || (node.kind === Kind.LIST && node.values.some(hasVariable));
}

function rootShape(document: DocumentNode, operation: OperationDefinitionNode): RootShape {
  const counted = fieldsIn(operation.selectionSet.selections, fragmentsOf(document))
    .filter(({ field }) => field.name.value in LOOKUPS || WHOLE_SCHEMA.has(field.name.value))
    .map(({ field, conditions }) => {
      const argument = LOOKUPS[field.name.value];
      const ids = argument ? (field.arguments?.find((a) => a.name.value === argument)?.value ?? null) : null;
      return { key: field.alias?.value ?? field.name.value, name: field.name.value, ids, conditions };
    });
  const defaults = new Map((operation.variableDefinitions ?? []).flatMap((d) => (d.defaultValue ? [[d.variable.name.value, d.defaultValue] as const] : [])));
  return { counted, defaults };
}
