import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { UnreadableValues } from '../../src/vendors/unreadable.js';

function reporter() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { values: new UnreadableValues(createLogger({ level: 'info', destination }), 'VAULT', 'vault-prod'), lines };
}

describe('UnreadableValues', () => {
  it('warns once per field and item, naming the account, the field, the item and how it is shown', () => {
    const { values, lines } = reporter();
    values.report('createDate', 'uuid-1', 'null');
    values.report('createDate', 'uuid-1', 'null');
    values.report('lastOpDate', 'uuid-1', 'null');
    values.report('createDate', 'uuid-2', 'null');
    expect(lines.map(({ field, item }) => `${String(field)} ${String(item)}`)).toEqual(['createDate uuid-1', 'lastOpDate uuid-1', 'createDate uuid-2']);
    expect(lines[0]).toMatchObject({ level: 40, vendor: 'VAULT', account: 'vault-prod', shownAs: 'null', msg: 'the vendor sent a value the gateway cannot read' });
  });

  it('remembers a bounded number of items: past it, it starts over rather than grow', () => {
    const { values, lines } = reporter();
    for (let i = 0; i <= 1_000; i++) values.report('cert', `key-${i}`, 'UNKNOWN');
    values.report('cert', 'key-0', 'UNKNOWN');
    values.report('cert', 'key-1000', 'UNKNOWN');
    // key-0 was forgotten when the 1001st item came; key-1000 is still remembered.
    expect(lines).toHaveLength(1_002);
    expect(lines.at(-1)).toMatchObject({ item: 'key-0' });
  });
});
