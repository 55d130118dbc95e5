import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { UnreadableValues } from '../../src/vendors/unreadable.js';

function reporter(clock?: () => number) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { values: new UnreadableValues(createLogger({ level: 'info', destination }), 'VAULT', 'vault-prod', clock), lines };
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

  it('tells a bounded number of items one by one, then how many more at most once a minute, never the same item twice', async () => {
    let now = 0;
    const { values, lines } = reporter(() => now);
    for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 1_500; i++) values.report('cert', `key-${i}`, 'UNKNOWN');
    // 1,000 items one by one, then one summary line: a second and third pass over the list add nothing.
    expect(lines).toHaveLength(1_001);
    expect(lines.at(-1)).toMatchObject({ level: 40, vendor: 'VAULT', account: 'vault-prod', unlisted: 1 });
    now += 60_000;
    values.report('cert', 'key-1499', 'UNKNOWN');
    expect(lines).toHaveLength(1_002);
    // Values met since the last summary: the rest of the first pass (499) and the next two (500 each), and this one.
    expect(lines.at(-1)).toMatchObject({ unlisted: 1_500 });
  });
});
