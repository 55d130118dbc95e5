import { z } from 'zod';

/** Fields every account config has, whatever the vendor. */
export const accountName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"');

export const retrySettings = z
  .object({
    maxAttempts: z.number().int().min(1).max(10).default(3),
    baseDelayMs: z.number().int().min(0).max(60_000).default(200),
    maxDelayMs: z.number().int().min(0).max(300_000).default(5_000),
  })
  .strict();

export const breakerSettings = z
  .object({
    failureThreshold: z.number().int().min(1).max(1000).default(5),
    cooldownMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .strict();

/** A client-side call budget for one account; `false` turns the vendor's default off. */
export const rateLimitSetting = z.union([
  z.literal(false),
  z.object({ perSecond: z.number().positive().max(100_000), burst: z.number().int().min(1).max(100_000) }).strict(),
]);

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
