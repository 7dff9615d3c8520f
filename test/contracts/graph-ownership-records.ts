import fc from 'fast-check';
import type { GraphFragment, GraphSchemaSpec } from '../../src/contracts/graph-store.js';

/**
 * Two views sharing labels, as the e-commerce example does: `items` own an
 * Item node, TAGGED edges to shared bare Tag nodes (sometimes listing the Tag
 * with a label) and RELATED edges to other items (self-loops included);
 * `purchases` own a Purchase node, a MADE edge from a Person (sometimes
 * listed with some properties, by several purchases at once) and HAS edges
 * to items they do not own (sometimes listing the item bare).
 */
export const OWNERSHIP_SCHEMA: GraphSchemaSpec = {
  nodes: {
    Item: { name: 'string', price: 'double' },
    Tag: { label: 'string' },
    Person: { nick: 'string', age: 'int64' },
    Purchase: { at: 'string', n: 'int64' },
  },
  edges: {
    TAGGED: { from: 'Item', to: 'Tag' },
    RELATED: { from: 'Item', to: 'Item', properties: { w: 'double' } },
    MADE: { from: 'Person', to: 'Purchase' },
    HAS: { from: 'Purchase', to: 'Item', properties: { qty: 'int64' } },
  },
};

export const ITEM_KEYS = ['i0', 'i1', 'i2', 'i3'] as const;
export const PURCHASE_KEYS = ['q0', 'q1', 'q2', 'q3'] as const;
const TAGS = ['t0', 't1', 't2'] as const;
const PEOPLE = ['u0', 'u1'] as const;

export interface ItemRecord {
  readonly name: string;
  readonly price: number;
  readonly tags: readonly string[];
  readonly related: readonly { readonly to: string; readonly w: number }[];
  readonly tagLabel: { readonly tag: string; readonly label: string | null } | null;
}

export interface PurchaseRecord {
  readonly person: string;
  readonly nick: string | null | undefined;
  readonly age: number | undefined;
  readonly at: string;
  readonly items: readonly { readonly item: string; readonly qty: number }[];
  readonly listsItem: boolean;
}

export const itemRecord: fc.Arbitrary<ItemRecord> = fc.record({
  name: fc.constantFrom('lamp', 'desk', "o'clock"),
  price: fc.constantFrom(1.5, 2, 99.25),
  tags: fc.array(fc.constantFrom(...TAGS), { maxLength: 3 }),
  related: fc.array(fc.record({ to: fc.constantFrom(...ITEM_KEYS), w: fc.constantFrom(0.5, 1) }), { maxLength: 3 }),
  tagLabel: fc.option(fc.record({ tag: fc.constantFrom(...TAGS), label: fc.option(fc.constantFrom('red', 'blue')) })),
});

export const purchaseRecord: fc.Arbitrary<PurchaseRecord> = fc.record({
  person: fc.constantFrom(...PEOPLE),
  nick: fc.constantFrom(undefined, null, 'ada', 'bob'),
  age: fc.constantFrom(undefined, 30, 41),
  at: fc.constantFrom('mon', 'tue'),
  items: fc.array(fc.record({ item: fc.constantFrom(...ITEM_KEYS), qty: fc.integer({ min: 1, max: 3 }) }), {
    maxLength: 4,
  }),
  listsItem: fc.boolean(),
});

export function itemFragment(key: string, item: ItemRecord): GraphFragment {
  const self = { label: 'Item', id: key };
  return {
    nodes: [
      { ...self, properties: { name: item.name, price: item.price } },
      ...(item.tagLabel ? [{ label: 'Tag', id: item.tagLabel.tag, properties: { label: item.tagLabel.label } }] : []),
    ],
    edges: [
      ...item.tags.map((tag) => ({ type: 'TAGGED', from: self, to: { label: 'Tag', id: tag } })),
      ...item.related.map((r) => ({
        type: 'RELATED',
        from: self,
        to: { label: 'Item', id: r.to },
        properties: { w: r.w },
      })),
    ],
  };
}

export function purchaseFragment(key: string, purchase: PurchaseRecord): GraphFragment {
  const self = { label: 'Purchase', id: key };
  const person: Record<string, string | number | null> = {};
  if (purchase.nick !== undefined) person.nick = purchase.nick;
  if (purchase.age !== undefined) person.age = purchase.age;
  const first = purchase.items[0];
  return {
    nodes: [
      { ...self, properties: { at: purchase.at, n: purchase.items.length } },
      ...(Object.keys(person).length > 0 ? [{ label: 'Person', id: purchase.person, properties: person }] : []),
      ...(purchase.listsItem && first ? [{ label: 'Item', id: first.item }] : []),
    ],
    edges: [
      { type: 'MADE', from: { label: 'Person', id: purchase.person }, to: self },
      ...purchase.items.map((line) => ({
        type: 'HAS',
        from: self,
        to: { label: 'Item', id: line.item },
        properties: { qty: line.qty },
      })),
    ],
  };
}

/** A write to the home: a create or update (`value`) or a delete (`null`). */
export interface HomeWrite {
  readonly scope: string;
  readonly key: string;
  readonly value: GraphFragment | null;
}

export const homeWrite: fc.Arbitrary<HomeWrite> = fc.oneof(
  fc
    .record({
      scope: fc.constant('items' as const),
      key: fc.constantFrom(...ITEM_KEYS),
      record: fc.option(itemRecord, { freq: 3 }),
    })
    .map(({ scope, key, record }) => ({ scope, key, value: record ? itemFragment(key, record) : null })),
  fc
    .record({
      scope: fc.constant('purchases' as const),
      key: fc.constantFrom(...PURCHASE_KEYS),
      record: fc.option(purchaseRecord, { freq: 3 }),
    })
    .map(({ scope, key, record }) => ({ scope, key, value: record ? purchaseFragment(key, record) : null })),
);

/** An event as the home's outbox would carry it. */
export interface HomeEvent extends HomeWrite {
  readonly version: number;
}

/** Versions writes per key as the home does: every write, a delete or a re-create included, goes one up. */
export function versionWrites(writes: readonly HomeWrite[]): HomeEvent[] {
  const versions = new Map<string, number>();
  return writes.map((write) => {
    const at = `${write.scope}/${write.key}`;
    const version = (versions.get(at) ?? 0) + 1;
    versions.set(at, version);
    return { ...write, version };
  });
}
