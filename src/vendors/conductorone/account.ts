import { z } from 'zod';
import { accountName, baseUrl, httpOverrides } from '../account-schema.js';
import { CredentialFormatError, parseClientId, parseClientSecret } from './client-auth.js';

/** A zod refinement from a parser that throws CredentialFormatError with a value-free message. */
const parsedBy =
  (parse: (value: string) => unknown) =>
  (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    try {
      parse(value);
    } catch (err) {
      if (!(err instanceof CredentialFormatError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  };

export const conductorOneAccountSchema = z
  .object({
    vendor: z.literal('conductorone'),
    name: accountName,
    /** `<cutename>@<tenant>.conductor.one/spc`; the token host and `aud` come from it. */
    clientId: z.string().min(1).superRefine(parsedBy(parseClientId)),
    /** `secret-token:conductorone.com:v1:…`: an Ed25519 signing key, never sent. */
    clientSecret: z.string().min(1).superRefine(parsedBy(parseClientSecret)),
    /** Where API and token calls go; default `https://<token host>`. `aud` stays the client id's host. */
    baseUrl: baseUrl.optional(),
    http: httpOverrides.optional(),
  })
  .strict();

export type ConductorOneAccountConfig = z.output<typeof conductorOneAccountSchema>;
