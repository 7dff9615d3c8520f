import type { HomeStore } from '../../contracts/home-store.js';
import { MysqlHomeStore } from './mysql-home-store.js';
import { type MysqlHomeOptions, resolveMysqlOptions } from './mysql-options.js';

/**
 * A home store on MariaDB (10.7 or newer; 10.11 LTS recommended) through a
 * `mysql2` pool. Transactions run concurrently, each on its own pooled
 * connection, and the outbox is read in an order that never skips a
 * transaction that started writing first but commits last (see
 * `outbox-fence.sql`). Nothing connects until `ready()` or the first call,
 * and `mysql2` is loaded only then.
 *
 * Pass a URL (default: `POLYSTORE_MYSQL_URL`) and the home opens and ends its
 * own pool, or pass a `mysql2/promise` pool you own: the home never ends it.
 * MySQL 8 is refused at `ready()` with `PS_ERR_STORE_UNAVAILABLE`.
 *
 * @example
 * import { mysqlHome } from 'polystore/mysql';
 * const home = mysqlHome({ uri: 'mysql://app:secret@localhost:3306/shop' });
 * await home.ready(); // PS_ERR_STORE_UNAVAILABLE, naming the server without its password, if it is down
 * await home.ensureSchema([{ entity: 'users', table: 'users', storage: 'document', columns: [] }]);
 * await home.close();
 *
 * @example
 * import { createPool } from 'mysql2/promise';
 * const pool = createPool({ uri: process.env.DATABASE_URL, connectionLimit: 20 });
 * const home = mysqlHome({ pool, database: 'shop' }); // home.close() leaves the pool open
 */
export function mysqlHome(options: MysqlHomeOptions = {}): HomeStore {
  return new MysqlHomeStore(resolveMysqlOptions(options));
}
