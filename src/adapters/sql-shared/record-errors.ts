import { PolystoreError } from '../../errors/index.js';

/**
 * An insert hit an id that is taken. `cause` is the driver's duplicate-key
 * error where the dialect learns of the clash from one.
 */
export function recordExists(entity: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_ALREADY_EXISTS', `A ${entity} record with this id already exists`, {
    field: 'id',
    fix: 'choose another id, or update the existing record',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** An update or delete found no row with the id. */
export function recordNotFound(entity: string): PolystoreError {
  return new PolystoreError('PS_ERR_NOT_FOUND', `No ${entity} record has this id`, {
    field: 'id',
    fix: 'check the id; the record may have been deleted',
  });
}

/** An update or delete found the row at another version than the caller expected. */
export function versionConflict(
  entity: string,
  expectedVersion: number | undefined,
  currentVersion: number,
): PolystoreError {
  return new PolystoreError(
    'PS_ERR_VERSION_CONFLICT',
    `The ${entity} record is at version ${currentVersion}, not the expected version ${expectedVersion}`,
    {
      details: { expectedVersion, currentVersion },
      fix: 'read the record again and retry the change against its current version',
    },
  );
}
