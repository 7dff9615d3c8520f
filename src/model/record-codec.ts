import type { EntityDef } from './define-entity.js';

/** A record as reads return it: the schema's type plus its version. */
export type Versioned<T> = T & { readonly $version: number };

/**
 * Turns a home row's data into the entity's record: the id column under the
 * entity's id field.
 */
export function fromHomeData(entity: EntityDef, id: string, data: Record<string, unknown>): Record<string, unknown> {
  if (entity.idField === 'id') return data;
  const { id: _omit, ...rest } = data;
  return { ...rest, [entity.idField]: id };
}

/** The JSON form of a record (what events and caches carry). */
export function toJsonForm(record: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}

/** Restores Date fields of a JSON-form record (top-level timestamp fields). */
export function reviveRecord(entity: EntityDef, json: Record<string, unknown>): Record<string, unknown> {
  if (!entity.shape) return json;
  let out: Record<string, unknown> | undefined;
  for (const [field, spec] of entity.shape.fields) {
    const value = json[field];
    if (spec.type === 'timestamp' && typeof value === 'string') {
      out ??= { ...json };
      out[field] = new Date(value);
    }
  }
  return out ?? json;
}

export function withVersion<T>(record: Record<string, unknown>, version: number): Versioned<T> {
  return { ...record, $version: version } as Versioned<T>;
}

/**
 * `withVersion` without the copy, for a record the caller owns outright (a
 * value a key-value store just decoded: see KeyValueStore).
 */
export function attachVersion<T>(record: Record<string, unknown>, version: number): Versioned<T> {
  record.$version = version;
  return record as Versioned<T>;
}
