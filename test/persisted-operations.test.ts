import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPersistedOperations } from '../src/persisted-operations.js';
import { tempDir } from './fixtures/temp-dir.js';

const sha256 = (document: string) => createHash('sha256').update(document).digest('hex');
const listFile = async (operations: Record<string, string>) => {
  const file = join(await tempDir('persisted'), 'operations.json');
  await writeFile(file, JSON.stringify(operations));
  return file;
};

describe('loadPersistedOperations', () => {
  it('reads each document under its SHA-256', async () => {
    const doc = '{ __typename }';
    expect(loadPersistedOperations(await listFile({ [sha256(doc)]: doc }))).toEqual(new Map([[sha256(doc), doc]]));
  });

  it('refuses a list whose key is not its document’s hash, naming the key (so no document runs under another’s name)', async () => {
    const readOnly = '{ vendorAccounts { name } }';
    const rotation = 'mutation { rotateConnectionKeys(input: { connectionId: "x" }) { __typename } }';
    const file = await listFile({ [sha256(readOnly)]: rotation, [sha256(rotation).toUpperCase()]: rotation });
    expect(() => loadPersistedOperations(file)).toThrow(`2 entries are not keyed by the SHA-256 (lowercase hex) of the document it holds: "${sha256(readOnly)}", "${sha256(rotation).toUpperCase()}"`);
  });

  it('refuses JSON that is not a map of hashes to document strings, and names a single misnamed entry in the singular', async () => {
    for (const list of [['{ __typename }'], { [sha256('{ __typename }')]: 42 }, 'just text']) {
      const file = await listFile(list as never);
      expect(() => loadPersistedOperations(file)).toThrow(`persistedOperations.file ${file} must map operation hashes to documents (strings)`);
    }
    const doc = '{ __typename }';
    const file = await listFile({ [sha256(`${doc} `)]: doc });
    expect(() => loadPersistedOperations(file)).toThrow(`: 1 entry is not keyed by the SHA-256 (lowercase hex) of the document it holds: "${sha256(`${doc} `)}"`);
  });

  it('names the setting and the file when the file cannot be read or is not JSON, as the gateway stops at start with that message alone', async () => {
    const dir = await tempDir('persisted');
    const missing = join(dir, 'missing.json');
    expect(() => loadPersistedOperations(missing)).toThrow(`persistedOperations.file ${missing} cannot be read (ENOENT)`);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "abc": "{ __typename }", }');
    expect(() => loadPersistedOperations(broken)).toThrow(`persistedOperations.file ${broken} is not valid JSON`);
  });
});
