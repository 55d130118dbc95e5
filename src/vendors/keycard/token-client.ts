import { HttpClient } from '../../http/client.js';
import { TokenCache, type IssuedToken } from '../../http/tokens.js';
import type { Vendor } from '../../domain/vendor.js';
import type { HttpOverrides } from './account.js';
import type { AccountDeps } from '../types.js';

/**
 * The HTTP client of an account that authenticates with an OAuth token: the shared pool settings,
 * overridden per account, and a cached single-flight token from `fetchToken` (which may itself use
 * the returned client: it is only called once a request needs a token). Not Keycard-specific.
 */
export function tokenHttpClient(options: {
  vendor: Vendor;
  account: { name: string; baseUrl: string; http?: HttpOverrides | undefined };
  deps: AccountDeps;
  errorMessage: (body: unknown) => string | undefined;
  fetchToken: () => Promise<IssuedToken>;
}): HttpClient {
  const { vendor, account, deps } = options;
  return new HttpClient({
    vendor,
    account: account.name,
    baseUrl: account.baseUrl,
    logger: deps.logger,
    tokens: new TokenCache(options.fetchToken),
    errorMessage: options.errorMessage,
    ...deps.http,
    ...account.http,
  });
}
