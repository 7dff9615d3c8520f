import type { StoreKind } from './store-kinds.js';

/** Where an answer leads: another question, or a recommendation. */
export type TreeTarget = { readonly node: string } | { readonly recommend: Recommendation };

export interface Recommendation {
  /** The store kinds to use, the home first. */
  readonly stores: readonly StoreKind[];
  /** How to set it up in Polystore. */
  readonly polystore: string;
  readonly reasons: readonly string[];
}

export interface TreeAnswer {
  /** The short answer the walker matches (`yes`, `no`, `search`, ...). */
  readonly key: string;
  readonly text: string;
  readonly leadsTo: TreeTarget;
}

export interface TreeNode {
  readonly id: string;
  readonly question: string;
  readonly answers: readonly TreeAnswer[];
}

export interface DecisionTree {
  readonly root: string;
  readonly nodes: Readonly<Record<string, TreeNode>>;
}

const ask = (node: string): TreeTarget => ({ node });
const recommend = (stores: StoreKind[], polystore: string, ...reasons: string[]): TreeTarget => ({
  recommend: { stores, polystore, reasons },
});

/**
 * The data-storage decision tree: one data set at a time, from its dominant
 * access pattern to the store kinds and the Polystore setup that serve it.
 */
export const DATA_STORAGE_TREE: DecisionTree = {
  root: 'access',
  nodes: {
    access: {
      id: 'access',
      question: 'What is the dominant access pattern of this data?',
      answers: [
        { key: 'transactions', text: 'Transactions over related records', leadsTo: ask('scale') },
        { key: 'documents', text: 'Whole objects of varying shape', leadsTo: ask('atomic-documents') },
        { key: 'lookups', text: 'Lookups by key, often with expiry', leadsTo: ask('durable') },
        { key: 'search', text: 'Full-text search with relevance', leadsTo: ask('search-source') },
        { key: 'traversal', text: 'Traversals across relationships', leadsTo: ask('graph-size') },
        { key: 'metrics', text: 'Append-only measurements over time', leadsTo: ask('write-rate') },
        { key: 'analytics', text: 'Aggregations over a large history', leadsTo: ask('freshness') },
        { key: 'archive', text: 'Large files or a cold archive', leadsTo: ask('archive-query') },
      ],
    },
    scale: {
      id: 'scale',
      question: 'Will the writes outgrow one primary server?',
      answers: [
        {
          key: 'no',
          text: 'No, one primary (with replicas) carries them',
          leadsTo: recommend(
            ['rdbms'],
            'home: pgliteHome / postgresHome / mysqlHome, relational storage',
            'ACID transactions across rows and tables, constraints at commit',
            'one server scales further than most applications need',
          ),
        },
        {
          key: 'yes',
          text: 'Yes, the write volume needs several nodes',
          leadsTo: recommend(
            ['rdbms', 'column-family'],
            'one home per tenant or shard, analytics views for the high-volume reads',
            'keep transactions inside one partition (tenant, account)',
            'sharding a relational database is application work: partition by a key every transaction carries',
          ),
        },
      ],
    },
    'atomic-documents': {
      id: 'atomic-documents',
      question: 'Must several documents (or a document and other records) change atomically?',
      answers: [
        {
          key: 'yes',
          text: 'Yes',
          leadsTo: recommend(
            ['rdbms', 'document'],
            "defineEntity({ storage: 'document' }) in the transactional home; db.transaction spans entities",
            'JSONB documents in the relational home keep multi-record transactions',
          ),
        },
        {
          key: 'no',
          text: 'No, one document at a time',
          leadsTo: recommend(
            ['document'],
            "defineEntity({ storage: 'document' }): Mongo-style filters over JSONB",
            'schema on read: new attributes need no migration',
            'one document is one atomic read and write',
          ),
        },
      ],
    },
    durable: {
      id: 'durable',
      question: 'Must the values survive the loss of the cache store?',
      answers: [
        {
          key: 'no',
          text: 'No, they are ephemeral (sessions, carts, rate limits)',
          leadsTo: recommend(
            ['key-value'],
            "defineKeyspace({ store: 'cache', ttlMs }) on lmdbStore or redisStore",
            'a time to live per key, expired by the store',
            'nothing to keep in the home when the data may be lost',
          ),
        },
        {
          key: 'yes',
          text: 'Yes, they are records that must be kept',
          leadsTo: recommend(
            ['rdbms', 'key-value'],
            'an entity in the home with cacheView(entity, { store: "cache" })',
            'the home keeps the record; the cache answers reads by key',
            'the projector keeps the cache current from the outbox: no dual writes',
          ),
        },
      ],
    },
    'search-source': {
      id: 'search-source',
      question: 'Is the search index the only copy of the data?',
      answers: [
        {
          key: 'no',
          text: 'No, the records live elsewhere',
          leadsTo: recommend(
            ['rdbms', 'search'],
            'searchView(entity, { store: "search", fields, searchable }) over an entity in the home',
            'a search engine is never a system of record: it refreshes in near real time',
            'the index can be rebuilt from the home (polystore rebuild VIEW)',
          ),
        },
        {
          key: 'yes',
          text: 'Yes, we would index and forget',
          leadsTo: recommend(
            ['rdbms', 'search'],
            'keep the records in the home anyway, and add a searchView',
            'an index alone cannot be checked or rebuilt after a lost write or a mapping change',
          ),
        },
      ],
    },
    'graph-size': {
      id: 'graph-size',
      question: 'Do the queries go more than two hops deep, or follow paths of unknown length?',
      answers: [
        {
          key: 'yes',
          text: 'Yes (friends of friends, recommendations, shortest paths)',
          leadsTo: recommend(
            ['rdbms', 'graph'],
            'graphView(entity, { store: "graph", schema, project }) on kuzuStore',
            'a hop costs the same at any depth in a graph store',
            'the home keeps the records; the graph is a projection of their references',
          ),
        },
        {
          key: 'no',
          text: 'No, one or two joins',
          leadsTo: recommend(
            ['rdbms'],
            'relational entities in the home; join in SQL',
            'a join or two needs no second store',
          ),
        },
      ],
    },
    'write-rate': {
      id: 'write-rate',
      question: 'Is the sustained write rate beyond what one transactional home takes?',
      answers: [
        {
          key: 'no',
          text: 'No, batches fit in the home',
          leadsTo: recommend(
            ['rdbms', 'time-series'],
            'an entity per batch of points in the home, analyticsView into DuckDB for time-bucketed queries',
            'time-bucketed aggregations run on the columnar copy',
            'measure the home insert rate first (bench/)',
          ),
        },
        {
          key: 'yes',
          text: 'Yes, far beyond',
          leadsTo: recommend(
            ['time-series', 'column-family'],
            'outside Polystore: a time-series or wide-column store fed directly; keep devices and metadata in the home',
            'appends at that rate need partitioned, log-structured writes',
            'Polystore routes every write through one home transaction',
          ),
        },
      ],
    },
    freshness: {
      id: 'freshness',
      question: 'May the aggregates lag the writes by seconds?',
      answers: [
        {
          key: 'yes',
          text: 'Yes',
          leadsTo: recommend(
            ['rdbms', 'column-family'],
            'analyticsView(entity, { store: "analytics", table, columns, rows }) on duckdbStore',
            'columnar scans aggregate millions of rows without loading the home',
            'the view follows the outbox: lag is measured, not guessed (polystore status)',
          ),
        },
        {
          key: 'no',
          text: 'No, they must be exact at every commit',
          leadsTo: recommend(
            ['rdbms'],
            'aggregate in the home (SQL GROUP BY), or keep counters in the same transaction',
            'only the home sees a commit at once',
          ),
        },
      ],
    },
    'archive-query': {
      id: 'archive-query',
      question: 'Is the archive queried, or only kept?',
      answers: [
        {
          key: 'kept',
          text: 'Only kept (compliance, restore)',
          leadsTo: recommend(
            ['object-archive'],
            'polystore export --out DIR, then copy the NDJSON files to object storage',
            'cold storage classes cost a fraction of a database disk',
          ),
        },
        {
          key: 'queried',
          text: 'Queried now and then',
          leadsTo: recommend(
            ['object-archive', 'column-family'],
            'an analytics view in DuckDB for recent history; DuckDB also reads archived files directly',
            'columnar engines scan compressed archives in place',
          ),
        },
      ],
    },
  },
};
