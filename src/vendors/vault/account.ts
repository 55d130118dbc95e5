import { z } from 'zod';
import { accountName, baseUrl, httpOverrides } from '../account-schema.js';

export const vaultAccountSchema = z
  .object({
    vendor: z.literal('vault'),
    name: accountName,
    /** The vault's API root; routes live under `/api/v1` below it. */
    baseUrl,
    /** Static API token, sent as `Authorization: Bearer <token>` on every call. */
    token: z.string().min(1),
    http: httpOverrides.optional(),
  })
  .strict();

export type VaultAccountConfig = z.output<typeof vaultAccountSchema>;
