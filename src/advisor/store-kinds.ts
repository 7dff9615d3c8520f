/**
 * The kinds of store the advisor ranks, with the Polystore piece that plays
 * each part. Polystore keeps one transactional home (relational or document
 * storage) and projects views; kinds it has no adapter for say so.
 */
export const STORE_KINDS = [
  'rdbms',
  'document',
  'key-value',
  'column-family',
  'graph',
  'search',
  'time-series',
  'object-archive',
] as const;

export type StoreKind = (typeof STORE_KINDS)[number];

/** The view kinds Polystore projects into, as named in `cacheView`, `searchView`, `graphView`, `analyticsView`. */
export type PolystoreViewKind = 'cache' | 'search' | 'graph' | 'analytics';

export interface StoreKindInfo {
  /** The name readers of selection calculators know it by. */
  readonly label: string;
  /** Typical engines of the kind. */
  readonly examples: string;
  /** Can it hold an entity's records as Polystore's transactional home? */
  readonly homeStorage: 'relational' | 'document' | null;
  /** The Polystore view that serves this kind's access pattern, when there is one. */
  readonly view: PolystoreViewKind | null;
  /** How Polystore covers the kind (or that it does not). */
  readonly polystore: string;
}

export const STORE_KIND_INFO: Readonly<Record<StoreKind, StoreKindInfo>> = {
  rdbms: {
    label: 'RDBMS',
    examples: 'PostgreSQL, MariaDB',
    homeStorage: 'relational',
    view: null,
    polystore: 'the home (PGlite, PostgreSQL or MariaDB), relational storage',
  },
  document: {
    label: 'Document',
    examples: 'MongoDB, PostgreSQL JSONB',
    homeStorage: 'document',
    view: null,
    polystore: "the home with storage: 'document' (JSONB, Mongo-style filters)",
  },
  'key-value': {
    label: 'Key-Value',
    examples: 'Redis, LMDB',
    homeStorage: null,
    view: 'cache',
    polystore: 'a cache view, or a keyspace whose only home is the key-value store (Redis, LMDB)',
  },
  'column-family': {
    label: 'Column-Family',
    examples: 'Cassandra, HBase, ClickHouse',
    homeStorage: null,
    view: 'analytics',
    polystore: 'no wide-column store; an analytics view in DuckDB (columnar) serves scans and aggregations',
  },
  graph: {
    label: 'Graph',
    examples: 'Neo4j, Kuzu',
    homeStorage: null,
    view: 'graph',
    polystore: 'a graph view (Kuzu)',
  },
  search: {
    label: 'Search',
    examples: 'Elasticsearch, OpenSearch, Orama',
    homeStorage: null,
    view: 'search',
    polystore: 'a search view (Orama)',
  },
  'time-series': {
    label: 'Time-Series',
    examples: 'TimescaleDB, InfluxDB',
    homeStorage: null,
    view: 'analytics',
    polystore: 'no time-series store; an analytics view in DuckDB serves time-bucketed aggregations',
  },
  'object-archive': {
    label: 'Object/Archive',
    examples: 'S3, Glacier',
    homeStorage: null,
    view: null,
    polystore: 'no object store; `polystore export --out DIR` writes NDJSON you can archive to one',
  },
};

/**
 * The label of a store kind.
 *
 * @example
 * storeLabel('column-family'); // 'Column-Family'
 */
export function storeLabel(kind: StoreKind): string {
  return STORE_KIND_INFO[kind].label;
}
