export * from './advisor/index.js';
export type { RecordVersion, ReplayOptions, ReplayOutcome } from './archive/archive-reads.js';
export type { DeepCheck, ViewCheckSettings } from './checker/check-settings.js';
export type { ViewDrift } from './checker/consistency-checker.js';
export type * from './contracts/index.js';
export { DASHBOARD_DIR } from './dashboard/dashboard-dir.js';
export * from './errors/index.js';
export {
  type GraphqlErrorJson,
  type GraphqlExecuteOptions,
  type GraphqlRequest,
  type GraphqlResponse,
  graphqlExecute,
} from './graphql/graphql-execute.js';
export type {
  AnalyticsColumnType,
  AnalyticsFieldSpec,
  GraphFieldSpec,
  GraphqlOptions,
  RelationSpec,
} from './graphql/graphql-options.js';
export { graphqlSchema } from './graphql/graphql-schema.js';
export type { DumpManifest } from './home-move/home-dump.js';
export type { MoveHomeOptions, MoveOutcome, MoveProgress, MoveStep } from './home-move/move-home.js';
export { type ApiKeyEntry, type MintedKey, mintApiKey } from './http/api-keys.js';
export type { RenderedMetrics, RunningServer, ServeOptions } from './http/serve-options.js';
export { METRIC_FAMILIES, type MetricFamily } from './metrics/metric-families.js';
export { type PolystoreMetrics, type PolystoreMetricsOptions, polystoreMetrics } from './metrics/polystore-metrics.js';
export {
  defineEntity,
  type EntityDef,
  type EntityInput,
  type EntityOptions,
  type EntityRecord,
} from './model/define-entity.js';
export { defineKeyspace, type KeyspaceDef, type KeyspaceOptions } from './model/define-keyspace.js';
export type { Filter } from './model/parse-filter.js';
export type { RecordCodec, Versioned, WriteToken, Written } from './model/record-codec.js';
export type { StandardSchemaV1 } from './model/standard-schema.js';
export {
  createPolystore,
  Polystore,
  type PolystoreConfig,
  type PolystoreModel,
  type TransactionClients,
  type ViewStore,
} from './polystore.js';
export type { EntityAccess, ReadIntent } from './router/access-stats.js';
export type {
  Deleted,
  EntityClient,
  EntitySearchResult,
  FindOptions,
  SearchHitRecord,
  WriteOptions,
} from './router/entity-client.js';
export type { KeyspaceClient } from './router/keyspace-client.js';
export type { ReadConsistency, ReadOptions } from './router/read-options.js';
export type { BreakerOptions, BreakerState, BreakerStats } from './router/store-breaker.js';
export type { HotKey } from './router/top-keys.js';
export type { PolystoreTransaction, TransactionEntity } from './router/transaction-client.js';
export type { AnalyticsClient, GraphClient } from './router/view-query-client.js';
export { type Logger, silentLogger, stderrLogger } from './runtime/logger.js';
export type { MeterSlot, OperationMeter } from './runtime/operation-meter.js';
export { type PinoLike, type PinoLoggerOptions, pinoLogger } from './runtime/pino-logger.js';
export {
  defineSaga,
  type ExternalStep,
  type HomeStep,
  type HomeStepContext,
  type SagaDef,
  type SagaOptions,
  type SagaStep,
  type SagaStepContext,
} from './saga/define-saga.js';
export { isNonRetryable, nonRetryable } from './saga/non-retryable.js';
export type { SagaRunnerOptions, SagaRunnerStats, UnknownSaga } from './saga/saga-runner.js';
export type { SagaService, SagaStarter } from './saga/saga-service.js';
export {
  SAGA_TRANSITIONS,
  type SagaObservation,
  type SagaPolicy,
  type SagaProgress,
  transition as sagaTransition,
} from './saga/saga-state.js';
export type { EntitySchemaStatus } from './schema-status.js';
export type {
  BackfillPhase,
  BackfillReason,
  BackfillRecord,
  BackfillStatus,
} from './sync/backfill/backfill-state.js';
export type { ViewBackfills } from './sync/backfill/view-backfills.js';
export { outboxEventLog } from './sync/outbox-event-log.js';
export { OutboxRelay, type RelayStats } from './sync/outbox-relay.js';
export type { ProjectorStats } from './sync/projector.js';
export { type ProjectorSignal, type ProjectorStatus, transition, transitionTable } from './sync/projector-state.js';
export type { GenerationState } from './sync/rebuild/view-generations.js';
export type { RebuildOutcome, RebuildStep } from './sync/rebuild/zero-downtime-rebuild.js';
export { SyncEngine, type SyncOptions, type SyncStats } from './sync/sync-engine.js';
export type { BackfillOptions } from './sync/sync-options.js';
export type { ViewStatsSnapshot } from './sync/view-stats-snapshots.js';
export { type AnalyticsViewOptions, analyticsView } from './views/analytics-view.js';
export { type ArchiveViewDef, type ArchiveViewOptions, archiveView } from './views/archive-view.js';
export { type CacheViewOptions, cacheView } from './views/cache-view.js';
export { type GraphViewOptions, graphView } from './views/graph-view.js';
export { type SearchViewOptions, searchView } from './views/search-view.js';
export type { ViewDef, ViewKind } from './views/view-def.js';
