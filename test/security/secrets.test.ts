import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import type { VaultSimulator } from '../../src/vendors/vault/simulator.js';
import { authConfig, jwtFixture, KEYS } from '../fixtures/callers.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

/**
 * A full run — every operation, forced failures, bad callers — then a search of everything the
 * gateway logged and answered for every secret it knows: none may appear.
 */
let h: Harness;
const secrets = new Set<string>();
let invalidVariable = '';
let nonString = '';
let badDate = '';
let badEnum = '';
let nonStringEnum = '';
let enumWordingInDate = '';
let quotedToken = '';
let goQuotedAnswer = '';
let malformedBody = '';
let htmlQuotedAnswer = '';
let literalAnswers: string[] = [];

/** A secret as text may hold it: raw, JSON-escaped once (a JSON body), or twice (a message quoting JSON, in a JSON body). */
const forms = (s: string) => {
  const once = JSON.stringify(s).slice(1, -1);
  return [...new Set([s, once, JSON.stringify(once).slice(1, -1)])];
};

beforeAll(async () => {
  const jwt = await jwtFixture();
  h = await startHarness({ accounts: { auth0: ['auth0-prod', 'auth0-staging'] }, config: { auth: authConfig(jwt) } });
  const vault = h.sim('vault-sandbox') as VaultSimulator;
  // Values the vault holds are secrets too: the gateway never reads them, and must never show them.
  for (const c of vault.state.credentials) secrets.add(c.value);
  const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read credentials:write keys:rotate' });
  for (const s of [...h.secrets, ...Object.values(KEYS), token]) secrets.add(s);

  const admin = { 'x-api-key': KEYS.admin };
  const run = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = admin) =>
    h.post(JSON.stringify({ query, variables }), headers).then((r) => r.text());
  const prod = h.sim('auth0-prod') as Auth0Simulator;
  const [clientId, creds] = [...prod.state.credentials.entries()][0]!;
  const cred = encodeGlobalId('Auth0ClientCredential', JSON.stringify(['auth0-prod', clientId, creds[0]!.id]));
  const conn = encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', prod.state.connections[0]!.id]));
  const UPDATE = 'mutation($i: UpdateCredentialInput!) { updateCredential(input: $i) { __typename ... on Error { message } } }';
  const ROTATE = 'mutation($i: RotateConnectionKeysInput!) { rotateConnectionKeys(input: $i) { __typename ... on Error { message } } }';

  await run('{ credentials(first: 500) { edges { node { id name status owner { name credentials { id } } } } } }');
  await run('query($id: ID!) { node(id: $id) { id ... on Credential { name expiresAt } } }', { id: cred }, { authorization: `Bearer ${token}` });
  await run(UPDATE, { i: { id: cred, expiresAt: new Date(Date.now() + 86_400_000 * 40).toISOString() } });
  await run(UPDATE, { i: { id: cred, value: 'not-applicable-secret' } });
  await run(ROTATE, { i: { connectionId: conn } });
  // Every vendor's update, each listed credential's owner, and vault rotations of the secret value.
  const all = JSON.parse(await run('{ credentials(first: 500) { edges { node { id vendor } } } }')) as {
    data: { credentials: { edges: { node: { id: string; vendor: string } }[] } };
  };
  const firstOf = (vendor: string) => all.data.credentials.edges.find((e) => e.node.vendor === vendor)!.node.id;
  await run(UPDATE, { i: { id: firstOf('CONDUCTORONE'), name: 'renamed-by-secrets-test' } });
  await run(UPDATE, { i: { id: firstOf('KEYCARD'), description: 'described by the secrets test' } });
  const rotated = 'vault-rotated-VALUE-1b2c3d4e5f60718293a4';
  const quoted = 'vault-quoted-VALUE-9f8e7d6c5b4a39281706';
  const failed = 'vault-failed-VALUE-0a1b2c3d4e5f60718293';
  for (const v of [rotated, quoted, failed]) secrets.add(v);
  await run(UPDATE, { i: { id: firstOf('VAULT'), value: rotated, idempotencyKey: 'rotate-1' } });
  vault.inject({ method: 'PUT', status: 400, json: { code: 3, message: `value "${quoted}" is too weak`, details: [] } });
  await run(UPDATE, { i: { id: firstOf('VAULT'), value: quoted } });
  vault.inject({ method: 'PUT', status: 500, json: { code: 13, message: `could not store ${failed}`, details: [] } });
  await run(UPDATE, { i: { id: firstOf('VAULT'), value: failed } });
  // A value quoted JSON-escaped inside the vendor's message (it holds a newline).
  const multiline = 'vault-multiline-VALUE\nsecond-line-3c4d5e6f';
  secrets.add(multiline);
  vault.inject({ method: 'PUT', status: 400, json: { code: 3, message: `rejected ${JSON.stringify(multiline)}`, details: [] } });
  await run(UPDATE, { i: { id: firstOf('VAULT'), value: multiline } });
  // A value the vault quotes with Go's JSON escaping (`&` as \u0026, `<` as \u003c): no 8 characters in a row match it as sent.
  const goEscaped = 'Xk9&mP2<qL5>vN8&wR4<tZ7>';
  const goQuoted = JSON.stringify(goEscaped).replace(/[&<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  secrets.add(goEscaped).add(goQuoted.slice(1, -1));
  vault.inject({ method: 'PUT', status: 400, json: { code: 3, message: `invalid request body: {"value":${goQuoted}} fails policy`, details: [] } });
  goQuotedAnswer = await run(UPDATE, { i: { id: firstOf('VAULT'), value: goEscaped } });
  // The same kind of value quoted HTML-escaped (`&amp;`, `&lt;`, as an error page or an HTML-safe encoder would).
  const htmlEscaped = 'Hq4&nR7<sT2>uW9&yZ3<bC6>';
  const htmlQuoted = htmlEscaped.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  secrets.add(htmlEscaped).add(htmlQuoted);
  vault.inject({ method: 'PUT', status: 400, json: { code: 3, message: `value "${htmlQuoted}" fails policy`, details: [] } });
  htmlQuotedAnswer = await run(UPDATE, { i: { id: firstOf('VAULT'), value: htmlEscaped } });
  // Values written into the document itself rather than sent as variables: graphql-js quotes an invalid literal.
  const inDocument = (input: string) => run(`mutation { updateCredential(input: { id: ${JSON.stringify(firstOf('VAULT'))}, ${input} }) { __typename } }`);
  const literals = ['sk_live_51HxYzLiteralAbc123', '734519826304718', 'vault-literal-VALUE-5a6b7c8d', 'vault-literal-DATE-9e8d7c6b', 'vault-literal-PARSE-1f2e3d4c', 'vault-literal-ENUM-2a3b4c5d', 'RSliteralENUM7e8f9a0b'];
  const rotateInDocument = (alg: string) => run(`mutation { rotateConnectionKeys(input: { connectionId: ${JSON.stringify(conn)}, signingAlg: ${alg} }) { __typename } }`);
  for (const v of literals) secrets.add(v);
  literalAnswers = await Promise.all([
    inDocument(`value: ${literals[0]}`), // a Name token
    inDocument(`value: ${literals[1]}`), // a number
    inDocument(`value: { v: "${literals[2]}" }`), // an object literal
    inDocument(`expiresAt: "${literals[3]}"`), // a scalar's literal
    inDocument(`value: "ab" "${literals[4]}"`), // a string where the parser expects a name
    rotateInDocument(JSON.stringify(literals[5])), // a string where an enum value belongs
    rotateInDocument(literals[6]!), // a name that is no value of the enum
  ]);
  // A request body that is not JSON: the parser's complaint must not echo the body.
  const unparsed = 'vault-unparsed-VALUE-2c3d4e5f6a7b8c9d';
  secrets.add(unparsed);
  malformedBody = await h.post(`${JSON.stringify({ query: UPDATE, variables: { i: { id: firstOf('VAULT'), value: unparsed } } })} ,`, admin).then((r) => r.text());
  // A value that begins with another secret (the vault's own token): cut whole, not just its beginning.
  const vaultToken = (h.accounts.find((a) => a.name === 'vault-sandbox') as unknown as { token: string }).token;
  const prefixed = `${vaultToken}-then-VALUE-4e5f6a7b8c9d`;
  secrets.add('-then-VALUE-4e5f6a7b8c9d');
  vault.inject({ method: 'PUT', status: 400, json: { code: 3, message: `rejected ${prefixed}`, details: [] } });
  await run(UPDATE, { i: { id: firstOf('VAULT'), value: prefixed } });
  // Invalid variables carrying a value: graphql-js would print the whole variable into its error.
  const echoed = ['vault-echoed-VALUE-5a6b7c8d9e0f1a2b3c4d', 'vault-echoed-VALUE-6b7c8d9e0f1a2b3c4d5e', 'vault-echoed-VALUE-7c8d9e0f1a2b3c4d5e6f'];
  for (const v of echoed) secrets.add(v);
  invalidVariable = await run(UPDATE, { i: { id: firstOf('VAULT'), value: echoed[0], bogus: 1 } });
  await run(UPDATE, { i: { value: echoed[1] } });
  nonString = await run(UPDATE, { i: { id: firstOf('VAULT'), value: { nested: echoed[2] } } });
  // A scalar's and an enum's complaints quote the value too.
  const inScalar = 'vault-in-scalar-VALUE-8d9e0f1a2b3c';
  const inEnum = 'vault-in-enum-VALUE-9e0f1a2b3c4d';
  for (const v of [inScalar, inEnum]) secrets.add(v);
  badDate = await run(UPDATE, { i: { id: firstOf('VAULT'), expiresAt: inScalar } });
  badEnum = await run(ROTATE, { i: { connectionId: conn, signingAlg: inEnum } });
  // Values that imitate the wording around them.
  const mimics = ['vault-mimic-VALUE-1a2b3c4d5e6f', 'vault-mimic-VALUE-2b3c4d5e6f7a'];
  for (const v of mimics) secrets.add(v);
  await run(UPDATE, { i: { id: firstOf('VAULT'), expiresAt: `${mimics[0]} value: x` } });
  await run(ROTATE, { i: { connectionId: conn, signingAlg: `a does not exist in "${mimics[1]}" enum.` } });
  // A scalar's complaint imitating an enum's (a word the schema has no enum of), and an enum given an object.
  const wordMimic = 'vaultMimicVALUE3c4d5e6f7a8b';
  const inEnumObject = 'vault-enum-object-VALUE-4d5e6f7a8b9c';
  for (const v of [wordMimic, inEnumObject]) secrets.add(v);
  enumWordingInDate = await run(UPDATE, { i: { id: firstOf('VAULT'), expiresAt: `a does not exist in "${wordMimic}" enum.` } });
  nonStringEnum = await run(ROTATE, { i: { connectionId: conn, signingAlg: { nested: inEnumObject } } });
  // Vendors quoting what the gateway sent them: its client secret, its bearer token.
  const prodSecret = (h.accounts.find((a) => a.name === 'auth0-prod') as unknown as { clientSecret: string }).clientSecret;
  prod.revokeTokens();
  prod.inject({ route: '/oauth/token', status: 401, json: { error: 'access_denied', error_description: `Unauthorized client (client_secret=${prodSecret})` } });
  await run('{ credentials { totalCount } }');
  await run('{ credentials { totalCount } }'); // a fresh token
  const bearer = [...prod.state.tokens.keys()].at(-1)!;
  prod.inject({ route: '/api/v2/clients', status: 403, json: { statusCode: 403, error: 'Forbidden', message: `token ${bearer} lacks read:clients` } });
  quotedToken = await run('{ credentials { totalCount } }');
  // Forced failures: token refused, token revoked mid-flight, 5xx, malformed JSON, reset.
  prod.revokeTokens();
  await run(UPDATE, { i: { id: cred, expiresAt: null } });
  prod.inject({ status: 500 });
  await run('{ credentials { totalCount } }');
  prod.inject({ malformed: true });
  await run(UPDATE, { i: { id: cred, expiresAt: null } });
  prod.inject({ reset: true });
  await run(ROTATE, { i: { connectionId: conn } });
  prod.revokeTokens();
  prod.inject({ route: '/oauth/token', status: 401, json: { error: 'access_denied', error_description: 'Unauthorized' } });
  await run('{ credentials { totalCount } }');
  // Bad callers.
  await run('{ credentials { totalCount } }', {}, { 'x-api-key': `${KEYS.admin}-wrong` });
  await run('{ credentials { totalCount } }', {}, { authorization: `Bearer ${token}x` });

  // Every upstream token the gateway ever sent is a secret too.
  for (const a of h.accounts) {
    for (const r of h.sim(a.name).requests) {
      const bearer = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1];
      if (bearer) secrets.add(bearer);
    }
  }
});
afterAll(() => h.close());

describe('secret hygiene', () => {
  it('collected the secrets to look for', () => {
    expect(secrets.size).toBeGreaterThanOrEqual(20);
    expect(h.logs.length).toBeGreaterThan(10);
    expect(h.responses.length).toBeGreaterThan(10);
  });

  it('never writes a secret to the logs', () => {
    const logs = h.logs.join('\n');
    for (const s of secrets) for (const form of forms(s)) expect(logs.includes(form), `log contains a secret (${s.slice(0, 6)}…)`).toBe(false);
  });

  it('rotated the vault value for real (the test saw it stored, not merely sent)', () => {
    const vault = h.sim('vault-sandbox') as VaultSimulator;
    expect(vault.state.credentials.some((c) => c.value === 'vault-rotated-VALUE-1b2c3d4e5f60718293a4')).toBe(true);
    expect(h.responses.some((r) => r.includes('"__typename":"UpdateCredentialSuccess"'))).toBe(true);
  });

  it('never returns a secret in a response', () => {
    const responses = h.responses.join('\n');
    for (const s of secrets) for (const form of forms(s)) expect(responses.includes(form), `response contains a secret (${s.slice(0, 6)}…)`).toBe(false);
  });

  it('says where and why a variable is invalid, never what it holds', () => {
    const errorOf = (text: string) => (JSON.parse(text) as { errors: { message: string; extensions: { code: string } }[] }).errors[0];
    expect(errorOf(invalidVariable)).toMatchObject({
      message: 'Variable "$i" got invalid value; Field "bogus" is not defined by type "UpdateCredentialInput".',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(errorOf(badDate)!.message).toBe(
      'Variable "$i" got invalid value at "i.expiresAt"; Expected type "DateTime" (specified by https://scalars.graphql.org/andimarek/date-time).',
    );
    expect(errorOf(badEnum)!.message).toBe('Variable "$i" got invalid value at "i.signingAlg"; Value does not exist in "Auth0SigningAlgorithm" enum.');
    expect(errorOf(enumWordingInDate)!.message).toBe(
      'Variable "$i" got invalid value at "i.expiresAt"; Expected type "DateTime" (specified by https://scalars.graphql.org/andimarek/date-time).',
    );
    expect(errorOf(nonStringEnum)).toMatchObject({ message: 'Variable "$i" got invalid value at "i.signingAlg"; not a valid value here', extensions: { code: 'BAD_USER_INPUT' } });
    expect(errorOf(nonString)).toMatchObject({
      message: 'Variable "$i" got invalid value at "i.value"; String cannot represent a non string value',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('keeps a vendor’s message that quoted the bearer token, with the token cut out', () => {
    expect(quotedToken).toContain('token [redacted] lacks read:clients');
  });

  it('withholds a vendor message that quoted a value in an escaped form (Go’s JSON escapes, HTML entities)', () => {
    expect(goQuotedAnswer).toContain('[message withheld: it quoted part of a secret]');
    expect(htmlQuotedAnswer).toContain('[message withheld: it quoted part of a secret]');
  });

  it('says where and why a value written in the document is invalid, never what it is', () => {
    const errorsOf = (text: string) => (JSON.parse(text) as { errors: { message: string; extensions: { code: string }; locations?: unknown[] }[] }).errors;
    expect(literalAnswers.map((answer) => errorsOf(answer).map(({ message, extensions: { code } }) => ({ message, code })))).toEqual([
      [{ message: 'String cannot represent a non string value', code: 'GRAPHQL_VALIDATION_FAILED' }],
      [{ message: 'String cannot represent a non string value', code: 'GRAPHQL_VALIDATION_FAILED' }],
      [{ message: 'String cannot represent a non string value', code: 'GRAPHQL_VALIDATION_FAILED' }],
      [{ message: 'Expected type "DateTime" (specified by https://scalars.graphql.org/andimarek/date-time).', code: 'GRAPHQL_VALIDATION_FAILED' }],
      [{ message: 'Syntax Error: Expected Name, found String.', code: 'GRAPHQL_PARSE_FAILED' }],
      [{ message: 'Enum "Auth0SigningAlgorithm" cannot represent non-enum value.', code: 'GRAPHQL_VALIDATION_FAILED' }],
      [{ message: 'Value does not exist in "Auth0SigningAlgorithm" enum.', code: 'GRAPHQL_VALIDATION_FAILED' }],
    ]);
    // Where it is stays: the caller finds the literal by its location.
    for (const answer of literalAnswers) expect(errorsOf(answer)[0]!.locations).toHaveLength(1);
  });

  it('answers a body that is not JSON with BAD_REQUEST, neither echoing the body nor the parser error', () => {
    const { errors } = JSON.parse(malformedBody) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST', requestId: expect.any(String) });
  });

});
