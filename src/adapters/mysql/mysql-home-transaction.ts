import type { NewChangeEvent } from '../../contracts/change-event.js';
import type { EntityTableSpec, HomeTransaction, NewRow, StoredRow } from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import type { SagaProgressWrite } from '../../contracts/saga-log.js';
import { isPolystoreError, PolystoreError } from '../../errors/index.js';
import type { HomeNames } from './mysql-ddl.js';
import type { MysqlPoolConnection } from './mysql-driver.js';
import type { MysqlOutbox } from './mysql-outbox.js';
import { errnoOf, TRANSACTION_ROLLED_BACK } from './mysql-query.js';
import type { MysqlRows } from './mysql-rows.js';
import type { MysqlSagaLog } from './mysql-saga-log.js';

/**
 * One open home transaction on one pooled connection. It registers as an
 * outbox writer on its first append (the store unregisters it after COMMIT or
 * ROLLBACK), and refuses use once its callback has returned or once the server
 * has rolled it back (a deadlock victim): InnoDB would run later statements
 * outside any transaction, breaking "the row and its event commit together".
 */
export class MysqlHomeTransaction implements HomeTransaction {
  #connection: MysqlPoolConnection | undefined;
  #registration: Promise<string> | undefined;
  #aborted: PolystoreError | undefined;

  constructor(
    connection: MysqlPoolConnection,
    private readonly rows: MysqlRows,
    private readonly outbox: MysqlOutbox,
    private readonly sagas: { readonly log: MysqlSagaLog; readonly names: HomeNames; readonly target: string },
  ) {
    this.#connection = connection;
  }

  /** True once a registration was attempted: the store must then unregister. */
  get registered(): boolean {
    return this.#registration !== undefined;
  }

  /** The error that ended the transaction on the server side, if any; the store then rolls back. */
  get aborted(): PolystoreError | undefined {
    return this.#aborted;
  }

  get(spec: EntityTableSpec, id: string, options?: { lock?: boolean }): Promise<StoredRow | null> {
    return this.#run((c) => this.rows.get(c, spec, id, options?.lock === true));
  }

  insert(spec: EntityTableSpec, id: string, data: Record<string, unknown>): Promise<number> {
    return this.#run((c) => this.rows.insert(c, spec, id, data));
  }

  update(spec: EntityTableSpec, id: string, data: Record<string, unknown>, expectedVersion: number): Promise<number> {
    return this.#run((c) => this.rows.update(c, spec, id, data, expectedVersion));
  }

  delete(spec: EntityTableSpec, id: string, expectedVersion?: number): Promise<number> {
    return this.#run((c) => this.rows.delete(c, spec, id, expectedVersion));
  }

  insertMany(spec: EntityTableSpec, rows: readonly NewRow[]): Promise<number[]> {
    return this.#run((c) => this.rows.insertMany(c, spec, rows));
  }

  appendOutbox(event: NewChangeEvent): Promise<LogPosition> {
    return this.#run(async (c) => this.outbox.append(c, await this.#register(c), event));
  }

  async appendOutboxMany(events: readonly NewChangeEvent[]): Promise<LogPosition | null> {
    if (events.length === 0) return null;
    return this.#run(async (c) => this.outbox.appendMany(c, await this.#register(c), events));
  }

  recordSagaStep(write: SagaProgressWrite): Promise<null> {
    return this.#run((c) => this.sagas.log.recordOn(c, this.sagas.names, this.sagas.target, write));
  }

  /** Called when the transaction callback settles. */
  end(): void {
    this.#connection = undefined;
  }

  /** The transaction's tx_no, registering it as a writer on its first append. */
  #register(connection: MysqlPoolConnection): Promise<string> {
    // Memoised synchronously, so appends started together register once.
    this.#registration ??= this.outbox.register(connection);
    return this.#registration;
  }

  async #run<R>(fn: (connection: MysqlPoolConnection) => Promise<R>): Promise<R> {
    if (this.#aborted) throw this.#aborted;
    if (this.#connection === undefined) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A home transaction was used after its callback returned', {
        fix: 'await every call on the transaction inside the transaction callback',
      });
    }
    try {
      return await fn(this.#connection);
    } catch (err) {
      const errno = errnoOf(isPolystoreError(err) ? err.cause : err);
      if (errno !== undefined && TRANSACTION_ROLLED_BACK.has(errno)) {
        this.#aborted = new PolystoreError(
          'PS_ERR_TRANSACTION_CONFLICT',
          'The mysql home transaction was rolled back by the server: it deadlocked with a concurrent one',
          { cause: err, fix: 'retry the whole transaction callback; nothing of it was written' },
        );
      } else if (isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE')) {
        this.#aborted = new PolystoreError(
          'PS_ERR_STORE_QUERY',
          'The mysql home transaction lost its connection; the server rolled it back',
          { cause: err, fix: 'retry the whole transaction callback once the server is reachable' },
        );
      }
      throw err;
    }
  }
}
