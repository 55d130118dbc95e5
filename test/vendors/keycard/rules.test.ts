import { describe, expect, it } from 'vitest';
import { ref } from '../../../src/domain/ref.js';
import { ValidationError } from '../../../src/errors.js';
import { keycardAccountSchema } from '../../../src/vendors/keycard/account.js';
import { patchBody } from '../../../src/vendors/keycard/adapter.js';
import { credential, errorMessage, tokenResponse } from '../../../src/vendors/keycard/api.js';
import { KEYCARD_ID, keycardIds } from '../../../src/vendors/keycard/ids.js';
import { credentialRecord } from '../../../src/vendors/keycard/records.js';

describe('Keycard path ids', () => {
  it.each(['ab3def8hij2klm9opq5rst7uvw', 'acme-corp', 'a/b', '%2F..%2F', '../x', '...', 'crédential😀', ' ', 'x'.repeat(255), '😀'.repeat(255)])(
    'accepts %j (labels may hold path characters; they are encoded)',
    (id) => expect(KEYCARD_ID.test(id)).toBe(true),
  );

  it.each(['', '.', '..', 'a\u0000b', 'a\nb', 'a\u007f', 'a\u0085', '\ud800', 'x'.repeat(256), '😀'.repeat(256)])('refuses %j', (id) =>
    expect(KEYCARD_ID.test(id)).toBe(false),
  );

  it('names the input field in the refusal', () => {
    const err = (() => {
      try {
        keycardIds(ref('KeycardCredential', 'kc', 'sa', '..'), 2, 'input.id');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([{ field: 'input.id', message: expect.stringContaining('1-255 characters') }]);
  });

  it('refuses a ref with the wrong number of path ids as not issued here, not as breaking the character rule', () => {
    expect(() => keycardIds(ref('KeycardCredential', 'kc', 'sa'), 2, 'input.id')).toThrow('Malformed id: not an id issued by this gateway');
    expect(() => keycardIds(ref('KeycardCredential', 'kc', 'sa'), 2, 'input.id')).toThrow(
      expect.objectContaining({ fields: [{ field: 'input.id', message: 'malformed' }] }) as unknown as Error,
    );
    expect(keycardIds(ref('KeycardCredential', 'kc', 'sa', 'c/1'), 2, 'id')).toEqual(['sa', 'c/1']);
  });
});

describe('the Keycard account config', () => {
  const base = { vendor: 'keycard', name: 'kc', organizationId: 'acme', clientId: 'A1b2C3d4E5f6G7h8I9j0K', clientSecret: 's3cret' };

  it('defaults baseUrl to https://api.keycard.ai', () => {
    expect(keycardAccountSchema.parse(base).baseUrl).toBe('https://api.keycard.ai');
  });

  it.each([
    ['organizationId', { organizationId: '' }],
    ['organizationId', { organizationId: 'o'.repeat(256) }],
    ['organizationId', { organizationId: '..' }],
    ['clientId', { clientId: 'has:colon' }],
    ['clientSecret', { clientSecret: '' }],
    ['baseUrl', { baseUrl: 'ftp://api.keycard.ai' }],
    ['extra', { extra: true }],
  ])('refuses a bad %s, naming the field and not the value', (field, patch) => {
    const parsed = keycardAccountSchema.safeParse({ ...base, ...patch });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues;
    expect(issues.some((i) => i.path.includes(field) || ('keys' in i && (i.keys as string[]).includes(field)))).toBe(true);
    expect(JSON.stringify(issues)).not.toContain('s3cret');
  });
});

describe('Keycard JSON', () => {
  it('reads the error body {message, code, status}', () => {
    expect(errorMessage({ message: 'Credential not found', code: 'not_found', status: 404 })).toBe('Credential not found (not_found)');
    expect(errorMessage({ message: 'plain' })).toBe('plain');
    expect(errorMessage({ error: 'other vendor shape' })).toBeUndefined();
  });

  it('takes a bearer token response and drops the refresh token', () => {
    const parsed = tokenResponse.parse({ access_token: 'at', token_type: 'bearer', expires_in: 3600, refresh_token: 'rt' });
    expect(parsed).toEqual({ access_token: 'at', token_type: 'bearer', expires_in: 3600 });
    expect(tokenResponse.safeParse({ access_token: 'at', token_type: 'mac', expires_in: 3600 }).success).toBe(false);
  });

  it('maps a credential to a never-expiring CLIENT_SECRET record, ignoring a client_secret if one appeared', () => {
    const c = credential.parse({ id: 'c1', client_id: 'cid', name: 'n', created_at: '2025-01-02T03:04:05Z', client_secret: 'leak', extra: 1 });
    const record = credentialRecord('kc', 'sa1', c, 'list', () => undefined);
    expect(record).toMatchObject({ kind: 'CLIENT_SECRET', expiresAt: null, updatedAt: null, lastUsedAt: null, description: null, clientId: 'cid' });
    expect(record.owner).toEqual({ typename: 'KeycardServiceAccount', account: 'kc', path: ['sa1'] });
    expect(JSON.stringify(record)).not.toContain('leak');
  });

  it('shows a credential whose name is missing, description a number and dates unreadable with them null, reporting each but the absent name', () => {
    const told: string[] = [];
    const c = credential.parse({ id: 'c1', client_id: 'cid', description: 42, created_at: '2025-01-02', last_used_at: 'yesterday' });
    const record = credentialRecord('kc', 'sa1', c, 'list', (field, item, shownAs) => told.push(`${field} ${item} ${shownAs}`));
    expect(record).toMatchObject({ externalId: 'c1', name: null, description: null, createdAt: null, lastUsedAt: null, clientId: 'cid' });
    expect(told).toEqual(['description sa1/c1 null', 'created_at sa1/c1 null', 'last_used_at sa1/c1 null']);
    // Its id is what the gateway needs: without one, the list still fails.
    expect(credential.safeParse({ client_id: 'cid', name: 'n' }).success).toBe(false);
  });
});

describe('the PATCH body', () => {
  it('holds exactly the changed fields in Keycard names', () => {
    expect(patchBody({ name: 'n' })).toEqual({ name: 'n' });
    expect(patchBody({ name: 'n', description: 'd' })).toEqual({ name: 'n', description: 'd' });
  });

  it('refuses to clear the description, null or empty alike, and one over 500 characters, naming input.description', () => {
    for (const description of [null, '']) {
      expect(() => patchBody({ description })).toThrow('Keycard cannot clear a credential description; set a new one instead');
    }
    expect(() => patchBody({ description: null })).toThrow(ValidationError);
    expect(() => patchBody({ description: 'x'.repeat(501) })).toThrow(/at most 500/);
    expect(patchBody({ description: '😀'.repeat(500) }).description).toHaveLength(1000);
  });
});
