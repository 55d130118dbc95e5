import { builder } from './builder.js';
import { CredentialInterface } from './credential.js';
import { MUTATION_ERRORS } from './errors.js';
import { parseGlobalId } from './global-id.js';
import { parseUpdateInput } from './inputs.js';
import { NotFoundError } from '../errors.js';

const UpdateCredentialInput = builder.inputType('UpdateCredentialInput', {
  description:
    'Set only what should change. Each vendor accepts a subset (see the README); a field it cannot change is an ' +
    '`UnsupportedChangeError` and nothing is sent.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The credential id.' }),
    name: t.string({ required: false }),
    description: t.string({ required: false, description: 'null clears it where the vendor allows.' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'null clears the expiry where the vendor allows.' }),
    value: t.string({ required: false, description: 'New secret value (vault). Write-only: never returned or logged.' }),
  }),
});

builder.mutationField('updateCredential', (t) =>
  t.field({
    type: CredentialInterface,
    errors: {
      types: MUTATION_ERRORS,
      union: { name: 'UpdateCredentialResult' },
      result: { name: 'UpdateCredentialSuccess' },
      dataField: { name: 'credential' },
    },
    args: { input: t.arg({ type: UpdateCredentialInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, change } = parseUpdateInput({ ...input, id: String(input.id) });
      const ref = parseGlobalId(id);
      if (!ctx.sessions.has(ref.account)) throw new NotFoundError(`no account named "${ref.account}" is configured`);
      return ctx.sessions.get(ref.account).updateCredential(ref, change);
    },
  }),
);
