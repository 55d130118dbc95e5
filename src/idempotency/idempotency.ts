import { createHash, randomBytes } from 'node:crypto';
import { GatewayError, IdempotencyConflictError, UpstreamError } from '../errors.js';
import { sleep } from '../resilience/retry.js';
import { silentLogger, type Logger } from '../logger.js';
import type { SharedStore } from '../store/store.js';
import { decodeOutcome, encodeOutcome, type Outcome } from './codec.js';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotentCall {
  /** Keys belong to a caller: one caller can neither replay nor block another's. */
  caller: string;
  operation: string;
  key: string;
  /** The mutation input without the key; the same key must come with the same input. */
  input: unknown;
  deadline: number;
  signal?: AbortSignal | undefined;
}

interface StoredRecord {
  state: 'pending' | 'done';
  /** Per-record salt: what is stored is a salted hash, never the input (it may hold a secret). */
  salt: string;
  inputHash: string;
  /** Identifies the claim, so only its owner releases it. */
  claim: string;
  outcome?: unknown;
}

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

/**
 * Runs a mutation at most once per (caller, operation, key) within 24 h, across every replica
 * sharing the store. Concurrent duplicates wait for the first and get its outcome.
 */
export class Idempotency {
  constructor(
    private readonly store: SharedStore,
    private readonly logger: Logger = silentLogger,
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
  ) {}

  /** `onReplay` is told when the outcome (a value or an error) is an earlier one, not a new call. */
  async run<T>(call: IdempotentCall, execute: () => Promise<T>, onReplay: () => void = () => undefined): Promise<T> {
    const storeKey = `idem:${sha256(`${call.caller}\u0000${call.operation}\u0000${call.key}`)}`;
    const input = canonical(call.input);
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const salt = randomBytes(16).toString('hex');
      const mine: StoredRecord = { state: 'pending', salt, inputHash: sha256(salt + input), claim: randomBytes(16).toString('hex') };
      const pending = JSON.stringify(mine);
      // A claim outlives the call's own deadline a little, so a crashed replica cannot block forever.
      if (await this.store.setIfAbsent(storeKey, pending, Math.max(1_000, call.deadline - Date.now()) + 5_000)) {
        return this.execute(call.operation, storeKey, pending, mine, execute);
      }
      const raw = await this.store.get(storeKey);
      if (raw === null) continue; // released meanwhile: claim again
      const found = JSON.parse(raw) as StoredRecord;
      if (found.inputHash !== sha256(found.salt + input)) {
        throw new IdempotencyConflictError('This idempotency key was already used with a different input; use a new key for a new change.', 'INPUT_MISMATCH');
      }
      if (found.state === 'done') {
        const outcome = decodeOutcome<T>(found.outcome);
        onReplay();
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      if (Date.now() + wait >= call.deadline) {
        throw new IdempotencyConflictError('A request with this idempotency key is still in progress; retry later with the same key.', 'IN_PROGRESS');
      }
      await sleep(wait, call.signal);
    }
  }

  private async execute<T>(operation: string, storeKey: string, pending: string, mine: StoredRecord, execute: () => Promise<T>): Promise<T> {
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
    // claim then expires with its time to live).
    const keep = keeps(outcome)
      ? this.store.set(storeKey, JSON.stringify({ ...mine, state: 'done', outcome: encodeOutcome(outcome) }), this.ttlMs)
      : this.store.deleteIfEquals(storeKey, pending);
    await keep.catch(() =>
      // A retry with the key once the claim expires would run the change again: worth an operator's eye.
      this.logger.warn({ operation }, 'the outcome of a mutation with an idempotency key could not be stored'),
    );
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}
