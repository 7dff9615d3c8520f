import { mysqlHome } from '../src/adapters/mysql/index.js';
import { Cleanups, dropMariaDatabase, runId, SERVER_URLS } from './bench-env.js';
import { type BenchItem, benchItems } from './bench-model.js';
import { measureBatches, openClient } from './p1-write-path.js';
import type { Profile } from './profile.js';
import type { Comparison } from './report.js';

/**
 * P1's batch row on MariaDB: `createMany` (rows, tombstones and outbox events
 * in one transaction) against raw `mysql2` doing the same in one transaction:
 * one multi-row INSERT of the rows and one of their outbox events, both as
 * server-side prepared statements (`execute`, cached per connection).
 */
export async function p1MariadbCreateMany(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const database = `bench_${runId()}`;
    cleanups.add('drop database', () => dropMariaDatabase(database));
    const home = mysqlHome({ uri: SERVER_URLS.mysql, database });
    const client = await openClient(home, cleanups);
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: SERVER_URLS.mysql, database, connectionLimit: 10 });
    cleanups.add('end raw pool', () => pool.end());
    const raw = rawMariadbWriter(pool, benchItems.table.table, benchItems.name);
    return await measureBatches('P1', 'mariadb', client, [{ suffix: '.mariadb', label: 'raw mysql2', raw }], profile);
  } finally {
    await cleanups.run();
  }
}

type Mysql2Pool = import('mysql2/promise').Pool;

/** What a hand-written mysql2 application does for a batch with an outbox; tx_no is a constant (no reader runs). */
function rawMariadbWriter(
  pool: Mysql2Pool,
  table: string,
  entity: string,
): { createMany(items: readonly BenchItem[]): Promise<void> } {
  const rows = (n: number) =>
    `INSERT INTO \`${table}\` (id, _version, doc) VALUES ${Array.from({ length: n }, () => '(?, 1, ?)').join(', ')}`;
  const events = (n: number) =>
    `INSERT INTO \`_ps_outbox\` (tx_no, entity, \`key\`, version, op, payload, committed_at) VALUES ${Array.from(
      { length: n },
      () => "(0, ?, ?, 1, 'create', ?, UTC_TIMESTAMP(3))",
    ).join(', ')}`;
  return {
    async createMany(items) {
      const docs = items.map((item) => JSON.stringify(item));
      const connection = await pool.getConnection();
      try {
        await connection.query('START TRANSACTION');
        await connection.execute(
          rows(items.length),
          items.flatMap((item, i) => [item.id, docs[i]!]),
        );
        await connection.execute(
          events(items.length),
          items.flatMap((item, i) => [entity, item.id, docs[i]!]),
        );
        await connection.query('COMMIT');
      } catch (err) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        connection.release();
      }
    },
  };
}
