import { expect } from 'vitest';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { clean, diffView, type HomeTruth, jsonFormOf, keyValueEntries, readHomeTruth } from './e2e-compare.js';
import { items } from './items-entity.js';

/** What every acknowledged write of items left: each id's record (id left out), or null once deleted. */
export type ItemsModel = Map<string, unknown>;

/**
 * Expects the home to hold exactly the model's live items, by content, and a
 * tombstone for each item the model deleted; returns what the home holds.
 */
export async function expectHomeHoldsModel(home: HomeStore, model: ItemsModel): Promise<HomeTruth> {
  const truth = await readHomeTruth(home, items);
  const live = Object.fromEntries(
    [...truth.live.values()].map((row) => {
      const { id: _id, ...rest } = jsonFormOf(items, row);
      return [row.id, rest];
    }),
  );
  expect(live).toEqual(Object.fromEntries([...model].filter(([, record]) => record !== null)));
  for (const [id, record] of model) if (record === null) expect(truth.tombstones.has(id), id).toBe(true);
  return truth;
}

/** Expects a key-value view of whole items to hold every live record of `truth` at its version, by content, and nothing else live. */
export async function expectItemsViewMatches(store: KeyValueStore, scope: string, truth: HomeTruth): Promise<void> {
  const diff = diffView(scope, truth, await keyValueEntries(store, scope), (row) => jsonFormOf(items, row));
  expect(clean(diff) ? 'clean' : diff).toBe('clean');
}
