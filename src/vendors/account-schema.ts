import { z } from 'zod';
import { httpsOrLoopback, withoutUserInfo } from '../loopback.js';
import { rate } from '../store/rate-budgets.js';
import { breakerSettings } from '../resilience/breaker.js';
import { retrySettings } from '../resilience/retry.js';

/** Fields every account config has, whatever the vendor. */
export const accountName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"');

/** A client-side call budget for one account; `false` turns the vendor's default off. */
const rateLimitSetting = z.union([z.literal(false), rate]);

/** Connection and resilience settings for every account (config `http`), overridable per account. */
export const httpSettings = z
  .object({
    connections: z.number().int().min(1).max(512).default(32),
    concurrency: z.number().int().min(1).max(512).default(32),
    connectTimeoutMs: z.number().int().min(1).default(5_000),
    headersTimeoutMs: z.number().int().min(1).default(15_000),
    bodyTimeoutMs: z.number().int().min(1).default(15_000),
    /** A vendor answer longer than this is cut off and reported as that account's failure. */
    // At most 256 MB: past V8's longest string (~512 MB) an answer could not be read at all.
    maxResponseBytes: z.number().int().min(1_000).max(256_000_000).default(16_000_000),
    retry: retrySettings.default(retrySettings.parse({})),
    breaker: breakerSettings.default(breakerSettings.parse({})),
    /** Overrides every vendor's default budget (per account); `false` = no client-side limit. */
    rateLimit: rateLimitSetting.optional(),
  })
  .strict();
export type HttpSettings = z.output<typeof httpSettings>;

/** An object's fields, each optional and without its default. */
type Overrides<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer Inner> ? Inner : S[K]> };

/**
 * `schema` as an override: every field optional and without its default, so an account's `http`
 * carries only what it names and everything else still comes from the config's top-level `http`.
 * (zod's `.partial()` keeps defaults, which would quietly reset every unnamed field.)
 */
function overridesOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodObject<Overrides<S>> {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, z.optional(field instanceof z.ZodDefault ? field.unwrap() : field)]));
  return z.object(shape).strict() as unknown as z.ZodObject<Overrides<S>>;
}

/** An account's own `http`: any of the settings above, nested ones field by field. */
export const httpOverrides = overridesOf(httpSettings).extend({
  retry: overridesOf(retrySettings).optional(),
  breaker: overridesOf(breakerSettings).optional(),
});
export type HttpOverrides = z.output<typeof httpOverrides>;

/** The settings an account runs with: its own `http` over the config's top-level `http`. */
export function accountHttp(defaults: HttpSettings, overrides: HttpOverrides = {}): HttpSettings {
  const { retry, breaker, ...flat } = overrides;
  return { ...defaults, ...flat, retry: { ...defaults.retry, ...retry }, breaker: { ...defaults.breaker, ...breaker } };
}

/**
 * A vendor's API root. The account's secrets and tokens travel to it, so it is https (plain http
 * only to this machine), and it holds no user or password: those would travel on, in the URL, to
 * wherever the gateway puts it (Auth0's token audience is built from it).
 */
export const baseUrl = z
  .url({ protocol: /^https?$/ })
  .refine(withoutUserInfo, 'leave the user and password out: the account authenticates with its own credentials')
  .refine(httpsOrLoopback, 'use https: the account’s credentials travel to this URL (plain http only to 127.0.0.1, ::1 or localhost)');
