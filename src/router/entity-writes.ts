import type { ChangeOp } from '../contracts/change-event.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import { type WriteToken, type Written, withToken } from '../model/record-codec.js';
import { checkUnknownFields, type RecordLimits, validateRecord } from '../model/validate-record.js';
import { checkIdArgument, checkNewId, unstorableId } from './record-ids.js';
import type { WriteScope } from './write-scope.js';

export interface WriteOptions {
  /** Fail with `PS_ERR_VERSION_CONFLICT` unless the record is still at this version. */
  readonly expectedVersion?: number;
}

/** What a delete returns: the id, the version of its tombstone and the write's token (`$token`, not enumerable). */
export interface Deleted {
  readonly id: string;
  readonly $version: number;
  readonly $token: WriteToken;
}

/** The limits every write of one entity is checked against (the lowest of its home and view stores). */
export interface EntityWriteLimits extends RecordLimits {
  readonly maxIdBytes: number;
}

/**
 * The writes of one entity inside a home transaction (a {@link WriteScope}):
 * each changes its row and appends its outbox event in that same transaction.
 * New records are checked before the transaction opens ({@link EntityWriter.prepare});
 * an update merges its patch onto the record as the home decodes it, then
 * checks the result. Used by `EntityClient` (one transaction per call) and by
 * `db.transaction` (several entities in one).
 */
export class EntityWriter<T, In = T> {
  constructor(
    readonly entity: EntityDef<string, T, In>,
    readonly limits: EntityWriteLimits,
  ) {}

  /** Checks a new record (id generated when missing and the entity can): the canonical record to insert. */
  async prepare(input: In): Promise<Record<string, unknown>> {
    let candidate = input as unknown;
    const { idField, generateId } = this.entity;
    if (generateId && isObject(candidate) && candidate[idField] === undefined) {
      candidate = { ...candidate, [idField]: generateId() };
    }
    if (isObject(candidate)) checkNewId(this.entity, candidate[idField], this.limits.maxIdBytes);
    return (await validateRecord(this.entity as EntityDef, candidate, this.limits)).record;
  }

  /** Inserts prepared records, all or none; a home with batch writes takes them in one statement each. */
  async insert(scope: WriteScope, records: readonly Record<string, unknown>[]): Promise<Written<T>[]> {
    const spec = this.entity.table;
    const ids = records.map((record) => record[this.entity.idField] as string);
    if (records.length > 1 && scope.tx.insertMany) {
      const rows = records.map((record, i) => ({ id: ids[i]!, data: this.#homeData(record) }));
      const versions = await scope.createMany(
        spec,
        rows,
        records.map((record) => this.#payload(record)),
      );
      const token = scope.token!;
      return records.map((record, i) => withToken<T>(record, versions[i]!, token));
    }
    const out: Written<T>[] = [];
    for (const [i, record] of records.entries()) {
      const { version, position } = await scope.create(spec, ids[i]!, this.#homeData(record), this.#payload(record));
      out.push(withToken<T>(record, version, position));
    }
    return out;
  }

  /** Merges `patch` (top-level fields) onto the current record, checks the result and writes it with a new version. */
  async update(scope: WriteScope, id: string, patch: Partial<In>, options: WriteOptions = {}): Promise<Written<T>> {
    checkIdArgument(this.entity, id);
    const changes = this.#checkPatch(patch);
    const expected = checkExpectedVersion(options);
    if (unstorableId(id, this.limits.maxIdBytes)) throw this.#notFound(id);
    const spec = this.entity.table;
    const current = await scope.tx.get(spec, id, { lock: true });
    if (!current) throw this.#notFound(id);
    this.#checkExpected(id, current.version, expected);
    const base = this.entity.codec.fromHome(id, current.data);
    const { record } = await validateRecord(this.entity as EntityDef, { ...base, ...changes }, this.limits);
    const version = await scope.tx.update(spec, id, this.#homeData(record), current.version);
    const token = await scope.append(this.#event('update', id, version, record));
    return withToken<T>(record, version, token);
  }

  /** Deletes a record (at `expectedVersion` when given), leaving a tombstone one version up. */
  async delete(scope: WriteScope, id: string, options: WriteOptions = {}): Promise<Deleted> {
    checkIdArgument(this.entity, id);
    const expected = checkExpectedVersion(options);
    if (unstorableId(id, this.limits.maxIdBytes)) throw this.#notFound(id);
    const version = await scope.tx.delete(this.entity.table, id, expected);
    const token = await scope.append(this.#event('delete', id, version, null));
    return Object.defineProperty({ id, $version: version }, '$token', { value: token }) as Deleted;
  }

  #event(op: ChangeOp, key: string, version: number, record: Record<string, unknown> | null) {
    return { entity: this.entity.name, key, version, op, payload: record === null ? null : this.#payload(record) };
  }

  /** What the event carries: the record's JSON form (drivers serialise Dates; bigints need converting first). */
  #payload(record: Record<string, unknown>): Record<string, unknown> {
    return this.entity.codec.hasBigInt ? this.entity.codec.toJson(record) : record;
  }

  /** What the home stores: a document is its JSON form; relational columns bind typed values. */
  #homeData(record: Record<string, unknown>): Record<string, unknown> {
    return this.entity.table.storage === 'document' ? this.#payload(record) : record;
  }

  #checkPatch(patch: Partial<In>): Record<string, unknown> {
    if (!isObject(patch)) {
      throw new PolystoreError('PS_ERR_VALIDATION', `An update of ${this.entity.name} takes an object of fields`, {
        fix: 'pass { field: value }',
      });
    }
    checkUnknownFields(this.entity as EntityDef, Object.keys(patch));
    if (this.entity.idField in patch) {
      throw new PolystoreError(
        'PS_ERR_VALIDATION',
        `The id field "${this.entity.idField}" of ${this.entity.name} cannot be updated`,
        { field: this.entity.idField, fix: 'create a new record and delete the old one' },
      );
    }
    return patch;
  }

  #checkExpected(id: string, current: number, expected: number | undefined): void {
    if (expected !== undefined && expected !== current) {
      throw new PolystoreError(
        'PS_ERR_VERSION_CONFLICT',
        `${this.entity.name} "${id.slice(0, 128)}" is at version ${current}, not the expected ${expected}`,
        {
          field: 'expectedVersion',
          fix: 'read the record again, reapply the change and retry',
          details: { expectedVersion: expected, currentVersion: current },
        },
      );
    }
  }

  #notFound(id: string): PolystoreError {
    return new PolystoreError('PS_ERR_NOT_FOUND', `No ${this.entity.name} has the id "${id.slice(0, 128)}"`, {
      field: this.entity.idField,
      fix: 'check the id, or create the record first',
    });
  }
}

function checkExpectedVersion(options: WriteOptions): number | undefined {
  const expected = options?.expectedVersion;
  if (expected === undefined) return undefined;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'expectedVersion must be a non-negative integer', {
      field: 'expectedVersion',
      fix: 'pass the $version a read returned, or leave expectedVersion out',
    });
  }
  return expected;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
