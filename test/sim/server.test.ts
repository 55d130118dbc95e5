import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/sim/server.js';

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({
    name: 'control-api',
    routes: [{ method: 'POST', pattern: '/things', handle: () => ({ status: 200, json: {} }) }],
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
