import { isInputObjectType, isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { getSchema } from '../../src/schema/index.js';
import { CHANGE_FIELDS, UPDATE_INPUT_FIELDS, checkExpiry, parseUpdateInput } from '../../src/schema/inputs.js';

/**
 * The update input is declared twice, for GraphQL (Pothos, mutations.ts) and for parsing (zod,
 * inputs.ts); CredentialChange is the zod schema's type. These say the two declare the same fields,
 * and that a field only GraphQL knows can never be dropped unseen.
 */

const future = () => new Date(Date.now() + 86_400_000);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
};

describe('UpdateCredentialInput', () => {
  it('has, in the built schema, the id and exactly the fields the zod parser knows, each optional', () => {
    const type = getSchema().getType('UpdateCredentialInput');
    if (!isInputObjectType(type)) throw new Error('UpdateCredentialInput is not an input type');
    const fields = type.getFields();
    expect(Object.keys(fields).sort()).toEqual(['id', ...UPDATE_INPUT_FIELDS].sort());
    expect(isNonNullType(fields.id!.type)).toBe(true);
    for (const name of UPDATE_INPUT_FIELDS) expect(isNonNullType(fields[name]!.type), name).toBe(false);
    expect([...CHANGE_FIELDS]).toEqual(UPDATE_INPUT_FIELDS.filter((f) => f !== 'idempotencyKey'));
  });

  it('refuses as the gateway’s own fault, never drops, a field the GraphQL input has and the parser does not', () => {
    const input = { id: 'x', name: 'billing', rotateAfter: '2031-01-01' } as Parameters<typeof parseUpdateInput>[0];
    const err = refusal(() => parseUpdateInput(input));
    expect(err).not.toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('UpdateCredentialInput has fields parseUpdateInput does not know: rotateAfter');
  });
});

describe('parseUpdateInput', () => {
  it('keeps only the keys the caller set, null as a clear where the field takes one', () => {
    const expiresAt = future();
    expect(parseUpdateInput({ id: 'x', name: '  billing ', description: null, expiresAt, value: undefined, idempotencyKey: 'k-1' })).toEqual({
      change: { name: 'billing', description: null, expiresAt },
      idempotencyKey: 'k-1',
    });
    expect(parseUpdateInput({ id: 'x', expiresAt: null })).toEqual({ change: { expiresAt: null } });
  });

  it('trims a description as it trims a name, so a blank one is the empty description', () => {
    expect(parseUpdateInput({ id: 'x', description: '  billing team \n' })).toEqual({ change: { description: 'billing team' } });
    expect(parseUpdateInput({ id: 'x', description: '   ' })).toEqual({ change: { description: '' } });
  });

  it('takes a null idempotency key as none, as rotateConnectionKeys does (typed clients send null for an unset variable)', () => {
    const parsed = parseUpdateInput({ id: 'x', name: 'billing', idempotencyKey: null });
    expect(parsed).toEqual({ change: { name: 'billing' } });
    expect(parsed.idempotencyKey).toBeUndefined();
  });

  it.each(['name', 'value'])('refuses to clear %s, which a credential cannot be without', (field) => {
    expect(refusal(() => parseUpdateInput({ id: 'x', [field]: null }))).toMatchObject({
      message: `input.${field} cannot be cleared`,
      fields: [{ field: `input.${field}`, message: 'cannot be null' }],
    });
  });

  it('refuses an input that changes nothing, naming every field that could', () => {
    expect(refusal(() => parseUpdateInput({ id: 'x', idempotencyKey: 'k-1' }))).toMatchObject({
      message: 'The input changes nothing: set at least one of name, description, expiresAt, value',
      fields: [{ field: 'input', message: 'no change requested' }],
    });
  });

  it('names every refused field by its path, never its value', () => {
    const err = refusal(() => parseUpdateInput({ id: 'x', name: '   ', value: '', expiresAt: new Date('2001-01-01T00:00:00Z') })) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.fields).toEqual([
      { field: 'input.name', message: 'must not be blank' },
      { field: 'input.expiresAt', message: 'must be in the future' },
      { field: 'input.value', message: 'must not be empty' },
    ]);
  });

  it('refuses text with an unpaired surrogate, which a JSON variable can carry and no vendor can store as sent', () => {
    const err = refusal(() => parseUpdateInput({ id: 'x', name: 'billing\ud800', description: '\udc00 key', value: 'pa\ud83dss' })) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    const notUnicode = 'must be valid Unicode text (it holds an unpaired surrogate)';
    expect(err.fields).toEqual([
      { field: 'input.name', message: notUnicode },
      { field: 'input.description', message: notUnicode },
      { field: 'input.value', message: notUnicode },
    ]);
    // A pair is one character (an emoji), and well-formed.
    expect(parseUpdateInput({ id: 'x', name: 'billing \ud83d\ude00' }).change).toEqual({ name: 'billing 😀' });
  });
});

describe('a name', () => {
  it.each([
    ['a line break', 'two\nlines'],
    ['a tab', 'a\tb'],
    ['a NUL', 'nul\u0000name'],
    ['an escape', 'cred\u001bx'],
    ['a C1 control', 'next\u0085line'],
  ])('is refused with %s inside it, for every vendor', (_label, name) => {
    const err = refusal(() => parseUpdateInput({ id: 'x', name })) as ValidationError;
    expect(err.fields).toEqual([{ field: 'input.name', message: 'must not contain control characters (line breaks, tabs, NUL)' }]);
  });

  it('may hold a line break at either end, which trimming removes, and any other text', () => {
    expect(parseUpdateInput({ id: 'x', name: '\n billing key\t' }).change).toEqual({ name: 'billing key' });
    expect(parseUpdateInput({ id: 'x', name: 'clé — prod 😀' }).change).toEqual({ name: 'clé — prod 😀' });
  });

  it('is one line, while a description may hold several', () => {
    expect(parseUpdateInput({ id: 'x', description: 'first line\nsecond line' }).change).toEqual({ description: 'first line\nsecond line' });
  });
});

describe('checkExpiry', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const at = (iso: string) => () => checkExpiry({ expiresAt: new Date(iso) }, now);

  it('accepts an expiry exactly 100 years ahead, and refuses one an instant later', () => {
    expect(at('2126-01-01T00:00:00Z')).not.toThrow();
    expect(refusal(at('2126-01-01T00:00:00.001Z'))).toMatchObject({ fields: [{ field: 'input.expiresAt', message: 'must be within 100 years' }] });
  });

  it('refuses an expiry at now itself as not in the future', () => {
    expect(refusal(at('2026-01-01T00:00:00Z'))).toMatchObject({ fields: [{ field: 'input.expiresAt', message: 'must be in the future' }] });
    expect(at('2026-01-01T00:00:00.001Z')).not.toThrow();
  });
});
