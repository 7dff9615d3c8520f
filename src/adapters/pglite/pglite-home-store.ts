import type { HomeStore } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import type { PgConnection } from '../postgres-shared/pg-executor.js';
import { PostgresHomeStore } from '../postgres-shared/postgres-home-store.js';
import { openPgliteDir, type PGliteLike, readyInjected } from './pglite-connection.js';
import { reentrancySafeGuard } from './serialized-guard.js';

export type PgliteHomeOptions =
  | {
      /** Where the database lives; created if absent. Default `./.polystore/home`. `memory://` keeps it in memory. */
      readonly dataDir?: string;
      /** Schema for entity and Polystore tables. Default `public`. */
      readonly schema?: string;
    }
  | {
      /** An instance you opened (and will close) yourself; the home never closes it. */
      readonly pglite: PGliteLike;
      readonly schema?: string;
    };

const DEFAULT_DATA_DIR = './.polystore/home';
const OPTION_KEYS = new Set(['dataDir', 'schema', 'pglite']);

/**
 * A home store on PGlite: PostgreSQL in WebAssembly, in-process, one
 * connection. Every call, including each whole transaction callback, runs in
 * one serialised slot. PGlite is loaded on first use, not at import.
 *
 * @example
 * import { pgliteHome } from 'polystore/pglite';
 * const home = pgliteHome({ dataDir: './data/home' });
 * await home.ensureSchema([{ entity: 'users', table: 'users', storage: 'document', columns: [] }]);
 * const rows = await home.find(usersTable, null, { limit: 10, offset: 0, orderBy: [] });
 * await home.close();
 */
export function pgliteHome(options: PgliteHomeOptions = {}): HomeStore {
  validateOptions(options);
  const injected = 'pglite' in options ? options.pglite : undefined;
  const dataDir = 'dataDir' in options && options.dataDir !== undefined ? options.dataDir : DEFAULT_DATA_DIR;
  const guard = new RuntimeGuard<PgConnection>(
    'pglite',
    () => (injected ? readyInjected(injected) : openPgliteDir(dataDir)),
    async (db) => {
      if (!injected) await (db as PGliteLike).close();
    },
    { serialize: true, fair: true },
  );
  return new PostgresHomeStore('pglite', reentrancySafeGuard(guard, 'pglite'), {
    schema: options.schema ?? 'public',
    // PGlite plans every statement afresh: a function's plans are cached for the session.
    routines: true,
    location: injected ? 'pglite (an instance the application opened)' : `pglite ${dataDir}`,
  });
}

function validateOptions(options: PgliteHomeOptions): void {
  const invalid = (message: string, field: string, fix: string) =>
    new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
  if (typeof options !== 'object' || options === null) {
    throw invalid('The pglite home options must be an object', 'options', 'pass { dataDir } or { pglite }');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw invalid(
        `The pglite home has no option "${key.slice(0, 32)}"`,
        key.slice(0, 32),
        'use dataDir, schema or pglite',
      );
    }
  }
  if ('pglite' in options) {
    if ((options as { dataDir?: unknown }).dataDir !== undefined) {
      throw invalid(
        'The pglite home got both dataDir and pglite',
        'dataDir',
        'pass one: an injected instance already has its data directory',
      );
    }
    const db = options.pglite as Partial<PGliteLike> | null;
    if (typeof db?.query !== 'function' || typeof db.transaction !== 'function') {
      throw invalid(
        'The pglite option is not a PGlite instance',
        'pglite',
        'pass `new PGlite(dataDir)` from @electric-sql/pglite',
      );
    }
  } else if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir.length === 0)) {
    throw invalid('The pglite dataDir must be a non-empty string', 'dataDir', 'pass a directory path or memory://');
  }
}
