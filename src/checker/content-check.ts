import type { StoredRow } from '../contracts/home-store.js';
import { jsonFormOfRow } from '../model/record-codec.js';
import { type CheckedStore, type CheckedView, readsByKey, valuesOf } from './view-entries.js';

/** Why a view's content cannot be compared, or null when its store reads entries back by key. */
export function contentUnreadable(store: CheckedStore): string | null {
  return readsByKey(store) ? null : `a ${store.kind} store cannot read an entry back by key; versions were checked`;
}

/**
 * Deep mode: projects each home row as a projector would and compares the
 * result with what the view stores for that id at the same version. Entries
 * at another version are the version check's business (drift or in flight),
 * absent ones too; a row whose projection throws is a poison record, not
 * compared. Returns the rows compared and the ids whose content differs.
 */
export async function compareContent(
  { view, store, entity }: CheckedView,
  rows: readonly StoredRow[],
): Promise<{ compared: number; changed: string[] }> {
  if (!readsByKey(store) || rows.length === 0) return { compared: 0, changed: [] };
  const stored = await valuesOf(
    store,
    view.scope,
    rows.map((row) => row.id),
  );
  let compared = 0;
  const changed: string[] = [];
  for (const row of rows) {
    const entry = stored.get(row.id);
    if (entry?.version !== row.version) continue;
    let expected: unknown;
    try {
      expected = view.project(jsonFormOfRow(entity, row)) ?? null;
    } catch {
      continue;
    }
    compared++;
    if (!sameJson(expected, entry.value)) changed.push(row.id);
  }
  return { compared, changed };
}

/** Deep equality of JSON values, ignoring the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameJson(item, other[i]));
  }
  const left = Object.entries(a).filter(([, v]) => v !== undefined);
  const right = b as Record<string, unknown>;
  const rightKeys = Object.keys(right).filter((k) => right[k] !== undefined);
  return left.length === rightKeys.length && left.every(([k, v]) => k in right && sameJson(v, right[k]));
}

/** Keeps a uniform random sample of `size` ids out of a stream of unknown length (reservoir sampling). */
export class IdSample {
  readonly #ids: string[] = [];
  #seen = 0;

  constructor(readonly size: number) {}

  add(id: string): void {
    this.#seen++;
    if (this.#ids.length < this.size) this.#ids.push(id);
    else {
      const slot = Math.floor(Math.random() * this.#seen);
      if (slot < this.size) this.#ids[slot] = id;
    }
  }

  get ids(): readonly string[] {
    return this.#ids;
  }
}
