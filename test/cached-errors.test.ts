import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { releaseErrorStacksPlugin } from '../src/cached-errors.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const schema = createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'hi' } } });

/** Sends `query` once in a request of its own, and returns a weak reference to that request once answered. */
async function sentOnce(yoga: ReturnType<typeof createYoga>, query: string): Promise<{ request: WeakRef<Request>; body: unknown }> {
  const request = new Request('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { pad: 'p'.repeat(50_000) } }),
  });
  const response = await yoga.fetch(request);
  return { request: new WeakRef(request), body: await response.json() };
}

/** Whether `ref` still holds its object after a full collection (WeakRefs stay set until the current job ends). */
async function survivesGc(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return ref.deref() !== undefined;
}

describe('releaseErrorStacksPlugin', () => {
  it('lets a request that sent an invalid document go once answered, though Yoga keeps the document and its errors cached', async () => {
    const yoga = createYoga({ schema, logging: false, plugins: [releaseErrorStacksPlugin()] });
    const { request, body } = await sentOnce(yoga, 'query Invalid { nope }');
    expect(body).toMatchObject({ errors: [{ message: expect.stringContaining('Cannot query field "nope"') }] });
    expect(await survivesGc(request)).toBe(false);
    // Still cached (the same answer), and still free of the request.
    expect((await sentOnce(yoga, 'query Invalid { nope }')).body).toEqual(body);
  });
});
