import { closeSync, openSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { Caller } from './auth/grants.js';
import type { Ref } from './domain/ref.js';
import { answerStatus, GatewayError, UpstreamError } from './errors.js';
import type { Logger } from './logger.js';
import type { RequestScope } from './scope.js';

export interface AuditRecord {
  time: string;
  requestId: string;
  caller: string;
  /** How the caller authenticated: an API key and a token subject may share a name. */
  via: Caller['via'];
  operation: string;
  vendor: string | null;
  account: string | null;
  /** The vendor path ids of the credential or owner acted on. */
  target: readonly string[] | null;
  /** Names of the fields the caller asked to change — never their values. */
  fields: readonly string[];
  outcome: string;
  upstreamStatus: number | string | null;
  /** True when an idempotency key replayed an earlier outcome: nothing was sent upstream. */
  replayed?: boolean;
  /** True when the change may or may not have been applied (sent, then a 5xx or no answer): an auditor must not read it as refused. */
  outcomeUnknown?: boolean;
}

/**
 * Bytes of records the audit file may be behind by. Past it, a record is not queued for the file
 * (the log stream has it) and is named in an error line, as a failed append is: what waits for a
 * file that has stopped taking writes stays bounded.
 */
export const AUDIT_FILE_BACKLOG_BYTES = 4_000_000;

/** What an error line names of a record the file did not get, so it can be found in the log stream. */
type Named = Pick<AuditRecord, 'requestId' | 'operation' | 'outcome'>;

export interface AuditFileOptions {
  /** How a batch of lines reaches the file (tests replace it). */
  append?: (file: string, text: string) => Promise<void>;
  backlogBytes?: number;
}

const appendLines = (file: string, text: string) => appendFile(file, text, { mode: 0o600 });

/** One structured record per mutation attempt: to the log stream and, if configured, a JSONL file. */
export class AuditLog {
  /**
   * Lines waiting for the file, written together by one append at a time: one append per record
   * fell behind the records a single caller's refused mutations make (~1,200 a second, all of them
   * waiting in memory at ~1.4 kB each, even on a local disk).
   */
  private queued: string[] = [];
  private queuedRecords: Named[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | undefined;
  /** Audit records are written at `info` whatever the log level, unless logging is off (`silent`). */
  private readonly records: Logger;
  private readonly append: (file: string, text: string) => Promise<void>;
  private readonly backlogBytes: number;

  constructor(
    private readonly logger: Logger,
    private readonly file?: string,
    options: AuditFileOptions = {},
  ) {
    this.records = logger.level === 'silent' ? logger : logger.child({}, { level: 'info' });
    this.append = options.append ?? appendLines;
    this.backlogBytes = options.backlogBytes ?? AUDIT_FILE_BACKLOG_BYTES;
    // A file that cannot be written is found at start, not by the first mutation's missing record.
    if (file) {
      try {
        closeSync(openSync(file, 'a', 0o600));
      } catch (err) {
        throw new Error(`audit.file ${file} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  }

  write(record: AuditRecord): void {
    this.records.info({ audit: record }, 'audit');
    if (!this.file) return;
    const line = `${JSON.stringify(record)}\n`;
    const named = { requestId: record.requestId, operation: record.operation, outcome: record.outcome };
    if (this.queuedBytes + line.length > this.backlogBytes) {
      this.lost(named, { reason: `the file is ${this.queuedBytes} bytes behind` });
      return;
    }
    this.queued.push(line);
    this.queuedRecords.push(named);
    this.queuedBytes += line.length;
    this.writing ??= this.drain(this.file);
  }

  /** Appends what is queued, in order, one append at a time, until nothing is. */
  private async drain(file: string): Promise<void> {
    while (this.queued.length) {
      const lines = this.queued;
      const named = this.queuedRecords;
      this.queued = [];
      this.queuedRecords = [];
      this.queuedBytes = 0;
      try {
        await this.append(file, lines.join(''));
      } catch (err) {
        // Naming each record lost, so it can be found in the log stream and restored to the file.
        for (const n of named) this.lost(n, { err });
      }
    }
    this.writing = undefined;
  }

  private lost(record: Named, why: Record<string, unknown>): void {
    this.logger.error({ ...why, requestId: record.requestId, operation: record.operation, outcome: record.outcome }, 'audit file write failed');
  }

  /** Resolves once every record written so far has reached the file (or been named as lost). */
  flush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }
}

/**
 * What a mutation's record is made of and written to: the GraphQL context has it. Named apart so
 * this module need not import the context, which imports it.
 */
export interface AuditContext {
  readonly scope: RequestScope;
  readonly caller: Caller;
  readonly audit: AuditLog;
}

export interface AuditTarget {
  operation: string;
  ref: Ref | null;
  vendor?: string | null;
  fields: readonly string[];
  replayed?: boolean;
}

/** Keys of a mutation input that name its target or its retry, not a change. */
const NOT_CHANGES = new Set(['id', 'connectionId', 'idempotencyKey']);

/** The names of the fields a mutation input asks to change (set, even to null), never their values. */
export function changedFields(input: Record<string, unknown>): string[] {
  return Object.keys(input).filter((k) => !NOT_CHANGES.has(k) && input[k] !== undefined);
}

/** A mutation refused by scope checks before its resolver ran, with what its input named. */
export function auditRefusal(ctx: AuditContext, t: AuditTarget): void {
  ctx.audit.write(recordOf(requesterOf(ctx), t, 'PermissionDeniedError', null));
}

/** Who sent a request: what a record needs of it, known before its GraphQL context is. */
export interface Requester {
  readonly requestId: string;
  readonly caller: Caller;
}

/**
 * A mutation refused before any of it ran (a limit, its variables, the caller's budget, the
 * persisted-operations policy), under the error code the caller was answered with. Its input was
 * never read: the record names the mutation alone.
 */
export function auditRefusedMutation(audit: AuditLog, by: Requester, operation: string, code: string): void {
  audit.write(recordOf(by, { operation, ref: null, fields: [] }, code, null));
}

const requesterOf = (ctx: AuditContext): Requester => ({ requestId: ctx.scope.requestId, caller: ctx.caller });

/** One mutation attempt's record: who, what and on which target, and how it ended. */
function recordOf(by: Requester, t: AuditTarget, outcome: string, upstreamStatus: number | string | null, outcomeUnknown = false): AuditRecord {
  return {
    time: new Date().toISOString(),
    requestId: by.requestId,
    caller: by.caller.name,
    via: by.caller.via,
    operation: t.operation,
    vendor: t.vendor ?? null,
    account: t.ref?.account ?? null,
    target: t.ref?.path ?? null,
    fields: t.fields,
    outcome,
    // A replay sent nothing: the upstream status belongs to the first attempt's record.
    upstreamStatus: t.replayed ? null : upstreamStatus,
    ...(t.replayed ? { replayed: true } : {}),
    ...(outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

/**
 * Runs a mutation, writing its audit record whatever the outcome (thrown typed errors included).
 * A client that goes away does not cut it off, only the deadline does: a write cancelled once sent
 * would leave its outcome unknown, also to the retry with the same idempotency key, which exists
 * for exactly that client (one that timed out and asks again).
 */
export async function audited<T>(ctx: AuditContext, target: () => AuditTarget, run: () => Promise<T>): Promise<T> {
  ctx.scope.outliveClient?.();
  let upstreamStatus: number | string | null = null;
  const record = (outcome: string, status: number | string | null, outcomeUnknown = false) => {
    let t: AuditTarget;
    try {
      t = target();
    } catch {
      t = { operation: 'unknown', ref: null, fields: [] };
    }
    ctx.audit.write(recordOf(requesterOf(ctx), t, outcome, status, outcomeUnknown));
  };
  const { scope } = ctx;
  const outer = scope.observeUpstream;
  scope.observeUpstream = (s) => (upstreamStatus = s);
  try {
    const result = await run();
    record('success', upstreamStatus);
    return result;
  } catch (err) {
    const outcome = err instanceof GatewayError ? err.constructor.name : 'InternalError';
    record(outcome, (err instanceof UpstreamError ? err.status : null) ?? answerStatus(err) ?? upstreamStatus, err instanceof UpstreamError && err.outcomeUnknown);
    throw err;
  } finally {
    scope.observeUpstream = outer;
  }
}
