import type { ViewCheckSettings } from './checker/check-settings.js';
import type { AnalyticsStore } from './contracts/analytics-store.js';
import type { ArchiveStore } from './contracts/archive-store.js';
import type { EventLog } from './contracts/event-log.js';
import type { GraphStore } from './contracts/graph-store.js';
import type { HomeStore } from './contracts/home-store.js';
import type { KeyValueStore } from './contracts/key-value-store.js';
import type { ViewReplicas } from './contracts/replica-transport.js';
import type { SearchStore } from './contracts/search-store.js';
import type { EntityDef } from './model/define-entity.js';
import type { KeyspaceDef } from './model/define-keyspace.js';
import type { BreakerOptions } from './router/store-breaker.js';
import type { TransactionEntity } from './router/transaction-client.js';
import type { Logger } from './runtime/logger.js';
import type { SagaDef } from './saga/define-saga.js';
import type { SagaRunnerOptions } from './saga/saga-runner.js';
import type { SyncOptions } from './sync/sync-engine.js';
import type { ViewDef } from './views/view-def.js';

export type ViewStore = KeyValueStore | SearchStore | GraphStore | AnalyticsStore | ArchiveStore;

// biome-ignore lint/suspicious/noExplicitAny: entity record types vary per entity; inference recovers each one
export type AnyEntity = EntityDef<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, for keyspaces
export type AnyKeyspace = KeyspaceDef<string, any>;

export interface PolystoreConfig<E extends AnyEntity, K extends AnyKeyspace> {
  /** The system of record. */
  readonly home: HomeStore;
  /** View stores by name; views and keyspaces refer to these names. */
  readonly stores?: Readonly<Record<string, ViewStore>>;
  readonly entities: readonly E[];
  readonly keyspaces?: readonly K[];
  readonly views?: readonly ViewDef<unknown>[];
  /** The event log between home and projectors (default: the home's outbox). */
  readonly log?: EventLog;
  /**
   * Serves embedded views (Orama, Kuzu, DuckDB) to every process: a process
   * running projectors keeps a replica of each and answers their queries; a
   * process without projectors sends its queries to the replicas
   * (`natsReplicas({ servers })` from `polystore/nats`). Without it, an
   * embedded view is read only in the process that projects it.
   */
  readonly replicas?: ViewReplicas;
  /** `autoStart` (default true) runs the projectors in this process after `ready()`. */
  readonly sync?: SyncOptions & { readonly autoStart?: boolean };
  /** Largest record in bytes (default 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** Default read-your-writes timeout in ms (default 5000). */
  readonly readTimeoutMs?: number;
  /**
   * How reads treat a view store that keeps failing (a circuit breaker per
   * store): `failureThreshold` (default 3) failed calls in a row send reads
   * around the store for `cooldownMs` (default 5000), then one call probes it.
   * A failed cache read is answered by the home; `search` fails fast.
   */
  readonly viewReads?: Partial<BreakerOptions>;
  /** How `check()` judges each view: drift tolerance, how long to wait for lag, deep mode (see {@link ViewCheckSettings}). */
  readonly checks?: readonly ViewCheckSettings[];
  /**
   * Runs `check()` every this many ms (at least 1000) in one process of those
   * running projectors, recording each view's result in the home for
   * `polystore status` and `db.lastCheck(view)`. Default: no scheduled checks.
   */
  readonly checkEveryMs?: number;
  readonly logger?: Logger;
  /**
   * How entity tables follow their declarations. `apply: 'auto'` (default):
   * `ready()` applies additive changes. `'manual'`: `ready()` creates missing
   * tables but fails with `PS_ERR_SCHEMA_PENDING` while an existing one
   * differs; `polystore migrate --apply` (or `schemaStatus({ apply: true })`)
   * applies the changes.
   */
  readonly schema?: { readonly apply?: 'auto' | 'manual' };
  /**
   * Saga definitions (`defineSaga`) this process can start and run. With
   * sync running (`ready()`), it runs the sagas it starts and takes over
   * those whose worker is gone; several versions of one saga may be listed.
   */
  readonly sagas?: readonly SagaDef[];
  /** Lease, poll interval and concurrency of the saga runner (see {@link SagaRunnerOptions}). */
  readonly sagaOptions?: SagaRunnerOptions;
}

/** What a Polystore's model declares (`db.model`), for tools such as the HTTP API. */
export interface PolystoreModel {
  readonly entities: readonly AnyEntity[];
  readonly keyspaces: readonly AnyKeyspace[];
  readonly stores: Readonly<Record<string, ViewStore>>;
  /** The current home (after a `moveHome`, the new one). */
  readonly home: HomeStore;
  /** The broker log's name (`jetstream`, `redis-streams`), or null when views read the home's outbox. */
  readonly log: string | null;
  readonly logger: Logger;
}

export type RecordOf<E> = E extends EntityDef<string, infer T, unknown> ? T : never;
export type InputOf<E> = E extends EntityDef<string, unknown, infer In> ? In : never;
export type ValueOf<K> = K extends KeyspaceDef<string, infer T> ? T : never;
export type EntityNamed<E extends AnyEntity, N> = Extract<E, { name: N }>;
export type KeyspaceNamed<K extends AnyKeyspace, N> = Extract<K, { name: N }>;

/** The typed writes of every entity inside `db.transaction`, by entity name. */
export type TransactionClients<E extends AnyEntity> = {
  [N in E['name']]: TransactionEntity<RecordOf<EntityNamed<E, N>>, InputOf<EntityNamed<E, N>>>;
};
