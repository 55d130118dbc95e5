import { z } from 'zod';
import { accountName, baseUrl, httpOverrides } from '../account-schema.js';
import { ID_RULE, KEYCARD_ID } from './ids.js';

export const keycardAccountSchema = z
  .object({
    vendor: z.literal('keycard'),
    name: accountName,
    /** API root; the token endpoint is `${baseUrl}/service-account-token`. */
    baseUrl: baseUrl.default('https://api.keycard.ai'),
    /** The organization's id or its label; every API path is under /organizations/{organizationId}. */
    organizationId: z.string().regex(KEYCARD_ID, `use ${ID_RULE}`),
    /** A service-account credential's client id; sent with the secret as HTTP Basic. */
    clientId: z.string().regex(/^[^:\p{Cc}]+$/u, 'must not be empty or contain ":" or control characters'),
    clientSecret: z.string().min(1),
    http: httpOverrides.optional(),
  })
  .strict();

export type KeycardAccountConfig = z.output<typeof keycardAccountSchema>;
