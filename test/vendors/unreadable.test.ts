import { describe, expect, it, vi } from 'vitest';
import { UnreadableValues } from '../../src/vendors/unreadable.js';
import { capturedLogger } from '../fixtures/logs.js';

function reporter() {
  const { logger, lines } = capturedLogger();
  return { values: new UnreadableValues(logger, 'VAULT', 'vault-prod'), lines };
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

  it('names an item by the first 200 characters of its id at most, however long the vendor made it', () => {
    const { values, lines } = reporter();
    values.report('createDate', 'x'.repeat(1_000_000), 'null');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.item).toBe(`${'x'.repeat(200)}…`);
  });

  it('tells a bounded number of items one by one, then how many more a minute later, never the same item twice', () => {
    vi.useFakeTimers();
    try {
      const { values, lines } = reporter();
      for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 1_500; i++) values.report('cert', `key-${i}`, 'UNKNOWN');
      // 1,000 items one by one; the values past them are counted, not told.
      expect(lines).toHaveLength(1_000);
      vi.advanceTimersByTime(60_000);
      // A minute after the first of them, one line counts them all (500 in each of three passes).
      expect(lines).toHaveLength(1_001);
      expect(lines.at(-1)).toMatchObject({ level: 40, vendor: 'VAULT', account: 'vault-prod', unlisted: 1_500 });
      // Nothing more until more are met.
      vi.advanceTimersByTime(600_000);
      expect(lines).toHaveLength(1_001);
      values.report('cert', 'key-1499', 'UNKNOWN');
      vi.advanceTimersByTime(60_000);
      expect(lines.at(-1)).toMatchObject({ unlisted: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('at close, tells the count still waiting for its minute at once instead of losing it with the process', () => {
    vi.useFakeTimers();
    try {
      const { values, lines } = reporter();
      for (let i = 0; i < 1_200; i++) values.report('cert', `key-${i}`, 'UNKNOWN');
      expect(lines).toHaveLength(1_000);
      values.flush();
      expect(lines.at(-1)).toMatchObject({ level: 40, vendor: 'VAULT', account: 'vault-prod', unlisted: 200 });
      // Told once: the minute's timer is gone with it.
      vi.advanceTimersByTime(60_000);
      expect(lines).toHaveLength(1_001);
      values.flush();
      expect(lines).toHaveLength(1_001);
    } finally {
      vi.useRealTimers();
    }
  });
});
