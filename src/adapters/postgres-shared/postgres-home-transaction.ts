import { createEventsOf, type NewChangeEvent } from '../../contracts/change-event.js';
import type { EntityTableSpec, HomeTransaction, NewRow, StoredRow } from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import type { SagaProgressWrite, SagaRecord } from '../../contracts/saga-log.js';
import { PolystoreError } from '../../errors/index.js';
import type { PgExecutor } from './pg-executor.js';
import type { PostgresOutbox } from './postgres-outbox.js';
import type { PostgresRows } from './postgres-rows.js';
import type { PostgresSagaLog } from './postgres-saga-log.js';

/** One open home transaction; refuses use once its callback has returned. */
export class PostgresHomeTransaction implements HomeTransaction {
  #exec: PgExecutor | undefined;
  readonly insertWithEvent: HomeTransaction['insertWithEvent'];
  readonly insertManyWithEvents: HomeTransaction['insertManyWithEvents'];

  constructor(
    exec: PgExecutor,
    private readonly rows: PostgresRows,
    private readonly outbox: PostgresOutbox,
    private readonly routines: ReadonlySet<string> | null,
    private readonly sagas: PostgresSagaLog,
  ) {
    this.#exec = exec;
    // Homes that create the create-row functions offer the fused call; a table
    // this home did not ensure (so may lack its function) takes separate statements.
    this.insertWithEvent =
      routines === null
        ? undefined
        : async (spec, id, data, payload) => {
            if (routines.has(spec.table)) {
              const { version, position } = await this.rows.create(this.#use(), spec, id, data, payload);
              return { version, position: position! };
            }
            const version = await this.insert(spec, id, data);
            const event = { entity: spec.entity, key: id, version, op: 'create' as const, payload };
            return { version, position: await this.appendOutbox(event) };
          };
    this.insertManyWithEvents =
      routines === null
        ? undefined
        : async (spec, rows, payloads) => {
            if (rows.length === 0 || payloads.length !== rows.length) {
              throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'insertManyWithEvents takes one payload per row', {
                fix: 'pass at least one row and a payload for each',
              });
            }
            if (routines.has(spec.table)) {
              const { versions, position } = await this.rows.createMany(this.#use(), spec, rows, payloads);
              return { versions, position: position! };
            }
            const versions = await this.insertMany(spec, rows);
            const events = createEventsOf(spec.entity, rows, versions, payloads);
            return { versions, position: (await this.appendOutboxMany(events))! };
          };
  }

  get(spec: EntityTableSpec, id: string, options?: { lock?: boolean }): Promise<StoredRow | null> {
    return this.rows.get(this.#use(), spec, id, options?.lock === true);
  }

  async insert(spec: EntityTableSpec, id: string, data: Record<string, unknown>): Promise<number> {
    // The create-row function without an event: one call instead of two statements.
    if (this.routines?.has(spec.table)) return (await this.rows.create(this.#use(), spec, id, data, null)).version;
    return this.rows.insert(this.#use(), spec, id, data);
  }

  async insertMany(spec: EntityTableSpec, rows: readonly NewRow[]): Promise<number[]> {
    // The batch create function without events where this home created it: one call instead of two statements.
    if (this.routines?.has(spec.table)) return (await this.rows.createMany(this.#use(), spec, rows, null)).versions;
    return this.rows.insertMany(this.#use(), spec, rows);
  }

  update(spec: EntityTableSpec, id: string, data: Record<string, unknown>, expectedVersion: number): Promise<number> {
    return this.rows.update(this.#use(), spec, id, data, expectedVersion);
  }

  delete(spec: EntityTableSpec, id: string, expectedVersion?: number): Promise<number> {
    return this.rows.delete(this.#use(), spec, id, expectedVersion);
  }

  appendOutbox(event: NewChangeEvent): Promise<LogPosition> {
    return this.outbox.append(this.#use(), event);
  }

  appendOutboxMany(events: readonly NewChangeEvent[]): Promise<LogPosition | null> {
    return this.outbox.appendMany(this.#use(), events);
  }

  recordSagaStep(write: SagaProgressWrite): Promise<SagaRecord> {
    return this.sagas.recordOn(this.#use(), write);
  }

  /** Called when the transaction callback settles. */
  end(): void {
    this.#exec = undefined;
  }

  #use(): PgExecutor {
    if (this.#exec === undefined) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A home transaction was used after its callback returned', {
        fix: 'await every call on the transaction inside the transaction callback',
      });
    }
    return this.#exec;
  }
}
