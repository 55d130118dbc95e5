import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { accountHttp, httpOverrides, httpSettings } from '../../src/vendors/account-schema.js';

const account = (http: Record<string, unknown>) => ({ vendor: 'vault', name: 'vault-prod', baseUrl: 'https://vault.example.com', token: 't', http });

describe("an account's http settings", () => {
  it('take each field the account does not name from the top-level http, nested retry and breaker fields included', () => {
    const config = parseConfig({
      auth: 'none',
      http: { connections: 8, retry: { maxAttempts: 4, maxDelayMs: 20_000 }, breaker: { cooldownMs: 60_000 } },
      accounts: [account({ concurrency: 2, retry: { maxAttempts: 1 }, breaker: { failureThreshold: 9 } })],
    });
    const overrides = config.accounts[0]!.config.http;
    expect(overrides).toEqual({ concurrency: 2, retry: { maxAttempts: 1 }, breaker: { failureThreshold: 9 } });
    expect(accountHttp(config.http, overrides)).toEqual({
      ...httpSettings.parse({}),
      connections: 8,
      concurrency: 2,
      retry: { maxAttempts: 1, baseDelayMs: 200, maxDelayMs: 20_000, budgetRatio: 0.2, budgetMinPerSecond: 10 },
      breaker: { failureThreshold: 9, cooldownMs: 60_000 },
    });
  });

  it('are the top-level http as is when the account names none', () => {
    const defaults = httpSettings.parse({ rateLimit: false });
    expect(accountHttp(defaults, undefined)).toEqual(defaults);
  });

  it('refuse an unknown or out-of-range field, nested ones too', () => {
    for (const bad of [{ bogus: 1 }, { connections: 0 }, { retry: { attempts: 2 } }, { breaker: { cooldownMs: 1 } }]) {
      expect(httpOverrides.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
