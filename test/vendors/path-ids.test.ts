import { describe, expect, it } from 'vitest';
import { ref } from '../../src/domain/ref.js';
import { ValidationError } from '../../src/errors.js';
import { pathIds } from '../../src/vendors/path-ids.js';

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const key = (kid: string) => ref('Auth0ConnectionKey', 'auth0-prod', 'con_abc123', kid);
const refused = (f: () => unknown, field = 'id') => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ValidationError);
  expect(err).toMatchObject({ message: 'Malformed id: not an id issued by this gateway', fields: [{ field, message: 'malformed' }] });
};

describe('pathIds', () => {
  it('returns the path ids when each sent one matches the pattern', () => {
    expect(pathIds(ref('Auth0ClientCredential', 'auth0-prod', 'client1', 'cred_1'), 2, ID)).toEqual(['client1', 'cred_1']);
  });

  it('refuses a path of another length, or a sent id the pattern does not match, naming the input field', () => {
    refused(() => pathIds(ref('Auth0Client', 'auth0-prod', 'a', 'b'), 1, ID));
    refused(() => pathIds(ref('Auth0Client', 'auth0-prod', '../admin'), 1, ID, { field: 'input.connectionId' }), 'input.connectionId');
    refused(() => pathIds(ref('Auth0Client', 'auth0-prod', 'x'.repeat(129)), 1, ID));
  });

  it('matches the ids beyond `upstream` locally only: any text of 1 to 255 characters', () => {
    expect(pathIds(key('kid with spaces/and?slash'), 2, ID, { upstream: 1 })).toEqual(['con_abc123', 'kid with spaces/and?slash']);
    expect(pathIds(key('k'.repeat(255)), 2, ID, { upstream: 1 })).toEqual(['con_abc123', 'k'.repeat(255)]);
  });

  it('refuses a locally matched id that is empty or longer than 255 characters', () => {
    refused(() => pathIds(key(''), 2, ID, { upstream: 1 }));
    refused(() => pathIds(key('k'.repeat(256)), 2, ID, { upstream: 1 }));
  });

  it('still checks the sent ids against the pattern', () => refused(() => pathIds(ref('Auth0ConnectionKey', 'auth0-prod', 'con/../x', 'kid'), 2, ID, { upstream: 1 })));
});
