import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { credential } from '../../../src/vendors/vault/api.js';
import { checkLimits, updateBody } from '../../../src/vendors/vault/update.js';

const current = credential.parse({
  uuid: '6f1c2b8e-3d4a-4b5c-8d9e-0f1a2b3c4d5e',
  name: 'stripe-api-key',
  description: 'Stripe restricted key',
  type: 'CREDENTIAL_TYPE_API_KEY',
  healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID',
  expiresAt: '2031-05-06T07:08:09.123456789Z',
  createdBy: 'terraform',
});

describe('updateBody (read-modify-write)', () => {
  it('sends every metadata field, the unchanged ones exactly as read, and the operator', () => {
    expect(updateBody(current, { name: 'stripe-key' }, 'admin')).toEqual({
      name: 'stripe-key',
      description: 'Stripe restricted key',
      expiresAt: '2031-05-06T07:08:09.123456789Z',
      operator: 'admin',
    });
  });

  it('sends value only when rotating', () => {
    expect(updateBody(current, { description: 'x' }, 'op')).not.toHaveProperty('value');
    expect(updateBody(current, { value: 's3cr3t' }, 'op')).toMatchObject({ value: 's3cr3t', name: 'stripe-api-key' });
  });

  it('clears the description as "" and the expiry as null', () => {
    expect(updateBody(current, { description: null, expiresAt: null }, 'op')).toMatchObject({ description: '', expiresAt: null });
  });

  it('writes a new expiry as RFC 3339 UTC', () => {
    expect(updateBody(current, { expiresAt: new Date('2030-01-02T03:04:05Z') }, 'op').expiresAt).toBe('2030-01-02T03:04:05.000Z');
  });

  it('sends explicit empties when the vault had no description or expiry', () => {
    const bare = credential.parse({ uuid: current.uuid, name: 'n', type: 'CREDENTIAL_TYPE_PASSWORD', healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID' });
    expect(updateBody(bare, { name: 'm' }, 'op')).toEqual({ name: 'm', description: '', expiresAt: null, operator: 'op' });
  });
});

describe('updateBody of a credential whose expiry the gateway cannot read', () => {
  const unreadable = credential.parse({ ...current, expiresAt: 'end of Q3' });

  it('refuses to send it back, or to clear it unasked, naming input.expiresAt and not the value', () => {
    let err: unknown;
    try {
      updateBody(unreadable, { name: 'stripe-key' }, 'op');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([{ field: 'input.expiresAt', message: 'required while the current expiry is unreadable' }]);
    expect((err as ValidationError).message).not.toContain('end of Q3');
  });

  it('sends the expiry the update sets, or null when it clears it', () => {
    expect(updateBody(unreadable, { name: 'stripe-key', expiresAt: new Date('2030-01-02T03:04:05Z') }, 'op')).toMatchObject({ name: 'stripe-key', expiresAt: '2030-01-02T03:04:05.000Z' });
    expect(updateBody(unreadable, { expiresAt: null }, 'op').expiresAt).toBeNull();
  });
});

describe('updateBody of a credential whose name or description the gateway cannot read', () => {
  const fieldsOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).not.toContain('42');
      return (err as ValidationError).fields;
    }
    return [];
  };

  it('refuses to send back a name it has not got (the vault requires one), until the update sets it', () => {
    for (const name of [null, 42, '']) {
      const nameless = credential.parse({ ...current, name });
      expect(fieldsOf(() => updateBody(nameless, { description: 'x' }, 'op')), JSON.stringify(name)).toEqual([
        { field: 'input.name', message: 'required while the current name is unreadable' },
      ]);
      expect(updateBody(nameless, { name: 'stripe-key' }, 'op').name).toBe('stripe-key');
    }
  });

  it('refuses to clear a description it cannot read unasked, until the update sets or clears it', () => {
    const garbled = credential.parse({ ...current, description: 42 });
    expect(fieldsOf(() => updateBody(garbled, { name: 'stripe-key' }, 'op'))).toEqual([
      { field: 'input.description', message: 'required while the current description is unreadable' },
    ]);
    expect(updateBody(garbled, { description: null }, 'op').description).toBe('');
    expect(updateBody(garbled, { description: 'x' }, 'op').description).toBe('x');
  });
});

describe('checkLimits', () => {
  const issues = (change: Parameters<typeof checkLimits>[0]) => {
    try {
      checkLimits(change);
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).fields.map((f) => f.field);
    }
  };

  it('accepts values at the limits', () => {
    expect(issues({ name: 'n'.repeat(255), description: 'd'.repeat(1024), value: 'v'.repeat(65_536) })).toEqual([]);
    expect(issues({ name: '😀'.repeat(255) })).toEqual([]); // runes, not UTF-16 units
  });

  it('names each field over its limit', () => {
    expect(issues({ name: 'n'.repeat(256), description: 'd'.repeat(1025), value: '€'.repeat(21_846) })).toEqual(['input.name', 'input.description', 'input.value']);
    expect(issues({ value: '' })).toEqual(['input.value']);
  });

  it('never quotes the value in its message', () => {
    const value = `secret-${'€'.repeat(30_000)}`;
    try {
      checkLimits({ value });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-');
      expect(JSON.stringify((err as ValidationError).fields)).not.toContain('secret-');
    }
  });
});
