import { Redis } from 'ioredis';
import { SharedStoreUnavailableError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { RateReservation, SharedStore } from './store.js';

/** Compare-and-delete: only the owner of a claim or lock releases it. */
const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/**
 * SET NX that also answers yes when the key already holds this very value: claims are unique, so
 * that is this claim, sent again by ioredis on reconnecting after the reply was lost with the
 * connection (autoResendUnfulfilledCommands). A plain SET NX then says the key is taken, and its
 * owner waits on its own claim (a lock, an idempotency key) until it expires.
 */
const SET_IF_ABSENT = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return 1 end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const EXPIRE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * GCRA (same rule as gcra() in store.ts), atomic in Redis and on Redis's clock, so every replica
 * draws from one budget and their clocks need not agree.
 */
const RESERVE_RATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = 1000 / tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local stored = tonumber(redis.call('GET', KEYS[1]) or now)
local tat = math.max(stored, now) + interval
local wait = math.max(0, tat - burst * interval - now)
local max = tonumber(ARGV[3])
if max >= 0 and wait > 0 and wait >= max then return { tostring(wait), false } end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now + 1000))
return { tostring(wait), tostring(tat) }`;

/** gcraReturn (store.ts), only while the stored time is still the slot's (compared as text). */
const RETURN_RATE = `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = math.max(now, tonumber(ARGV[2]) - 1000 / tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now + 1000))
return 1`;

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key, so several deployments can share one Redis. */
  keyPrefix: string;
  connectTimeoutMs?: number;
  /** Where the connection's ups and downs are told, one line per change; none when absent. */
  logger?: Logger;
}

/**
 * The URL as it may be logged: scheme, host, port and database, without the userinfo (shown as
 * `***` when there is one) or the query (ioredis reads options such as a password there too).
 */
function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * What a connection error is, safe to log: the socket's code (ECONNREFUSED, ETIMEDOUT…), else
 * Redis's error word (WRONGPASS, NOAUTH…), else the error's class. Never the message, which may
 * carry an address or a reply.
 */
function errorCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string' && e.code) return e.code;
  const word = typeof e?.message === 'string' ? /^[A-Z][A-Z_]{2,}(?=\s|$)/.exec(e.message)?.[0] : undefined;
  return word ?? (typeof e?.name === 'string' && e.name ? e.name : 'unknown');
}

/** After Redis fails, commands fail at once for this long rather than each waiting for a reconnection. */
const DOWN_FOR_MS = 5_000;

/**
 * The shared store on Redis (ioredis). While Redis is down, commands fail fast (a second at most,
 * then at once for a few seconds) with SharedStoreUnavailableError, so callers fall back or refuse
 * quickly instead of each waiting out ioredis's reconnection.
 */
export class RedisStore implements SharedStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private downUntil = 0;
  /**
   * The connection as last seen, so each change is logged once rather than each failed
   * reconnection: `lost` is closed but not yet known to fail (a restart may take it back at once).
   */
  private connection: 'connecting' | 'up' | 'lost' | 'down' = 'connecting';

  constructor(options: RedisStoreOptions) {
    const logger = options.logger ?? silentLogger;
    const redis = redactRedisUrl(options.url);
    this.redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      commandTimeout: 1_000,
      enableOfflineQueue: true,
      lazyConnect: false,
      // After a failover the old primary may live on as a replica behind a connection that never
      // drops: every write refused READONLY for good. Reconnecting reaches whatever the address
      // names now; the command still fails (run() then fails fast a while), so a URL naming a
      // replica for good costs a reconnection per DOWN_FOR_MS, not a loop.
      reconnectOnError: (err) => err.message.includes('READONLY'),
    });
    // ioredis emits 'error' on every failed reconnect (unhandled, that would crash the process):
    // only the first of a run is logged, and the connection coming back ends the run.
    this.redis.on('error', (err: unknown) => {
      if (this.connection === 'down') return;
      const was = this.connection;
      this.connection = 'down';
      logger.warn({ redis, code: errorCode(err) }, was === 'connecting' ? 'shared store (Redis) unreachable; retrying' : 'shared store (Redis) connection lost; reconnecting');
    });
    this.redis.on('close', () => {
      if (this.connection === 'up') this.connection = 'lost';
    });
    this.redis.on('ready', () => {
      const was = this.connection;
      this.connection = 'up';
      if (was === 'connecting') logger.info({ redis }, 'shared store (Redis) connected');
      // Lost and back before any error: a drop the operator has not been told of yet.
      else if (was === 'lost') logger.warn({ redis }, 'shared store (Redis) connection dropped; reconnected');
      else if (was === 'down') logger.info({ redis }, 'shared store (Redis) reconnected');
    });
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.redis.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return Number(await this.run(() => this.redis.eval(SET_IF_ABSENT, 1, key, value, String(Math.max(1, Math.ceil(ttlMs)))))) === 1;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return Number(await this.run(() => this.redis.eval(DELETE_IF_EQUALS, 1, key, value))) === 1;
  }

  async expireIfEquals(key: string, value: string, ttlMs: number): Promise<boolean> {
    return Number(await this.run(() => this.redis.eval(EXPIRE_IF_EQUALS, 1, key, value, String(Math.max(1, Math.round(ttlMs)))))) === 1;
  }

  async reserveRate(key: string, perSecond: number, burst: number, maxWaitMs?: number): Promise<RateReservation> {
    // -1: no limit (Lua has no portable infinity).
    const max = String(maxWaitMs === undefined ? -1 : Math.max(0, maxWaitMs));
    const [wait, slot] = (await this.run(() => this.redis.eval(RESERVE_RATE, 1, key, String(perSecond), String(burst), max))) as [string, string | null];
    return { waitMs: Number(wait), slot: slot ?? null };
  }

  async returnRate(key: string, perSecond: number, slot: string): Promise<void> {
    await this.run(() => this.redis.eval(RETURN_RATE, 1, key, String(perSecond), slot));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** One command; Redis failing becomes one typed error, and its own message (addresses, a URL) goes no further. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (Date.now() < this.downUntil) throw new SharedStoreUnavailableError();
    try {
      return await command();
    } catch {
      this.downUntil = Date.now() + DOWN_FOR_MS;
      throw new SharedStoreUnavailableError();
    }
  }
}

