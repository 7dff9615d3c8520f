import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphFragment, GraphStore } from '../../src/contracts/graph-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import {
  type HomeEvent,
  homeWrite,
  itemFragment,
  OWNERSHIP_SCHEMA,
  purchaseFragment,
  versionWrites,
} from './graph-ownership-records.js';
import { type LiveFragment, prefixIds, projectLive, readSnapshot } from './graph-projection.js';

export interface OwnershipContext {
  readonly store: GraphStore;
  readonly cleanup: () => Promise<void>;
}

/** The newest version of every key among the events delivered so far, as the view must hold them. */
function newest(delivered: readonly HomeEvent[]): { live: LiveFragment[]; versions: HomeEvent[] } {
  const versions = new Map<string, HomeEvent>();
  for (const event of delivered) {
    const at = `${event.scope}/${event.key}`;
    if ((versions.get(at)?.version ?? 0) < event.version) versions.set(at, event);
  }
  const held = [...versions.values()];
  return {
    live: held.flatMap((e) => (e.value ? [{ scope: e.scope, key: e.key, fragment: e.value }] : [])),
    versions: held,
  };
}

/** After a delivery: the graph (ids under `prefix`) and the versions of `scopes` match the newest versions. */
async function expectProjection(
  store: GraphStore,
  delivered: readonly HomeEvent[],
  scopes: readonly string[],
  prefix: string,
): Promise<void> {
  const { live, versions } = newest(delivered);
  expect(await readSnapshot(store, OWNERSHIP_SCHEMA, prefix)).toEqual(projectLive(OWNERSHIP_SCHEMA, live));
  for (const scope of scopes) {
    const expected = versions
      .filter((e) => e.scope === scope)
      .map((e) => ({ key: e.key, version: e.version, deleted: e.value === null }));
    expect(sortByKey(await store.listVersions(scope))).toEqual(sortByKey(expected));
  }
}

/**
 * Cuts a delivery into `applyIfNewer` calls: a call holds one scope, at most
 * `size` changes and each key once, as a projector's batch does.
 */
function batches(delivery: readonly HomeEvent[], sizes: readonly number[]): HomeEvent[][] {
  const out: HomeEvent[][] = [];
  let current: HomeEvent[] = [];
  for (const event of delivery) {
    const size = sizes[out.length % Math.max(sizes.length, 1)] ?? 4;
    const full = current.length >= size;
    const clash = current.some((c) => c.scope !== event.scope || c.key === event.key);
    if (current.length > 0 && (full || clash)) {
      out.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function apply(store: GraphStore, batch: readonly HomeEvent[]): Promise<void> {
  const changes: VersionedChange<GraphFragment>[] = batch.map((e) => ({
    key: e.key,
    version: e.version,
    value: e.value,
  }));
  await store.applyIfNewer(batch[0]!.scope, changes);
}

const delivery = fc.record({
  writes: fc.array(homeWrite, { minLength: 1, maxLength: 40 }),
  /** In home order (every transition seen) or shuffled across and within keys. */
  ordered: fc.boolean(),
  order: fc.array(fc.integer(), { minLength: 1, maxLength: 40 }),
  /** Positions of events delivered a second time (a redelivery after a lost ack). */
  duplicates: fc.array(fc.nat(), { maxLength: 10 }),
  sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
});

/**
 * Ownership semantics every graph adapter must show: an edge belongs to the
 * record that emitted it, a node's properties to the records that list it,
 * and the graph always equals the projection of the live records.
 */
export function describeGraphOwnership(name: string, make: () => Promise<OwnershipContext>): void {
  describe(`graph store ownership: ${name}`, () => {
    async function withStore(fn: (store: GraphStore) => Promise<void>): Promise<void> {
      const ctx = await make();
      try {
        await ctx.store.ensureSchema(OWNERSHIP_SCHEMA);
        await fn(ctx.store);
      } finally {
        await ctx.cleanup();
      }
    }

    const item = (key: string, related: string[] = []) =>
      itemFragment(key, {
        name: 'lamp',
        price: 2,
        tags: ['t0'],
        related: related.map((to) => ({ to, w: 1 })),
        tagLabel: null,
      });
    const purchase = (key: string, items: string[], nick?: string) =>
      purchaseFragment(key, {
        person: 'u0',
        nick,
        age: undefined,
        at: 'mon',
        items: items.map((i) => ({ item: i, qty: 1 })),
        listsItem: false,
      });
    const expectGraph = async (store: GraphStore, live: LiveFragment[]) =>
      expect(await readSnapshot(store, OWNERSHIP_SCHEMA)).toEqual(projectLive(OWNERSHIP_SCHEMA, live));

    it('keeps the edges pointing at a deleted record and makes its node whole when it comes back', async () => {
      await withStore(async (store) => {
        await store.applyIfNewer('items', [{ key: 'i0', version: 1, value: item('i0') }]);
        await store.applyIfNewer('purchases', [{ key: 'q0', version: 1, value: purchase('q0', ['i0']) }]);
        await store.applyIfNewer('items', [{ key: 'i0', version: 2, value: null }]);
        // The purchase's HAS edge stays; Item i0 stays as a bare endpoint; Tag t0 lost its last edge.
        await expectGraph(store, [{ scope: 'purchases', key: 'q0', fragment: purchase('q0', ['i0']) }]);
        await store.applyIfNewer('items', [{ key: 'i0', version: 3, value: item('i0') }]);
        await expectGraph(store, [
          { scope: 'items', key: 'i0', fragment: item('i0') },
          { scope: 'purchases', key: 'q0', fragment: purchase('q0', ['i0']) },
        ]);
      });
    });

    it('removes a node once nothing lists it or points at it', async () => {
      await withStore(async (store) => {
        await store.applyIfNewer('items', [{ key: 'i0', version: 1, value: item('i0', ['i0', 'i1']) }]);
        await store.applyIfNewer('items', [{ key: 'i1', version: 1, value: item('i1') }]);
        await store.applyIfNewer('items', [{ key: 'i1', version: 2, value: null }]);
        await expectGraph(store, [{ scope: 'items', key: 'i0', fragment: item('i0', ['i0', 'i1']) }]);
        await store.applyIfNewer('items', [{ key: 'i0', version: 2, value: item('i0') }]);
        await expectGraph(store, [{ scope: 'items', key: 'i0', fragment: item('i0') }]);
        await store.applyIfNewer('items', [{ key: 'i0', version: 3, value: null }]);
        await expectGraph(store, []);
      });
    });

    it('gives a node listed by two records the properties of the one whose scope/key sorts last', async () => {
      await withStore(async (store) => {
        await store.applyIfNewer('purchases', [{ key: 'q1', version: 1, value: purchase('q1', [], 'bob') }]);
        await store.applyIfNewer('purchases', [{ key: 'q0', version: 1, value: purchase('q0', [], 'ada') }]);
        const nick = 'MATCH (p:Person {id: $id}) RETURN p.nick AS nick';
        expect(await store.query(nick, { id: 'u0' })).toEqual([{ nick: 'bob' }]);
        await store.applyIfNewer('purchases', [{ key: 'q1', version: 2, value: null }]);
        expect(await store.query(nick, { id: 'u0' })).toEqual([{ nick: 'ada' }]);
        await store.applyIfNewer('purchases', [{ key: 'q0', version: 2, value: purchase('q0', []) }]);
        expect(await store.query(nick, { id: 'u0' })).toEqual([{ nick: null }]);
      });
    });

    it('holds the projection after batches of thousands of keys, many of them new and many already held', async () => {
      // Large enough that one batch looks up several thousand keys of which thousands are missing.
      await withStore(async (store) => {
        const buy = (n: number, version: number) =>
          purchaseFragment(`q${n}`, {
            person: `u${n % 97}`,
            nick: n % 5 === 0 ? `nick${n % 3}` : undefined,
            age: undefined,
            at: `v${version}`,
            items: [
              { item: `i${(n * 7 + version) % 1500}`, qty: 1 + (n % 3) },
              { item: `i${(n * 13) % 1500}`, qty: version },
            ],
            listsItem: n % 4 === 0,
          });
        const live = new Map<string, LiveFragment>();
        const deliver = async (batch: { n: number; version: number; deleted?: boolean }[]) => {
          const changes = batch.map(({ n, version, deleted }) => ({
            key: `q${n}`,
            version,
            value: deleted ? null : buy(n, version),
          }));
          await store.applyIfNewer('purchases', changes);
          for (const change of changes) {
            if (change.value === null) live.delete(change.key);
            else live.set(change.key, { scope: 'purchases', key: change.key, fragment: change.value });
          }
        };
        await deliver(Array.from({ length: 3000 }, (_, n) => ({ n, version: 1 })));
        // Half updates of held keys, half new keys.
        await deliver(Array.from({ length: 9000 }, (_, i) => ({ n: 1500 + i, version: 2 })));
        await deliver(Array.from({ length: 2500 }, (_, i) => ({ n: i * 2, version: 3, deleted: true })));
        await expectGraph(store, [...live.values()]);
      });
    }, 300_000);

    it('holds the projection of the newest versions delivered after every batch, whatever the delivery', async () => {
      // One store for every run: each run has its own scopes and node ids (opening a store per run is slow).
      await withStore(async (store) => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(delivery, async ({ writes, ordered, order, duplicates, sizes }) => {
            run++;
            const prefix = `r${run}.`;
            const scopes = [`items_${run}`, `purchases_${run}`];
            const events = versionWrites(writes).map((e) => ({
              ...e,
              scope: `${e.scope}_${run}`,
              value: e.value && prefixIds(e.value, prefix),
            }));
            const sent = [...events, ...duplicates.map((i) => events[i % events.length]!)];
            const rank = (i: number) => (ordered ? i : order[i % order.length]! * 1000 + i);
            const arrival = sent.map((event, i) => ({ event, at: rank(i) })).sort((a, b) => a.at - b.at);
            const delivered: HomeEvent[] = [];
            for (const batch of batches(
              arrival.map((a) => a.event),
              sizes,
            )) {
              await apply(store, batch);
              delivered.push(...batch);
              await expectProjection(store, delivered, scopes, prefix);
            }
          }),
          { numRuns: 100 },
        );
      });
    }, 300_000);
  });
}

function sortByKey<T extends { key: string }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
