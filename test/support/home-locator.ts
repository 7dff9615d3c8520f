import { mysqlHome } from '../../src/adapters/mysql/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { SERVER_URLS } from './servers-urls.js';

/** Where a variant's namespace is, in a form a child process can open with {@link openHomeAt}. */
export type HomeLocator =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly schema: string }
  | { readonly kind: 'mariadb'; readonly database: string };

/** A home on the namespace `locator` names (another process's, usually). */
export function openHomeAt(locator: HomeLocator): HomeStore {
  switch (locator.kind) {
    case 'pglite':
      return pgliteHome({ dataDir: locator.dataDir });
    case 'postgres':
      return postgresHome({ connectionString: SERVER_URLS.postgres, schema: locator.schema });
    case 'mariadb':
      return mysqlHome({ uri: SERVER_URLS.mysql, database: locator.database });
  }
}
