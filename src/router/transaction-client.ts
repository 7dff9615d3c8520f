import { PolystoreError } from '../errors/index.js';
import type { Versioned, WriteToken, Written } from '../model/record-codec.js';
import type { Deleted, EntityWriter, WriteOptions } from './entity-writes.js';
import { checkIdArgument, unstorableId } from './record-ids.js';
import type { WriteScope } from './write-scope.js';

/** The writes of one entity inside `db.transaction`. */
export interface TransactionEntity<T, In = T> {
  /** Inserts a record; `PS_ERR_ALREADY_EXISTS` if the id is taken (the whole transaction rolls back if it throws). */
  create(input: In): Promise<Written<T>>;
  createMany(inputs: readonly In[]): Promise<Written<T>[]>;
  update(id: string, patch: Partial<In>, options?: WriteOptions): Promise<Written<T>>;
  delete(id: string, options?: WriteOptions): Promise<Deleted>;
  /**
   * Reads the record as this transaction sees it (its own writes included);
   * `lock: true` holds the row until the transaction ends.
   */
  get(id: string, options?: { readonly lock?: boolean }): Promise<Versioned<T> | null>;
}

/**
 * The handle `db.transaction` passes its callback: typed writes of every
 * entity, all in one home transaction with their outbox events. Usable only
 * while the callback runs.
 */
export class PolystoreTransaction<Clients extends Record<string, unknown>> {
  #open = true;

  constructor(
    private readonly scope: WriteScope,
    private readonly writers: ReadonlyMap<string, EntityWriter<unknown>>,
  ) {}

  /** The token of this transaction's writes so far (the last write's token covers all of them). */
  get token(): WriteToken | null {
    return this.scope.token;
  }

  /** The writes of entity `name` inside this transaction. */
  entity<N extends keyof Clients & string>(name: N): Clients[N] {
    const writer = this.writers.get(name);
    if (!writer) {
      throw new PolystoreError('PS_ERR_UNKNOWN_ENTITY', `No entity is named "${String(name).slice(0, 64)}"`, {
        field: 'entity',
        fix: `use one of ${[...this.writers.keys()].join(', ')}`,
      });
    }
    const use = <R>(fn: () => Promise<R>): Promise<R> => {
      if (!this.#open) {
        return Promise.reject(
          new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A transaction was used after its callback returned', {
            fix: 'await every write on the transaction inside the db.transaction callback',
          }),
        );
      }
      return fn();
    };
    const scope = this.scope;
    const client: TransactionEntity<unknown> = {
      create: (input) => use(async () => (await writer.insert(scope, [await writer.prepare(input)]))[0]!),
      createMany: (inputs) =>
        use(async () => {
          const records = await Promise.all(inputs.map((input) => writer.prepare(input)));
          return records.length === 0 ? [] : writer.insert(scope, records);
        }),
      update: (id, patch, options) => use(() => writer.update(scope, id, patch, options)),
      delete: (id, options) => use(() => writer.delete(scope, id, options)),
      get: (id, options) =>
        use(async () => {
          checkIdArgument(writer.entity, id);
          if (unstorableId(id, writer.limits.maxIdBytes)) return null;
          const row = await scope.tx.get(writer.entity.table, id, { lock: options?.lock === true });
          if (!row) return null;
          return { ...writer.entity.codec.fromHome(row.id, row.data), $version: row.version } as Versioned<unknown>;
        }),
    };
    return client as Clients[N];
  }

  /** Called when the callback settles. */
  end(): void {
    this.#open = false;
  }
}
