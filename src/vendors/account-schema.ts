import { z } from 'zod';
import { rateLimit } from '../http/client.js';
import { breakerSettings } from '../resilience/breaker.js';
import { retrySettings } from '../resilience/retry.js';

/** Fields every account config has, whatever the vendor. */
export const accountName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"');

/** A client-side call budget for one account; `false` turns the vendor's default off. */
export const rateLimitSetting = z.union([z.literal(false), rateLimit]);

/** Connection and resilience settings for every account (config `http`), overridable per account. */
export const httpSettings = z
  .object({
    connections: z.number().int().min(1).max(512).default(32),
    concurrency: z.number().int().min(1).max(512).default(32),
    connectTimeoutMs: z.number().int().min(1).default(5_000),
    headersTimeoutMs: z.number().int().min(1).default(15_000),
    bodyTimeoutMs: z.number().int().min(1).default(15_000),
    retry: retrySettings.default(retrySettings.parse({})),
    breaker: breakerSettings.default(breakerSettings.parse({})),
    /** Overrides every vendor's default budget (per account); `false` = no client-side limit. */
    rateLimit: rateLimitSetting.optional(),
  })
  .strict();
export type HttpSettings = z.output<typeof httpSettings>;

/** Connection and resilience settings: defaults at the top of the config, overridable per account. */
export const httpOverrides = z
  .object({
    connections: z.number().int().min(1).max(512).optional(),
    concurrency: z.number().int().min(1).max(512).optional(),
    connectTimeoutMs: z.number().int().min(1).optional(),
    headersTimeoutMs: z.number().int().min(1).optional(),
    bodyTimeoutMs: z.number().int().min(1).optional(),
    retry: retrySettings.partial().optional(),
    breaker: breakerSettings.partial().optional(),
    rateLimit: rateLimitSetting.optional(),
  })
  .strict();
export type HttpOverrides = z.output<typeof httpOverrides>;

export const baseUrl = z.url({ protocol: /^https?$/ });
