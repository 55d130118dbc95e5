import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditRecord } from '../src/audit.js';
import { createLogger } from '../src/logger.js';
import type { KeycardSimulator } from '../src/vendors/keycard/simulator.js';
import { UpdateCredentialDocument } from './gql/graphql.js';
import { startHarness, type Harness } from './fixtures/harness.js';
import { gid } from './fixtures/ids.js';
import { tempDir } from './fixtures/temp-dir.js';

const record: AuditRecord = {
  time: new Date().toISOString(),
  requestId: 'r1',
  caller: 'ops',
  via: 'api-key',
  operation: 'updateCredential',
  vendor: 'AUTH0',
  account: 'auth0-prod',
  target: ['client', 'cred'],
  fields: ['expiresAt'],
  outcome: 'success',
  upstreamStatus: 201,
};

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('the audit log', () => {
  it('writes every record to the log stream even when the log level is above info', async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'warn', destination });
    new AuditLog(logger).write(record);
    logger.info('an ordinary info line');
    logger.flush();
    await new Promise((r) => setTimeout(r, 20));
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord });
    expect(logged.map((l) => l.msg)).toEqual(['audit']);
    expect(logged[0]!.audit).toEqual(record);
  });

  it('appends each record to the audit file as one JSON line', async () => {
    const file = join(await tempDir('audit'), 'audit.jsonl');
    const audit = new AuditLog(createLogger({ level: 'silent' }), file);
    audit.write(record);
    audit.write({ ...record, requestId: 'r2' });
    await audit.flush();
    expect((await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as AuditRecord).requestId)).toEqual(['r1', 'r2']);
  });

  it('names the record it could not append to the file (its request, operation and outcome), which the log stream still holds', async () => {
    const dir = await tempDir('audit');
    const file = join(dir, 'audit.jsonl');
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    const audit = new AuditLog(logger, file);
    await rm(dir, { recursive: true }); // the file's place is gone after start
    audit.write(record);
    await audit.flush();
    logger.flush();
    await new Promise((r) => setTimeout(r, 20));
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l.msg === 'audit')).toMatchObject({ audit: record });
    expect(logged.find((l) => l.msg === 'audit file write failed')).toMatchObject({ level: 50, requestId: 'r1', operation: 'updateCredential', outcome: 'success' });
  });

  /** An append to the file that finishes only when the test says so. */
  function heldAppends() {
    const appends: { text: string; done: () => void }[] = [];
    const append = (_file: string, text: string) => new Promise<void>((done) => appends.push({ text, done }));
    const ids = (i: number) => appends[i]!.text.trim().split('\n').map((l) => (JSON.parse(l) as AuditRecord).requestId);
    return { appends, append, ids };
  }

  it('appends the records written while an append is in progress together, in order, in the next append', async () => {
    const file = join(await tempDir('audit'), 'audit.jsonl');
    const { appends, append, ids } = heldAppends();
    const audit = new AuditLog(createLogger({ level: 'silent' }), file, { append });
    for (const requestId of ['r1', 'r2', 'r3', 'r4']) audit.write({ ...record, requestId });
    expect(appends).toHaveLength(1);
    appends[0]!.done();
    await new Promise((r) => setImmediate(r));
    expect(appends).toHaveLength(2);
    appends[1]!.done();
    await audit.flush();
    expect([ids(0), ids(1)]).toEqual([['r1'], ['r2', 'r3', 'r4']]);
  });

  it('names, and does not keep for the file, a record that would put the file more than its backlog behind; the log stream still has it', async () => {
    const file = join(await tempDir('audit'), 'audit.jsonl');
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    const { appends, append, ids } = heldAppends();
    const line = JSON.stringify(record).length + 1;
    const audit = new AuditLog(logger, file, { append, backlogBytes: 2 * line });
    // r1 is being appended; r2 and r3 wait for the file, and r4 would be a third record behind.
    for (const requestId of ['r1', 'r2', 'r3', 'r4']) audit.write({ ...record, requestId });
    appends[0]!.done();
    await new Promise((r) => setImmediate(r));
    appends[1]!.done();
    await audit.flush();
    expect([ids(0), ids(1)]).toEqual([['r1'], ['r2', 'r3']]);
    logger.flush();
    await new Promise((r) => setTimeout(r, 20));
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l.msg === 'audit').map((l) => (l.audit as AuditRecord).requestId)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(logged.filter((l) => l.msg === 'audit file write failed')).toEqual([
      expect.objectContaining({ level: 50, requestId: 'r4', operation: 'updateCredential', outcome: 'success' }),
    ]);
  });

  it('refuses, at start, an audit file it cannot write, naming it', () => {
    expect(() => new AuditLog(createLogger({ level: 'silent' }), '/nonexistent-dir/audit.jsonl')).toThrow('audit.file /nonexistent-dir/audit.jsonl cannot be written (ENOENT)');
  });
});

describe("a mutation's audit record", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: { keycard: ['keycard-sandbox'] } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());
  const audits = () =>
    h.logs
      .map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord })
      .filter((l) => l.msg === 'audit')
      .map((l) => l.audit!);

  it('names the status of the answer that refused the change, not of a read made after it to tell what that answer meant', async () => {
    const sim = h.sim('keycard-sandbox') as KeycardSimulator;
    const serviceAccount = [...sim.state.credentials.keys()][0]!;
    const before = audits().length;
    const res = await h.exec(UpdateCredentialDocument, { input: { id: gid('KeycardCredential', 'keycard-sandbox', serviceAccount, 'no-such-credential'), name: 'renamed' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'NotFoundError' });
    // Keycard's 404 is a missing credential only once its organization answers: that read answers 200.
    expect(sim.apiRequests().map((r) => `${r.method} ${r.route}`)).toEqual([
      'PATCH /organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
      'GET /organizations/:organization_id/service-accounts',
    ]);
    expect(audits().slice(before)).toEqual([
      expect.objectContaining({ operation: 'updateCredential', vendor: 'KEYCARD', account: 'keycard-sandbox', fields: ['name'], outcome: 'NotFoundError', upstreamStatus: 404 }),
    ]);
  });
});
