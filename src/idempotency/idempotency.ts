import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GatewayError, IdempotencyConflictError, MAYBE_APPLIED, UpstreamError, type UpstreamSource } from '../errors.js';
import { sleep } from '../resilience/retry.js';
import { silentLogger, type Logger } from '../logger.js';
import type { SharedStore } from '../store/store.js';
import { encodeOutcome, outcomeSchema, type Outcome, type OutcomeSchema } from './codec.js';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long past its call's deadline a claim is held for its outcome to be stored. */
const LEASE_GRACE_MS = 5_000;

export interface IdempotentCall {
  /** Keys belong to a caller: one caller can neither replay nor block another's. */
  caller: string;
  operation: string;
  key: string;
  /** The mutation input without the key; the same key must come with the same input. */
  input: unknown;
  /** The input with its secret parts replaced by a marker (default: the input has none). */
  publicInput?: unknown;
  /** The vendor and account the change is made in, named when its outcome is lost. */
  source: UpstreamSource;
  /**
   * Making the change twice leaves what making it once does (an update setting absolute values).
   * Decides what a claim whose holder never stored an outcome means (see `run`).
   */
  repeatable?: boolean;
  deadline: number;
  signal?: AbortSignal | undefined;
  /** The GraphQL request's id, on every warning about its key: the operator finds its audit record and upstream calls by it. */
  requestId?: string;
}

/**
 * A key's record in the shared store, parsed, never cast: another replica or another version of
 * the gateway may have written it up to 24 h ago (or anyone who can write to Redis). Fields another
 * version adds are dropped; a record that does not parse is answered as an unknown outcome (see
 * `unreadable`), and a key of a JSON object named `__proto__`, anywhere in it, fails it.
 */
const storedRecord = z.object({
  state: z.enum(['pending', 'done']),
  /**
   * A keyed hash of the input, never the input: it may hold a secret (a vault value), and a plain
   * hash beside its salt could be guessed at speed by anyone who reads the store.
   */
  inputHash: z.string(),
  /** Which key made `inputHash`: a record made under other secrets cannot be compared by it (see run). */
  keyId: z.string().optional(),
  /** A plain hash of the input's public part, to compare a record made under other secrets. */
  publicHash: z.string().optional(),
  /** Records of the previous release: `inputHash` is sha256(salt + input). */
  salt: z.string().optional(),
  /** Identifies the claim, so only its owner releases it. */
  claim: z.string(),
  /**
   * Until when (epoch ms) a pending claim's holder may still store its outcome: its deadline and a
   * grace. Past it, the holder stopped (a crash, a store that failed) with the change perhaps made.
   * Absent in records of the previous release, whose pending claims expired instead.
   */
  leaseUntil: z.number().optional(),
  /** A done record's outcome (codec.ts): parsed once the record is known to be for this input. */
  outcome: z.unknown().optional(),
});
type StoredRecord = z.infer<typeof storedRecord>;

/** The stored string → a record; a `__proto__` key is caught as JSON.parse makes it (an own key, which `Object.assign` would set a prototype with). */
const storedJson = z
  .string()
  .transform((raw, ctx) => {
    let proto = false;
    try {
      const json: unknown = JSON.parse(raw, (key, value: unknown) => ((proto ||= key === '__proto__'), value));
      if (!proto) return json;
      ctx.issues.push({ code: 'custom', message: 'has a __proto__ key', input: undefined });
    } catch {
      ctx.issues.push({ code: 'custom', message: 'is not JSON', input: undefined });
    }
    return z.NEVER;
  })
  .pipe(storedRecord);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Sorted keys and ISO dates: two equal inputs always hash alike. */
function canonical(v: unknown): string {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Whether an outcome must be kept for replay: successes, and failures after which the change may
 * have been applied. A failure that certainly changed nothing (refused input, 404, 429, not sent)
 * releases the key, so the caller can simply retry with it.
 */
function keeps(outcome: Outcome<unknown>): boolean {
  return outcome.ok || (outcome.error instanceof UpstreamError && outcome.error.outcomeUnknown);
}

/** What a duplicate is told when the first call with its key is still running at the duplicate's deadline. */
function inProgress(): IdempotencyConflictError {
  return new IdempotencyConflictError('A request with this idempotency key is still in progress; retry later with the same key.', 'IN_PROGRESS');
}

/** What a retry is told when the first call with its key stopped before storing its outcome. */
function lostOutcome(source: UpstreamSource): UpstreamError {
  return new UpstreamError(
    'An earlier request with this idempotency key stopped before its outcome was recorded (the gateway stopped, or its store failed)' + MAYBE_APPLIED,
    source,
    null,
    false,
    true,
  );
}

/** What a retry is told when the record of its key cannot be read (see `storedRecord`): the change may have been made. */
function unreadable(source: UpstreamSource): UpstreamError {
  return new UpstreamError(
    'An earlier request with this idempotency key left a record this gateway cannot read (another version of the gateway may have written it)' +
      MAYBE_APPLIED,
    source,
    null,
    false,
    true,
  );
}

/**
 * Where a record failed to parse, for the operator: field paths, and what failed there as a zod
 * issue code or one of this gateway's own messages (never zod's, which may name a key), never a value.
 */
function issuesOf(error: z.ZodError, within?: string): string[] {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[within, ...i.path.map((p) => String(p).slice(0, 40))].filter((p) => p !== undefined).join('.') || '(record)'}: ${i.code === 'custom' ? i.message : i.code}`);
}

/** Marks a failure told again from a key's record (only an UpstreamError is ever kept: see `keeps`). */
function replayed(error: GatewayError): GatewayError {
  if (error instanceof UpstreamError) error.replayed = true;
  return error;
}

export interface IdempotencyOptions {
  /**
   * The gateway's account secrets: the input hash is keyed with them, so the store alone does not
   * let anyone test guesses of a secret input. Replicas with the same secrets share the key,
   * whatever order their accounts are listed in.
   */
  secrets: readonly string[];
  logger?: Logger;
  /** The typenames a replayed record's refs may name: the vendors' node types. */
  typenames: ReadonlySet<string>;
}

/**
 * Runs a mutation at most once per (caller, operation, key) within 24 h, across every replica
 * sharing the store. Concurrent duplicates wait for the first and get its outcome.
 */
export class Idempotency {
  private readonly hashKey: Buffer;
  private readonly keyId: string;
  private readonly logger: Logger;
  private readonly outcomes: OutcomeSchema;

  constructor(
    private readonly store: SharedStore,
    options: IdempotencyOptions,
  ) {
    const secrets = [...new Set(options.secrets)].sort();
    this.hashKey = Buffer.from(hkdfSync('sha256', secrets.join('\u0000'), 'credential-gateway', 'idempotency-input', 32));
    this.keyId = createHmac('sha256', this.hashKey).update('key-id').digest('hex').slice(0, 16);
    this.logger = options.logger ?? silentLogger;
    this.outcomes = outcomeSchema((typename) => options.typenames.has(typename));
  }

  /** `onReplay` is told when the outcome (a value or an error) is an earlier one, not a new call. */
  async run<T>(call: IdempotentCall, execute: () => Promise<T>, onReplay: () => void = () => undefined): Promise<T> {
    const storeKey = `idem:${sha256(`${call.caller}\u0000${call.operation}\u0000${call.key}`)}`;
    const input = canonical(call.input);
    // Keyed with the record's key too, so equal inputs under two keys do not hash alike.
    const inputHash = createHmac('sha256', this.hashKey).update(`${storeKey}\u0000${input}`).digest('hex');
    const publicHash = sha256(`${storeKey}\u0000${call.publicInput === undefined ? input : canonical(call.publicInput)}`);
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const mine: StoredRecord = { state: 'pending', inputHash, keyId: this.keyId, publicHash, claim: randomBytes(16).toString('hex'), leaseUntil: call.deadline + LEASE_GRACE_MS };
      const pending = JSON.stringify(mine);
      // Held as long as an outcome would be: a claim whose holder stopped must not expire into a
      // free key that runs the change again (see below).
      if (await this.store.setIfAbsent(storeKey, pending, IDEMPOTENCY_TTL_MS)) {
        return this.execute(call, storeKey, pending, mine, execute);
      }
      const raw = await this.store.get(storeKey);
      if (raw === null) continue; // released meanwhile: claim again
      const record = storedJson.safeParse(raw);
      if (!record.success) {
        // Neither its input nor its outcome can be told: the change may have been made, under this
        // key, for this input. Never run again; the caller reads the resource first.
        this.logger.warn({ requestId: call.requestId, operation: call.operation, issues: issuesOf(record.error) }, 'an idempotency record could not be read: its outcome is told as unknown');
        onReplay();
        throw replayed(unreadable(call.source));
      }
      const found = record.data;
      if (!this.sameInput(found, { inputHash, publicHash, input })) {
        throw new IdempotencyConflictError('This idempotency key was already used with a different input; use a new key for a new change.', 'INPUT_MISMATCH');
      }
      if (found.state === 'done') {
        const outcome = this.outcomes.safeParse(found.outcome);
        onReplay();
        if (!outcome.success) {
          this.logger.warn({ requestId: call.requestId, operation: call.operation, issues: issuesOf(outcome.error, 'outcome') }, 'the outcome in an idempotency record could not be read: it is told as unknown');
          throw replayed(unreadable(call.source));
        }
        // Its structure is parsed (codec.ts); that it is this operation's T rests on the record's key naming the operation.
        if (outcome.data.ok) return outcome.data.value as T;
        throw replayed(outcome.data.error);
      }
      if (found.leaseUntil !== undefined && found.leaseUntil < Date.now()) {
        // The first call's holder stopped without storing an outcome: the change may have been made.
        // One that is harmless to repeat is taken over (whoever deletes the stale claim first claims
        // next); any other is an unknown outcome for every retry, never a second run.
        if (call.repeatable) {
          await this.store.deleteIfEquals(storeKey, raw);
          continue;
        }
        onReplay();
        throw replayed(lostOutcome(call.source));
      }
      if (Date.now() + wait >= call.deadline) throw inProgress();
      // Cancelled while waiting (the deadline's timer, which may fire a little early, or a shutdown):
      // the first call is still what it was, not an unexpected error.
      await sleep(wait, call.signal).catch(() => {
        throw inProgress();
      });
    }
  }

  /**
   * Whether a record was made for this input. One made under other secrets (a credential rotated,
   * an account added) is compared by its input's public part only: a different change is still
   * refused, while refusing a secret that cannot be compared would send a caller retrying the same
   * change to run it again under a new key.
   */
  private sameInput(found: StoredRecord, mine: { inputHash: string; publicHash: string; input: string }): boolean {
    if (found.salt !== undefined) return found.inputHash === sha256(found.salt + mine.input);
    return found.keyId === this.keyId ? found.inputHash === mine.inputHash : found.publicHash === mine.publicHash;
  }

  private async execute<T>({ operation, requestId }: IdempotentCall, storeKey: string, pending: string, mine: StoredRecord, execute: () => Promise<T>): Promise<T> {
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await execute() };
    } catch (err) {
      if (!(err instanceof GatewayError)) {
        await this.store.deleteIfEquals(storeKey, pending);
        throw err;
      }
      outcome = { ok: false, error: err };
    }
    // The change has run: its outcome reaches the caller even if the store fails now (the pending
    // claim's lease then runs out, and a retry with the key is told the outcome was lost, or
    // repeats an update). Either is worth an operator's eye.
    if (keeps(outcome)) {
      await this.store
        .set(storeKey, JSON.stringify({ ...mine, state: 'done', leaseUntil: undefined, outcome: encodeOutcome(outcome) }), IDEMPOTENCY_TTL_MS)
        .catch(() => this.logger.warn({ requestId, operation }, 'the outcome of a mutation with an idempotency key could not be stored'));
    } else {
      // Nothing changed, yet a rotation's retry will be told the outcome is unknown: safe, not kind.
      await this.store
        .deleteIfEquals(storeKey, pending)
        .catch(() => this.logger.warn({ requestId, operation }, 'an idempotency key could not be released after a failure that changed nothing'));
    }
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}
