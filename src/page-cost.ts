import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { GraphQLError, Kind, validate, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const PAGE_ARGS = new Set(['first', 'last']);

/**
 * GraphQL Armor's cost limit multiplies a connection's cost by a literal `first`/`last`, checked
 * when the document is validated, before variables are known: `first: $n` counted as 1, so a
 * client could nest large pages through a variable. For a document whose page sizes are variables,
 * the same rule runs again at execution with each variable's value written in. Documents with
 * literal page sizes (most, and every cached persisted one) skip it after one look.
 */
export function variablePageCostPlugin(maxCost: number): Plugin {
  const hasVariablePages = new WeakMap<DocumentNode, boolean>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const document = args.document;
      let variable = hasVariablePages.get(document);
      if (variable === undefined) hasVariablePages.set(document, (variable = usesVariablePages(document)));
      if (!variable) return;
      const rejected: GraphQLError[] = [];
      const rule = costLimitRule({ maxCost, propagateOnRejection: false, onReject: [(_ctx, err) => void rejected.push(err)] });
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

/** The document with every variable page size replaced by its value (or its default). */
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
      const given = variables[name];
      // A value that is not a whole number fails coercion later; here it changes nothing.
      const value: ValueNode | undefined = Number.isSafeInteger(given) ? { kind: Kind.INT, value: String(given) } : given === undefined ? defaults.get(name) : undefined;
      return value ? { ...node, value } : undefined;
    },
  });
}
