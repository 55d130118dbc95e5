/**
 * The reference: a bare Yoga + Pothos + undici server answering Q1 — `node(id)` makes one GET to
 * the Auth0 simulator with `pool.request()` and `body.json()` — and nothing else: no
 * authentication, validation of the vendor's answer, logs, metrics, ids, loaders or cancellation;
 * Yoga's defaults. It is the "plain stand-in" issue 7 speaks of, run beside the gateway so that
 * "Q1 ≥ 60% of { __typename }" can be read against what the same stack does with no gateway work
 * at all (bench/README.md, "The reference").
 *
 *   node dist/bench/reference.js '{"url":…,"clientId":…,"clientSecret":…,"credential":{…}}'
 *
 * Prints its port on stdout once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import { Pool } from 'undici';

interface Args {
  url: string;
  clientId: string;
  clientSecret: string;
  credential: { clientId: string; credentialId: string };
}

interface VendorCredential {
  id: string;
  name?: string;
  credential_type?: string;
  expires_at?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const pool = new Pool(args.url, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: args.clientId, client_secret: args.clientSecret, audience: `${args.url}/api/v2/` });
const tokenResponse = await pool.request({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
const authorization = `Bearer ${((await tokenResponse.body.json()) as { access_token: string }).access_token}`;

// No plugins. (The gateway's plugins declare their options on Pothos' types project-wide, hence the cast.)
const builder = new SchemaBuilder<{ Objects: { Credential: VendorCredential & { globalId: string } } }>({} as never);
builder.objectType('Credential', {
  fields: (t) => ({
    id: t.exposeID('globalId'),
    name: t.string({ nullable: true, resolve: (c) => c.name ?? null }),
    kind: t.string({ nullable: true, resolve: (c) => c.credential_type ?? null }),
    status: t.string({ resolve: (c) => (c.expires_at && Date.parse(c.expires_at) < Date.now() ? 'EXPIRED' : 'ACTIVE') }),
    expiresAt: t.string({ nullable: true, resolve: (c) => c.expires_at ?? null }),
  }),
});
builder.queryType({
  fields: (t) => ({
    node: t.field({
      type: 'Credential',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, { id }) => {
        const { clientId, credentialId } = args.credential;
        const res = await pool.request({ method: 'GET', path: `/api/v2/clients/${clientId}/credentials/${credentialId}`, headers: { accept: 'application/json', authorization } });
        const body = (await res.body.json()) as VendorCredential;
        return res.statusCode === 200 ? { ...body, globalId: String(id) } : null;
      },
    }),
  }),
});

const yoga = createYoga({ schema: builder.toSchema(), logging: false, landingPage: false, graphiql: false });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
