import { z } from 'zod';

/** Fields every account config has, whatever the vendor. */
export const accountName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"');

export const httpOverrides = z
  .object({
    connections: z.number().int().min(1).max(512).optional(),
    concurrency: z.number().int().min(1).max(512).optional(),
    connectTimeoutMs: z.number().int().min(1).optional(),
    headersTimeoutMs: z.number().int().min(1).optional(),
    bodyTimeoutMs: z.number().int().min(1).optional(),
  })
  .strict();

export const baseUrl = z.url({ protocol: /^https?$/ });
