import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { EntityTableSpec } from '../../src/contracts/home-store.js';
import { outboxPosition } from '../../src/contracts/log-position.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeHomeContract } from '../contracts/home-contract.js';
import { describeSagaLogContract } from '../contracts/saga-log-contract.js';
import { useSharedPglite } from '../support/pglite-template.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const sharedPglite = useSharedPglite();

/** A home in a fresh schema of the shared PGlite, dropped afterwards. */
const freshHome = async () => {
  const pglite = await sharedPglite();
  const schema = uniqueName('home');
  const home = pgliteHome({ pglite, schema });
  return {
    home,
    cleanup: async () => {
      await home.close();
      await pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
};

describeHomeContract('pglite', freshHome, { concurrentTransactions: false, batchWrites: true, fusedCreate: true });
describeSagaLogContract('pglite', freshHome, { concurrent: false, recordsReturnSaga: true });

function docSpec(): EntityTableSpec {
  const name = uniqueName('note');
  return { entity: name, table: name, storage: 'document', columns: [] };
}

describe('pglite home', () => {
  it('creates its data directory and keeps rows, outbox and checkpoints across close and reopen', async () => {
    const dir = await tempDir();
    const dataDir = join(dir.path, 'nested', 'home');
    const spec = docSpec();
    try {
      const first = pgliteHome({ dataDir });
      await first.ensureSchema([spec]);
      const position = await first.transaction(async (tx) => {
        const version = await tx.insert(spec, 'n1', { text: 'kept' });
        return tx.appendOutbox({ entity: spec.entity, key: 'n1', version, op: 'create', payload: { text: 'kept' } });
      });
      await first.setCheckpoint('search', position);
      await first.close();

      const second = pgliteHome({ dataDir });
      expect(await second.get(spec, 'n1')).toMatchObject({ version: 1, data: { id: 'n1', text: 'kept' } });
      expect((await second.readOutbox(null, 10)).map((e) => e.position)).toEqual([position]);
      expect(await second.getCheckpoint('search')).toBe(position);
      await second.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('orders outbox positions numerically, not as text', async () => {
    const pglite = await sharedPglite();
    const schema = uniqueName('home');
    const home = pgliteHome({ pglite, schema });
    await home.ensureSchema([]);
    // Settled (below the current xmin) transaction ids whose text order differs from their numeric order.
    const rows = [
      [100, 1],
      [9, 10],
      [10, 9],
      [11, 2],
      [9, 9],
    ];
    for (const [txId, seq] of rows) {
      await pglite.query(
        `INSERT INTO "${schema}"."_ps_outbox" (tx_id, seq, entity, key, version, op) VALUES ($1::xid8, $2, 'e', 'k', 1, 'create')`,
        [String(txId), seq],
      );
    }
    const expected = ['9:9', '9:10', '10:9', '11:2', '100:1'].map((p) =>
      outboxPosition(...(p.split(':') as [string, string])),
    );
    expect((await home.readOutbox(null, 100)).map((e) => e.position)).toEqual(expected);
    const paged: string[] = [];
    for (let page = await home.readOutbox(null, 1); page.length > 0; page = await home.readOutbox(paged.at(-1)!, 1)) {
      paged.push(page[0]!.position);
    }
    expect(paged).toEqual(expected);
    expect(await home.outboxHead()).toBe(expected.at(-1));
    await home.close();
  });

  it('serialises concurrent calls, including whole transactions', async () => {
    const pglite = await sharedPglite();
    const home = pgliteHome({ pglite, schema: uniqueName('home') });
    const spec = docSpec();
    await home.ensureSchema([spec]);
    const versions = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        home.transaction(async (tx) => {
          const version = await tx.insert(spec, `n${i}`, { i });
          await tx.appendOutbox({ entity: spec.entity, key: `n${i}`, version, op: 'create', payload: { i } });
          return version;
        }),
      ),
    );
    expect(versions).toEqual(Array(50).fill(1));
    expect(await home.count(spec, null)).toBe(50);
    expect(await home.readOutbox(null, 100)).toHaveLength(50);
    await home.close();
  });

  it('fails fast instead of deadlocking when the store is called inside its own transaction', async () => {
    const pglite = await sharedPglite();
    const home = pgliteHome({ pglite, schema: uniqueName('home') });
    const spec = docSpec();
    await home.ensureSchema([spec]);
    const nested = home.transaction(() => home.get(spec, 'n1'));
    await expect(nested).rejects.toSatisfy((err) => isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT'));
    expect(await home.get(spec, 'n1')).toBeNull();
    await home.close();
  });

  it('leaves an injected instance open on close', async () => {
    const pglite = await sharedPglite();
    const home = pgliteHome({ pglite, schema: uniqueName('home') });
    await home.ready();
    await home.close();
    expect((await pglite.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('validates its options at construction', () => {
    const invalid = (options: unknown) => {
      try {
        pgliteHome(options as Parameters<typeof pgliteHome>[0]);
      } catch (err) {
        return isPolystoreError(err, 'PS_ERR_INVALID_CONFIG');
      }
      return false;
    };
    expect(invalid({ dataDir: './x', colour: 'red' })).toBe(true);
    expect(invalid({ dataDir: './x', pglite: { query() {}, transaction() {}, close() {} } })).toBe(true);
    expect(invalid({ pglite: {} })).toBe(true);
    expect(invalid({ dataDir: '' })).toBe(true);
    expect(invalid({ schema: 'bad-name; drop' })).toBe(true);
  });

  it('reports a data directory it cannot open as unavailable', async () => {
    const dir = await tempDir();
    await writeFile(join(dir.path, 'file'), '');
    const home = pgliteHome({ dataDir: join(dir.path, 'file', 'home') });
    try {
      await expect(home.ready()).rejects.toSatisfy((err) => isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE'));
    } finally {
      await home.close();
      await dir.cleanup();
    }
  });
});
