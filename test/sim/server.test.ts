import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/sim/server.js';

let sim: SimulatorHandle;
let handled = '';
beforeAll(async () => {
  sim = await startSimulator({
    name: 'control-api',
    routes: [
      { method: 'POST', pattern: '/things', handle: () => ({ status: 200, json: {} }) },
      { method: 'POST', pattern: '/things/:id', handle: (req) => ((handled += `${req.params.id} `), { status: 200, json: { id: req.params.id } }) },
    ],
    authorize: () => true,
    errorBody: (status, message) => ({ status, message }),
  });
});
afterAll(() => sim.close());

/** GET `path` with the Host header a client chose (fetch always sends the URL's). */
const getAs = (path: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });

describe('the simulator control API', () => {
  it('hands the recorded requests to a client naming this machine', async () => {
    await fetch(`${sim.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value":"typed-in-graphiql-7a8b9c"}' });
    for (const host of [new URL(sim.url).host, `localhost:${new URL(sim.url).port}`]) {
      const { status, body } = await getAs('/__sim/requests', host);
      expect(status).toBe(200);
      expect(body).toContain('typed-in-graphiql-7a8b9c');
    }
  });

  it('refuses a web page that rebound its own name to 127.0.0.1 (its Host is its own name)', async () => {
    const { status, body } = await getAs('/__sim/requests', 'attacker.example');
    expect(status).toBe(403);
    expect(body).not.toContain('typed-in-graphiql-7a8b9c');
    expect((await getAs('/__sim/stats', 'attacker.example:80')).status).toBe(403);
  });
});

describe('a held request', () => {
  const post = (id: string) => fetch(`${sim.url}/things/${id}`, { method: 'POST' }).then(async (r) => ((await r.json()) as { id: string }).id);

  it('waits, recorded but not handled, until released, while requests the hold does not match are answered', async () => {
    handled = '';
    const held = sim.hold({ method: 'POST', route: '/things/:id', params: { id: 'a' } });
    const a = post('a');
    await held.reached;
    expect(sim.requests.at(-1)).toMatchObject({ route: '/things/:id', params: { id: 'a' } });
    expect(await post('b')).toBe('b');
    expect(handled).toBe('b ');
    held.release();
    expect(await a).toBe('a');
    expect(handled).toBe('b a ');
    // A hold takes one request: the next is answered at once.
    expect(await post('a')).toBe('a');
  });

  it('is let go by clearFaults, whether its request has arrived or not', async () => {
    const arrived = sim.hold({ route: '/things/:id', params: { id: 'c' } });
    const c = post('c');
    await arrived.reached;
    sim.hold({ route: '/things/:id', params: { id: 'd' } });
    sim.clearFaults();
    expect(await Promise.all([c, post('d')])).toEqual(['c', 'd']);
  });
});
