import type { ChangeCaptureFactory } from '../../contracts/change-capture.js';
import { type CdcSlotOptions, type PostgresCdcRelayOptions, resolveCdcTarget } from './cdc-options.js';
import { cdcSlotStatus, createCdcSlot, dropCdcSlot } from './cdc-slot.js';
import { postgresCdcRelay } from './postgres-cdc-relay.js';

/** The slot and publication to stream from, and the relay's tuning; the publisher is the deployment's log. */
export type PostgresCdcOptions = Omit<
  PostgresCdcRelayOptions,
  'publisher' | 'batchSize' | 'logger' | 'retry' | 'deadLetters'
> & {
  /** The most events per publish; default: the engine's `sync.batchSize`. */
  readonly batchSize?: number;
};

/**
 * CDC mode for a PostgreSQL home: the sync engine streams the outbox from a
 * logical replication slot (`pgoutput`) to its broker log instead of polling
 * the outbox table. Options are checked here, without connecting.
 *
 * The slot and publication are created explicitly, once per deployment:
 * `await db.sync.capture?.admin?.create()` or `polystore cdc create`. One
 * process runs the capture (a slot streams to one client at a time); others
 * set `sync.relay: false`.
 *
 * @example
 * import { createPolystore } from 'polystore';
 * import { postgresCdc } from 'polystore/postgres-cdc';
 * import { jetstreamLog } from 'polystore/nats';
 * const db = createPolystore({
 *   home: postgresHome({ connectionString: process.env.DATABASE_URL, schema: 'app' }),
 *   log: jetstreamLog({ servers: 'nats://127.0.0.1:4222', stream: 'app' }),
 *   sync: { capture: postgresCdc({ connectionString: process.env.DATABASE_URL, schema: 'app', slot: 'app_cdc', publication: 'app_outbox' }) },
 *   entities: [orders],
 *   views: [cacheView(orders, { store: 'cache' })],
 * });
 * await db.ready({ sync: false });
 * await db.sync.capture?.admin?.create(); // deploy time, idempotent
 * await db.sync.start();
 */
export function postgresCdc(options: PostgresCdcOptions): ChangeCaptureFactory {
  const { heartbeatMs, batchSize, ...slotOptions } = options;
  const slot: CdcSlotOptions = slotOptions;
  resolveCdcTarget(slot);
  return (context) => {
    const relay = postgresCdcRelay({
      ...slot,
      publisher: context.publisher,
      batchSize: batchSize ?? context.batchSize,
      logger: context.logger,
      // sync.retry applies to the capture too; refused events go to the home's dead letters.
      retry: context.retry,
      deadLetters: { add: (letter) => context.home.addDeadLetter(letter) },
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    });
    return Object.assign(relay, {
      admin: {
        create: async () => ({ ...(await createCdcSlot(slot)) }),
        drop: () => dropCdcSlot(slot),
        status: async () => ({ ...(await cdcSlotStatus(slot)) }),
      },
    });
  };
}
