import { isPolystoreError, PolystoreError, wrapStoreError } from '../../errors/index.js';
import { stringProp } from '../sql-shared/driver-error.js';

/**
 * Turns a driver error into a coded one, by SQLSTATE; the driver's message
 * (which can quote values) stays in the cause only.
 */
export function searchError(err: unknown, action: string): PolystoreError {
  if (isPolystoreError(err)) return err;
  const sqlstate = stringProp(err, 'code');
  const details = sqlstate ? { sqlstate } : {};
  if (sqlstate === '42501' || sqlstate === '0A000' || sqlstate === '58P01') {
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The postgres search store could not set up its schema or extensions (SQLSTATE ${sqlstate}) while ${action}`,
      {
        details,
        fix: 'grant the user CREATE on the database, or have an administrator run CREATE EXTENSION pg_trgm; CREATE EXTENSION fuzzystrmatch (both ship with PostgreSQL contrib)',
      },
    );
  }
  if (sqlstate?.startsWith('08') || sqlstate?.startsWith('57P') || sqlstate === '53300') {
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The postgres search store is unavailable (SQLSTATE ${sqlstate}) while ${action}`,
      { details, fix: 'check that the database is running and reachable; the call can be retried' },
    );
  }
  return wrapStoreError(
    err,
    'PS_ERR_STORE_QUERY',
    `The postgres search store rejected a statement${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''} while ${action}`,
    { details, fix: 'see the error cause for the database message' },
  );
}

export function specChanged(index: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `The search index "${index}" was ensured with another spec`, {
    field: 'spec',
    fix: 'keep the spec stable, or drop the index (dropScope) and project it anew; a view whose fields change gets a new version and is rebuilt',
  });
}
