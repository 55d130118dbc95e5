import { getOperationAST, GraphQLError, Kind, parse, type DocumentNode, type GraphQLSchema, type SelectionNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { auditRefusedMutation, type AuditLog, type Requester } from './audit.js';
import { codeOf } from './error-masking.js';

/**
 * Reports a request refused before Yoga parsed its document (the caller's budget, the
 * persisted-operations policy) with what its body held, and the code it was refused with.
 */
export type RefusedUnparsed = (request: Request, params: unknown, code: string) => void;

/** An operation as a request sends it, of which only the document and the operation's name are read: never its variables. */
const sentOperation = z.object({ query: z.string(), operationName: z.string().nullish() });

/**
 * Writes the audit record of a mutation refused before any of it ran: by a limit on its document
 * (depth, aliases, directives, cost), its variables, any other validation of its document, its
 * method (GET), the caller's budget or the persisted-operations policy. A mutation refused by scope is recorded as it
 * runs (builder.ts). What identifies a mutation is a document that parses and whose operation to
 * run (the one `operationName` names, or the only one) is a mutation: a query, or a document that
 * does not parse, is recorded by nothing.
 */
export class RefusedMutations {
  constructor(
    private readonly audit: AuditLog,
    private readonly requesters: { get(request: Request): Requester | undefined },
    private readonly schema: GraphQLSchema,
    /** As the gateway parses and batches: what it would not parse or run, nothing here parses either. */
    private readonly limits: { maxTokens: number; batching: number | false },
  ) {}

  /**
   * One record per mutation of the schema the operation selects (a name aliased many times, as in
   * a document refused for its aliases, once), with the refusal's code.
   */
  document(request: Request, document: DocumentNode, operationName: string | null | undefined, code: string): void {
    const by = this.requesters.get(request);
    if (!by) return;
    for (const operation of mutationsOf(this.schema, document, operationName)) auditRefusedMutation(this.audit, by, operation, code);
  }

  /** A refused request's operations, parsed here only because they were refused (and only those that may hold a mutation). */
  readonly unparsed: RefusedUnparsed = (request, params, code) => {
    const { batching, maxTokens } = this.limits;
    // A batch the gateway would refuse for its size is not recorded (nor is it when not rate limited).
    const operations: unknown[] = Array.isArray(params) ? (batching !== false && params.length <= batching ? params : []) : [params];
    for (const sent of operations) {
      const operation = sentOperation.safeParse(sent);
      // Cheap before parsing: a document without the word holds no mutation.
      if (!operation.success || !operation.data.query.includes('mutation')) continue;
      let document: DocumentNode;
      try {
        document = parse(operation.data.query, { noLocation: true, maxTokens });
      } catch {
        continue;
      }
      this.document(request, document, operation.data.operationName, code);
    }
  };

  /**
   * Sees the refusals of a parsed document: a mutation sent by GET, its validation's errors, and a
   * result with no `data` from execution, which a limit stopping it (setResultAndStopExecution) or
   * variables that could not be coerced leave. It must come before the limits that stop execution,
   * for its onExecuteDone to see their result. A query costs it one look at its operation's type
   * (and at its method).
   */
  plugin(): Plugin {
    const isMutation = (document: DocumentNode, operationName: string | null | undefined) => getOperationAST(document, operationName)?.operation === 'mutation';
    return {
      onParse: ({ context }) => {
        const { request, params } = context as { request?: Request; params?: GraphQLParams };
        // Yoga refuses a mutation sent by GET (405) once it is parsed, before validating it.
        if (request?.method !== 'GET') return;
        return ({ result }) => {
          if (result && !(result instanceof Error)) this.document(request, result, params?.operationName, 'BAD_REQUEST');
        };
      },
      onValidate: ({ params: { documentAST }, context, validateFn, setValidationFn }) => {
        const { request, params } = context as { request: Request; params?: GraphQLParams };
        if (!isMutation(documentAST, params?.operationName)) return;
        const record = (error: GraphQLError) => this.document(request, documentAST, params?.operationName, codeOf(error) ?? 'GRAPHQL_VALIDATION_FAILED');
        // GraphQL Armor's limits (depth, aliases, directives) throw their error out of validation
        // rather than report it, which ends validation before the hook below.
        setValidationFn((...args) => {
          try {
            return validateFn(...args);
          } catch (err) {
            if (err instanceof GraphQLError) record(err);
            throw err;
          }
        });
        return ({ result }) => {
          if (result.length) record(result[0]!);
        };
      },
      onExecute: ({ args }) => {
        if (!isMutation(args.document, args.operationName)) return;
        const { request } = args.contextValue as { request: Request };
        return {
          onExecuteDone: ({ result }) => {
            const errors = 'errors' in result ? result.errors : undefined;
            if (!('data' in result) && errors?.length) this.document(request, args.document, args.operationName, codeOf(errors[0]!) ?? 'BAD_REQUEST');
          },
        };
      },
    };
  }
}

/** The names of the schema's mutations the operation to run selects, when it is a mutation; each once. */
export function mutationsOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): string[] {
  const operation = getOperationAST(document, operationName);
  const root = schema.getMutationType();
  if (operation?.operation !== 'mutation' || !root) return [];
  const known = root.getFields();
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const names = new Set<string>();
  // Each fragment is opened once: only names are collected, and a document refused by a limit may
  // spread fragments within fragments, which opened at every spread would grow exponentially.
  const opened = new Set<string>();
  const walk = (selections: readonly SelectionNode[]): void => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) {
        if (Object.hasOwn(known, s.name.value)) names.add(s.name.value);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet.selections);
      else if (!opened.has(s.name.value)) {
        opened.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet.selections);
      }
    }
  };
  walk(operation.selectionSet.selections);
  return [...names];
}
