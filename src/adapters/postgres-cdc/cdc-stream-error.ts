import { isPolystoreError, PolystoreError } from '../../errors/index.js';
import { isBrokenConnection, openError, type PgTarget } from '../postgres/pg-connection-errors.js';
import { cdcError } from './cdc-driver.js';

/** Why starting replication failed, as a coded error (slot busy or missing, server down, ...). */
export function streamError(err: unknown, slot: string, target: PgTarget): PolystoreError {
  if (isPolystoreError(err)) return err;
  const sqlstate = (err as { code?: unknown } | null)?.code;
  if (sqlstate === '55006') {
    return new PolystoreError(
      'PS_ERR_STORE_UNAVAILABLE',
      `The replication slot "${slot}" is in use by another connection`,
      {
        cause: err,
        details: { sqlstate },
        fix: 'stop the other relay: one slot streams to one relay at a time',
      },
    );
  }
  if (sqlstate === '42704') {
    return new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The replication slot "${slot}" or its publication does not exist`,
      {
        cause: err,
        details: { sqlstate },
        fix: 'create them with createCdcSlot() before starting the relay',
      },
    );
  }
  if (isBrokenConnection(err)) return openError(err, target);
  return cdcError(err, 'starting replication', target);
}

/** The slot streams to another connection (SQLSTATE 55006, object in use). */
export function isSlotBusy(err: unknown): boolean {
  return isPolystoreError(err) && err.details?.sqlstate === '55006';
}
