import { PolystoreError } from '../errors/index.js';
import type { StoreKind } from './store-kinds.js';

/**
 * The selection calculator's factors and weights. The user scores each factor
 * 0-10 for an entity; each weight says how well (+) or badly (-) a store kind
 * serves that need, on a -3..+3 scale, and why. A kind a factor does not list
 * is neutral (0) for it. The first three rows are the product brief's own
 * examples, kept as given.
 */
export const FACTOR_IDS = [
  'structured-relations',
  'flexible-documents',
  'high-write-throughput',
  'read-heavy-lookups',
  'full-text-search',
  'relationship-traversal',
  'time-series',
  'aggregations',
  'strong-consistency',
  'horizontal-scale',
  'data-volume',
  'schema-evolution',
  'ephemeral-data',
  'cold-archive',
] as const;

export type FactorId = (typeof FACTOR_IDS)[number];

export interface FactorWeight {
  readonly store: StoreKind;
  /** -3..+3. */
  readonly weight: number;
  readonly reason: string;
}

export interface Factor {
  readonly id: FactorId;
  /** As printed in a ranking: "Structured with relations". */
  readonly label: string;
  /** The question the interactive mode asks (answered 0-10). */
  readonly question: string;
  readonly weights: readonly FactorWeight[];
}

export const FACTORS: readonly Factor[] = [
  {
    id: 'structured-relations',
    label: 'Structured with relations',
    question: 'How structured is the data, with relations you join across (users, orders, line items)?',
    weights: [
      { store: 'rdbms', weight: 3, reason: 'tables, foreign keys and joins are what the relational model is for' },
      {
        store: 'graph',
        weight: 1,
        reason: 'relations are first-class edges, but fixed tabular records are not its strength',
      },
    ],
  },
  {
    id: 'flexible-documents',
    label: 'Flexible documents',
    question: 'How much do records vary in shape, with nested attributes (a catalog with per-category specs)?',
    weights: [
      { store: 'document', weight: 3, reason: 'each record is one nested document; no fixed columns to fit' },
      { store: 'rdbms', weight: -1, reason: 'varying attributes end up as sparse columns or an opaque JSON column' },
    ],
  },
  {
    id: 'high-write-throughput',
    label: 'High write throughput',
    question: 'How high is the sustained write rate (events, measurements, clicks)?',
    weights: [
      {
        store: 'column-family',
        weight: 3,
        reason: 'log-structured, partitioned writes spread over nodes without coordination',
      },
      { store: 'time-series', weight: 2, reason: 'append-only ingestion into time partitions, batched and compressed' },
    ],
  },
  {
    id: 'read-heavy-lookups',
    label: 'Read-heavy, low-latency lookups',
    question: 'How much of the traffic is reads by key that must answer in a millisecond or so?',
    weights: [
      { store: 'key-value', weight: 3, reason: 'an in-memory or memory-mapped get by key, no query planning' },
      { store: 'document', weight: 1, reason: 'a whole aggregate is one read by id, without joins' },
      { store: 'column-family', weight: 1, reason: 'a read by partition key goes straight to one node' },
    ],
  },
  {
    id: 'full-text-search',
    label: 'Full-text search',
    question: 'How important is full-text search with relevance, typos and facets?',
    weights: [
      { store: 'search', weight: 3, reason: 'inverted indexes with ranking, typo tolerance and facets' },
      { store: 'document', weight: 1, reason: 'many document stores offer basic text indexes' },
      { store: 'rdbms', weight: 1, reason: 'built-in text search (tsvector, FULLTEXT) covers simple cases' },
      { store: 'key-value', weight: -1, reason: 'values are opaque: nothing to search but the key' },
    ],
  },
  {
    id: 'relationship-traversal',
    label: 'Relationship traversal',
    question: 'How much do queries walk relationships several hops deep (friends of friends, recommendations)?',
    weights: [
      { store: 'graph', weight: 3, reason: 'adjacency is stored with each node: a hop costs the same at any depth' },
      { store: 'rdbms', weight: 1, reason: 'joins and recursive CTEs serve a hop or two, then slow down with depth' },
      { store: 'key-value', weight: -1, reason: 'each hop is a round trip assembled by the application' },
      { store: 'column-family', weight: -1, reason: 'no joins: every hop is a separate partition read' },
    ],
  },
  {
    id: 'time-series',
    label: 'Time-series / append-only metrics',
    question: 'How much is the data timestamped measurements that are appended and never updated?',
    weights: [
      {
        store: 'time-series',
        weight: 3,
        reason: 'time partitioning, retention policies, downsampling and gap filling',
      },
      { store: 'column-family', weight: 2, reason: 'one partition per series, rows clustered by time' },
      { store: 'object-archive', weight: 1, reason: 'old time partitions move cheaply to object storage' },
      { store: 'rdbms', weight: -1, reason: 'append-only growth costs index maintenance and vacuum on every row' },
    ],
  },
  {
    id: 'aggregations',
    label: 'Aggregations / analytics',
    question: 'How much are the queries aggregations over many rows (sums, percentiles, group by)?',
    weights: [
      {
        store: 'column-family',
        weight: 3,
        reason: 'columnar layouts scan and compress only the columns an aggregate reads',
      },
      { store: 'time-series', weight: 2, reason: 'time-bucketed aggregates and continuous rollups are built in' },
      { store: 'rdbms', weight: 1, reason: 'GROUP BY and window functions work well at moderate volume' },
      { store: 'search', weight: 1, reason: 'facets and aggregations over the matching documents' },
      {
        store: 'key-value',
        weight: -2,
        reason: 'no query across keys: every aggregate is computed by the application',
      },
    ],
  },
  {
    id: 'strong-consistency',
    label: 'Strong consistency / transactions',
    question: 'How much must several records change together atomically and be read back exactly (money, stock)?',
    weights: [
      { store: 'rdbms', weight: 3, reason: 'ACID transactions across rows and tables, constraints checked at commit' },
      {
        store: 'document',
        weight: 1,
        reason: 'one document changes atomically; multi-document transactions are limited',
      },
      { store: 'graph', weight: 1, reason: 'transactional graph engines exist, usually on one node' },
      { store: 'key-value', weight: -1, reason: 'atomic per key; nothing spans keys without scripting' },
      { store: 'time-series', weight: -1, reason: 'built for appends, not read-modify-write of a record' },
      { store: 'column-family', weight: -2, reason: 'tunable, eventual by default, no multi-row transactions' },
      {
        store: 'search',
        weight: -2,
        reason: 'near-real-time refresh: a write is not visible at once; never a system of record',
      },
    ],
  },
  {
    id: 'horizontal-scale',
    label: 'Horizontal scale',
    question: 'How likely is the data or traffic to outgrow one server?',
    weights: [
      { store: 'column-family', weight: 3, reason: 'masterless partitioning; adding nodes adds capacity linearly' },
      { store: 'key-value', weight: 2, reason: 'keys hash to shards with no cross-shard queries' },
      { store: 'document', weight: 2, reason: 'sharding by document key is built in' },
      { store: 'object-archive', weight: 2, reason: 'object storage scales without capacity planning' },
      { store: 'search', weight: 1, reason: 'indexes shard, at the cost of rebalancing and scatter-gather queries' },
      { store: 'time-series', weight: 1, reason: 'series shard by time and tag' },
      {
        store: 'rdbms',
        weight: -1,
        reason: 'one primary takes the writes; sharding is application work or an extension',
      },
      { store: 'graph', weight: -2, reason: 'partitioning a graph cuts the edges traversals follow' },
    ],
  },
  {
    id: 'data-volume',
    label: 'Data volume',
    question: 'How large is the data (0: megabytes, 10: many terabytes)?',
    weights: [
      { store: 'object-archive', weight: 3, reason: 'the lowest price per gigabyte, no size limit' },
      { store: 'column-family', weight: 2, reason: 'spreads terabytes over commodity nodes, compressed by column' },
      { store: 'time-series', weight: 1, reason: 'compression and downsampling shrink old data' },
      { store: 'key-value', weight: -1, reason: 'memory-resident stores price every gigabyte as RAM' },
      { store: 'graph', weight: -1, reason: 'traversal speed depends on the graph fitting in memory' },
    ],
  },
  {
    id: 'schema-evolution',
    label: 'Schema evolution',
    question: 'How often does the shape of the records change?',
    weights: [
      { store: 'document', weight: 2, reason: 'schema on read: new fields need no migration' },
      { store: 'key-value', weight: 1, reason: 'values are opaque to the store' },
      { store: 'rdbms', weight: -1, reason: 'each change is a migration, breaking ones in expand/contract steps' },
    ],
  },
  {
    id: 'ephemeral-data',
    label: 'Ephemeral data with expiry',
    question: 'How much is the data short-lived and fine to lose (sessions, carts, rate limits)?',
    weights: [
      { store: 'key-value', weight: 3, reason: 'a time to live per key, expired by the store itself' },
      { store: 'rdbms', weight: -1, reason: 'expiry needs a sweeper job, and deleted rows leave bloat behind' },
      { store: 'object-archive', weight: -2, reason: 'built to keep data, with minimum storage durations' },
    ],
  },
  {
    id: 'cold-archive',
    label: 'Cold archive / long retention',
    question: 'How much must old data be kept for years while rarely read?',
    weights: [
      { store: 'object-archive', weight: 3, reason: 'cold storage classes cost a fraction of a disk-backed database' },
      { store: 'time-series', weight: 1, reason: 'retention tiers move old partitions to cheaper storage' },
      { store: 'column-family', weight: 1, reason: 'compressed immutable files keep old data compactly' },
      { store: 'search', weight: -1, reason: 'every indexed document costs memory and disk for as long as it is kept' },
      { store: 'key-value', weight: -2, reason: 'memory is the most expensive place to keep cold data' },
    ],
  },
];

/**
 * The factor with this id.
 *
 * @example
 * selectionFactor('flexible-documents').weights; // [{ store: 'document', weight: 3, ... }, { store: 'rdbms', weight: -1, ... }]
 */
export function selectionFactor(id: FactorId): Factor {
  const found = FACTORS.find((f) => f.id === id);
  if (!found)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'Unknown selection factor', {
      field: 'factor',
      fix: `use one of ${FACTOR_IDS.join(', ')}`,
    });
  return found;
}

/**
 * The weight of a store kind for a factor (undefined: the factor does not list it, a weight of 0).
 *
 * @example
 * weightOf('high-write-throughput', 'time-series')?.weight; // 2
 */
export function weightOf(id: FactorId, store: StoreKind): FactorWeight | undefined {
  return selectionFactor(id).weights.find((w) => w.store === store);
}
