import type { Tracer } from '@opentelemetry/api';
import { HttpClient } from '../http/client.js';
import type { Rate } from '../store/rate-budgets.js';
import { TokenCache, type IssuedToken } from '../http/tokens.js';
import type { Vendor } from '../domain/vendor.js';
import { ChangeInProgressError, UpstreamError, type UpstreamSource } from '../errors.js';
import { LockBusy, withLock, withLockOrRefuse } from '../store/lock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SharedStore } from '../store/store.js';
import { accountHttp } from './account-schema.js';
import type { AccountConfigBase, AccountDeps, HttpSettings } from './types.js';

export interface GatewayServices {
  logger: Logger;
  http: HttpSettings;
  store: SharedStore;
  metrics: Metrics;
  tracer: Tracer | undefined;
}

/**
 * What an account's plumbing needs of its vendor's module (a VendorModule has it; see module.ts):
 * no more, so this file, which the adapters' deps come from, stays clear of GraphQL.
 */
export interface AccountVendor {
  readonly vendor: Vendor;
  readonly configName: string;
  readonly secretFields: readonly string[];
  readonly defaultRateLimit: Rate | null;
}

/** The values of the account's secret config fields (client secrets, tokens, keys). */
export function accountSecrets(module: AccountVendor, account: AccountConfigBase): string[] {
  return module.secretFields.map((f) => (account as unknown as Record<string, unknown>)[f]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * What an account's adapter gets from the gateway: an HTTP client and a token cache already
 * configured with the gateway-wide settings, the account's overrides and the vendor's default
 * rate budget, so adapters never deal with stores, metrics or tracing themselves.
 */
export function accountDeps(module: AccountVendor, account: AccountConfigBase, services: GatewayServices): AccountDeps {
  const http = accountHttp(services.http, account.http);
  const rateLimit: Rate | null = http.rateLimit === false ? null : (http.rateLimit ?? module.defaultRateLimit);
  const secrets = accountSecrets(module, account);
  const source: UpstreamSource = { vendor: module.vendor, account: account.name };
  const where = `${module.vendor} account "${account.name}"`;
  /** One store key per resource of the account, whichever kind of lock takes it. */
  const lockKey = (key: string) => `lock:${module.configName}:${account.name}:${key}`;
  return {
    logger: services.logger,
    http: (options) =>
      new HttpClient({
        vendor: module.vendor,
        account: account.name,
        logger: services.logger,
        ...options,
        secrets,
        ...http,
        rateLimit,
        store: services.store,
        metrics: services.metrics,
        tracer: services.tracer,
      }),
    tokens: (fetchToken: () => Promise<IssuedToken>) =>
      new TokenCache(fetchToken, {
        // In memory the cache itself is the sharing; only a shared store needs the sealed copy.
        shared:
          services.store.kind === 'redis' && secrets.length
            ? { store: services.store, key: `token:${module.configName}:${account.name}`, sealWith: secrets, logger: services.logger }
            : undefined,
      }),
    exclusive: async (key, scope, work) => {
      try {
        return await withLock(services.store, lockKey(key), scope, work);
      } catch (err) {
        if (err instanceof LockBusy) {
          throw new UpstreamError(`another change to the same resource in ${where} was still running, or still unanswered by the vendor, at the request's deadline; try again`, source, null, true);
        }
        if (scope.signal?.aborted && !(err instanceof UpstreamError)) {
          throw new UpstreamError(`request to ${where} was cancelled while waiting for another change to the same resource`, source, null, false, false, { cancelled: true });
        }
        throw err;
      }
    },
    exclusiveOrRefuse: async (key, scope, busy, work) => {
      try {
        return await withLockOrRefuse(services.store, lockKey(key), scope, work);
      } catch (err) {
        throw err instanceof LockBusy ? new ChangeInProgressError(busy, source) : err;
      }
    },
  };
}
