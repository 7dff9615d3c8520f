import { type PolystoreError, wrapStoreError } from '../../errors/index.js';

/**
 * `PS_ERR_HOME_MOVED` for a write a fenced home refused: `movedTo` is the new
 * home's location, which the fence stored without secrets.
 */
export function homeMoved(cause: unknown, movedTo: string): PolystoreError {
  const where = movedTo.slice(0, 300);
  return wrapStoreError(cause, 'PS_ERR_HOME_MOVED', `This home moved to ${where}; it refuses writes`, {
    details: { movedTo: where },
    fix: `point the application's home at ${where} and restart it`,
  });
}
