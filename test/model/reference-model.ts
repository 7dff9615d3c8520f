import type { EntityName } from './model-entities.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonRecord = { [key: string]: Json };

/** The JSON form events carry: Dates as ISO strings, undefined fields dropped. */
export function jsonForm(value: unknown): JsonRecord {
  return JSON.parse(JSON.stringify(value)) as JsonRecord;
}

/** A record's JSON form without its `$version`. */
export function contentOf(record: Record<string, unknown>): JsonRecord {
  const { $version: _version, ...rest } = record;
  return jsonForm(rest);
}

/** Canonical JSON (keys sorted at every level), so equal content compares equal as text. */
export function canon(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Shows a value as canonical JSON, with fields set to `undefined` (which JSON drops) shown as "‹undefined›". */
export function display(value: unknown): string {
  return canon(JSON.parse(JSON.stringify(value, (_key, v) => (v === undefined ? '‹undefined›' : v))));
}

/** Merges a patch (schema form) onto a record's JSON form: `undefined` clears a field. */
export function mergePatch(record: JsonRecord, patch: Record<string, unknown>): JsonRecord {
  const out: JsonRecord = { ...record };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete out[key];
    else out[key] = jsonForm({ v: value }).v as Json;
  }
  return out;
}

/** One id's state: version 0 means it never existed; `record: null` means absent (deleted or never created). */
export interface IdState {
  readonly version: number;
  readonly record: JsonRecord | null;
}

export const NEVER: IdState = { version: 0, record: null };

export function keyOf(entity: EntityName, id: string): string {
  return `${entity}\u0000${id}`;
}

export function showKey(entity: EntityName, id: string): string {
  return `${entity} ${JSON.stringify(id)}`;
}

/**
 * The reference model: each id's current state and every state it was
 * acknowledged at, by version, so a read returning version v can be checked
 * against what v was.
 */
export class ReferenceModel {
  readonly #current = new Map<string, IdState>();
  readonly #history = new Map<string, Map<number, JsonRecord | null>>();

  state(entity: EntityName, id: string): IdState {
    return this.#current.get(keyOf(entity, id)) ?? NEVER;
  }

  /** What version `version` of the id held, or undefined if no write was acknowledged at it. */
  at(entity: EntityName, id: string, version: number): JsonRecord | null | undefined {
    if (version === 0) return null;
    return this.#history.get(keyOf(entity, id))?.get(version);
  }

  /** Records an acknowledged state: it becomes current if newer than the current one. */
  record(entity: EntityName, id: string, state: IdState): void {
    const key = keyOf(entity, id);
    let versions = this.#history.get(key);
    if (!versions) {
      versions = new Map();
      this.#history.set(key, versions);
    }
    versions.set(state.version, state.record);
    if (state.version >= this.state(entity, id).version) this.#current.set(key, state);
  }

  /** Live records of an entity, by id. */
  live(entity: EntityName): Map<string, IdState> {
    const out = new Map<string, IdState>();
    for (const [key, state] of this.#current) {
      const [name, id] = splitKey(key);
      if (name === entity && state.record !== null) out.set(id, state);
    }
    return out;
  }

  /** Deleted ids of an entity with the version of their delete (their tombstone). */
  deleted(entity: EntityName): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, state] of this.#current) {
      const [name, id] = splitKey(key);
      if (name === entity && state.record === null && state.version > 0) out.set(id, state.version);
    }
    return out;
  }
}

function splitKey(key: string): [EntityName, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at) as EntityName, key.slice(at + 1)];
}

/** Evaluates a find/count filter of the generated subset against a record's JSON form. */
export function matchesFilter(record: JsonRecord, filter: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(filter).every(([path, condition]) => {
    const value = valueAt(record, path);
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
      return value !== undefined && canon(value) === canon(condition);
    }
    return Object.entries(condition as Record<string, unknown>).every(([op, operand]) => {
      switch (op) {
        case '$exists':
          return (value !== undefined && value !== null) === operand;
        case '$gte':
          return typeof value === 'number' && value >= (operand as number);
        case '$lt':
          return typeof value === 'number' && value < (operand as number);
        default:
          throw new Error(`the reference model has no operator ${op}`);
      }
    });
  });
}

function valueAt(record: JsonRecord, path: string): Json | undefined {
  let value: Json | undefined = record;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = value[segment];
  }
  return value;
}
