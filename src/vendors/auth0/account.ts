import { z } from 'zod';
import { accountName, baseUrl, httpOverrides } from '../account-schema.js';

export const auth0AccountSchema = z
  .object({
    vendor: z.literal('auth0'),
    name: accountName,
    /** Tenant root, e.g. https://acme.eu.auth0.com (the Management API lives under /api/v2). */
    baseUrl,
    /** Management API identifier; defaults to `${baseUrl}/api/v2/` (trailing slash included). */
    audience: z.string().min(1).optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    http: httpOverrides.optional(),
  })
  .strict();

export type Auth0AccountConfig = z.output<typeof auth0AccountSchema>;
