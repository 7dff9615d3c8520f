import {
  type RecordVersion,
  type ReplayOptions,
  type ReplayOutcome,
  recordHistory,
  replayFromArchive,
} from './archive/archive-reads.js';
import type { ScheduledCheck } from './checker/check-schedule.js';
import type { CheckOptions } from './checker/check-settings.js';
import type { ViewDrift } from './checker/consistency-checker.js';
import { ViewMaintenance } from './checker/view-maintenance.js';
import type { EventLog } from './contracts/event-log.js';
import type { HomeStore, HomeTransaction } from './contracts/home-store.js';
import type { LogPosition } from './contracts/log-position.js';
import type { StoreMetric } from './contracts/store-metrics.js';
import type { ViewStoreBase } from './contracts/view-store.js';
import { PolystoreError } from './errors/index.js';
import { type DumpManifest, exportHome, importHome } from './home-move/home-dump.js';
import { type MovableHome, movableHome } from './home-move/movable-home.js';
import type { MoveHomeOptions, MoveOutcome } from './home-move/move-home.js';
import { moveOwnHome } from './home-move/move-own-home.js';
import { serveHttp } from './http/serve.js';
import type { RunningServer, ServeOptions } from './http/serve-options.js';
import type {
  AnyEntity,
  AnyKeyspace,
  EntityNamed,
  InputOf,
  KeyspaceNamed,
  PolystoreConfig,
  PolystoreModel,
  RecordOf,
  TransactionClients,
  ValueOf,
  ViewStore,
} from './polystore-config.js';
import { type ResolvedConfig, readConfig } from './polystore-options.js';
import { ProcessReplicas, type ReplicaRole, type ReplicaView } from './replicas/process-replicas.js';
import { isInspecting } from './replicas/process-role.js';
import { ReplicaClient } from './replicas/replica-client.js';
import type { ReplicaHandlers } from './replicas/replica-host.js';
import { planReplicas } from './replicas/replica-plan.js';
import { AccessStats, type EntityAccess } from './router/access-stats.js';
import { EntityClient } from './router/entity-client.js';
import { EntitySearch } from './router/entity-search.js';
import { EntityWriter } from './router/entity-writes.js';
import type { KeyspaceClient } from './router/keyspace-client.js';
import { RouteCosts } from './router/route-costs.js';
import type { RouterContext } from './router/router-context.js';
import { StalenessGauge, type StalenessRoutes } from './router/staleness-gauge.js';
import { type BreakerStats, StoreBreaker } from './router/store-breaker.js';
import { PolystoreTransaction } from './router/transaction-client.js';
import type { AnalyticsClient, GraphClient } from './router/view-query-client.js';
import {
  analyticsClient,
  closedError,
  entityViews,
  graphClient,
  keyspaceClient,
  unknownEntity,
  viewNamesOn,
} from './router/view-routes.js';
import { WriteScope } from './router/write-scope.js';
import { closeInOrder } from './runtime/close-in-order.js';
import { type MeterSlot, type OperationMeter, timedCall } from './runtime/operation-meter.js';
import type { SagaDef } from './saga/define-saga.js';
import type { StepTransaction } from './saga/saga-execution.js';
import { SagaService, type SagaStarter } from './saga/saga-service.js';
import { type EntitySchemaStatus, readSchemaStatus } from './schema-status.js';
import { outboxEventLog } from './sync/outbox-event-log.js';
import type { GenerationState } from './sync/rebuild/view-generations.js';
import { ViewRebuilds } from './sync/rebuild/view-rebuilds.js';
import type { RebuildOutcome, RebuildStep } from './sync/rebuild/zero-downtime-rebuild.js';
import { SyncEngine } from './sync/sync-engine.js';
import { resolveSyncOptions } from './sync/sync-options.js';
import type { ViewDef } from './views/view-def.js';

export type { PolystoreConfig, PolystoreModel, TransactionClients, ViewStore } from './polystore-config.js';

export type { ReplicaRole, ReplicaView } from './replicas/process-replicas.js';

/**
 * Creates a Polystore instance. Nothing is opened until `ready()`.
 *
 * @example
 * const db = createPolystore({
 *   home: pgliteHome({ dataDir: './.polystore/home' }),
 *   stores: { cache: lmdbStore({ path: './.polystore/cache' }), search: oramaStore({ path: './.polystore/search' }) },
 *   entities: [users, products],
 *   views: [cacheView(products, { store: 'cache' }), searchView(products, { store: 'search', fields, searchable: ['name'] })],
 * });
 * await db.ready();
 * await db.entity('products').create({ id: 'p1', name: 'Laptop', price: 999 });
 */
export function createPolystore<E extends AnyEntity, K extends AnyKeyspace = never>(
  config: PolystoreConfig<E, K>,
): Polystore<E, K> {
  return new Polystore(config);
}

export class Polystore<E extends AnyEntity, K extends AnyKeyspace = never> {
  /** The sync engine: start/stop projectors, catch up, stats, dead letters. */
  readonly sync: SyncEngine;
  readonly #config: ResolvedConfig<E, K>;
  /** View generations: where each view is read and written, and zero-downtime rebuilds. */
  readonly #rebuilds: ViewRebuilds;
  /** `check()` and `rebuild()`: the checker and rebuilds over the configured views. */
  readonly #maintenance: ViewMaintenance;
  readonly #writers = new Map<string, EntityWriter<unknown, unknown>>();
  readonly #breakers = new Map<ViewStore, StoreBreaker>();
  readonly #clients = new Map<string, unknown>();
  readonly #ctx: RouterContext;
  readonly #sagas: SagaService;
  readonly #meter: MeterSlot = { current: undefined };
  /** The home every part holds: the configured one until `moveHome` switches it. */
  readonly #home: MovableHome;
  /** Which embedded stores this process keeps replicas of (and serves), or queries through replicas elsewhere. */
  readonly #replicas: ProcessReplicas;
  /** The event log between the home and the projectors. */
  readonly #log: EventLog;
  #lastWrite: LogPosition | null = null;
  #ready: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(config: PolystoreConfig<E, K>) {
    const resolved = readConfig(config);
    if (config.replicas !== undefined && (config.log === undefined || config.log.inOrder === true)) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', '`replicas` need a broker log', {
        field: 'replicas',
        fix: "set `log` to jetstreamLog(...) from 'polystore/nats' (or redisStreamsLog): on the home's outbox each replica would prune events the others have not read",
      });
    }
    const plan = planReplicas(
      config.replicas,
      resolved.stores,
      resolved.views.map(({ view }) => view),
      config.sync?.projectors !== false && !isInspecting(),
    );
    const storeOf = (view: ViewDef<unknown>) => ({ view, store: resolved.stores[view.store]! });
    // Embedded views this process keeps a replica of are projected under the replica's names;
    // those kept by replicas elsewhere are only routed to.
    const configured = { ...resolved, views: plan.views.map(storeOf) };
    this.#replicas = new ProcessReplicas(plan, plan.remoteViews.map(storeOf), resolved.logger);
    this.#home = movableHome(configured.home);
    const declared = { ...configured, home: this.#home.home };
    this.#rebuilds = new ViewRebuilds(
      declared.home,
      declared.views,
      declared.entities,
      resolveSyncOptions(config.sync ?? {}),
      declared.logger,
    );
    // Every reader, the checker and the sync engine see each view in its active generation.
    this.#config = { ...declared, views: this.#rebuilds.views };
    const { home, views, logger } = this.#config;
    this.#log = config.log ?? outboxEventLog(home);
    this.sync = new SyncEngine(
      home,
      this.#log,
      views.map(({ view, store }) => ({
        view,
        store: this.#rebuilds.writeStore(view.name, store as ViewStoreBase<unknown>),
        entity: this.#config.entities.get(view.entity)!,
      })),
      config.sync ?? {},
      logger,
    );
    // With replicas, catchUp() covers the embedded views kept by live replicas in other processes too.
    if (plan.replicas)
      this.sync.alsoCatchUp(async () =>
        (await this.replicaViews()).filter((r) => r.alive && r.replica !== null).map((r) => r.consumer),
      );
    for (const { store } of this.#replicas.routedViews(views)) {
      if (!this.#breakers.has(store))
        this.#breakers.set(store, new StoreBreaker(store.driver, this.#config.viewReads, logger));
    }
    for (const [name, entity] of this.#config.entities) {
      this.#writers.set(
        name,
        new EntityWriter(entity, { ...this.#config.limits, maxIdBytes: this.#config.maxIdBytes.get(name)! }),
      );
    }
    this.#maintenance = new ViewMaintenance({
      home,
      sync: this.sync,
      views: this.#config.views,
      entities: this.#config.entities,
      checks: this.#config.checks,
      rebuilds: this.#rebuilds,
      readTimeoutMs: this.#config.readTimeoutMs,
      checkEveryMs: this.#config.checkEveryMs,
      logger,
    });
    const transaction = ((fn) => this.#transaction(fn as never)) as StepTransaction;
    this.#sagas = new SagaService(config.sagas, config.sagaOptions, { home: () => home, transaction, logger });
    this.#ctx = {
      home,
      sync: this.sync,
      readTimeoutMs: this.#config.readTimeoutMs,
      limits: this.#config.limits,
      logger,
      meter: this.#meter,
      lastWrite: () => this.#lastWrite,
      recordWrite: (position) => {
        if (this.#lastWrite === null || position > this.#lastWrite) this.#lastWrite = position;
      },
      afterCommit: () => this.sync.notify(this.#lastWrite ?? undefined),
      staleness: new StalenessGauge((view) => this.sync.progress(view)),
      access: new AccessStats(),
      costs: new RouteCosts(),
      ...(plan.replicas && plan.remote.size > 0
        ? { replicas: { client: new ReplicaClient(plan.replicas, logger), remote: plan.remote } }
        : {}),
    };
  }

  /**
   * Opens every store, creates tables, indexes and views, then starts sync
   * (unless the config says `autoStart: false` or the call says `sync: false`,
   * as inspection tools do).
   */
  ready(options: { sync?: boolean } = {}): Promise<void> {
    if (this.#closing) return Promise.reject(closedError());
    this.#ready ??= (async () => {
      const { home, entities, autoStart } = this.#config;
      await home.ready();
      await home.ensureSchema(
        [...entities.values()].map((e) => e.table),
        { apply: this.#config.schemaApply },
      );
      // Embedded stores kept by replicas elsewhere are never opened here.
      await Promise.all(this.#replicas.openStores(this.#config.stores).map((store) => store.ready()));
      // Before projectors start: a view mid-rebuild is written to both its generations from the first event.
      await this.#rebuilds.prepare();
      await this.#replicas.attach(this.sync, () => this.#replicaHandlers());
      if ((options.sync ?? autoStart) !== false) {
        await this.sync.start();
        if (this.sync.running) {
          this.#maintenance.startSchedule();
          await this.#maintenance.startProjectionChecks();
        }
        this.#sagas.start();
      }
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /**
   * Each entity's schema in the home: the recorded version, whether the table
   * matches the declaration, and what `ready()` would apply (the SQL) or
   * refuse (with the expand/contract steps). Changes nothing, unless `apply`
   * is true: then the additive changes are applied first, as `ready()` does
   * in auto mode, and the new versions recorded (`polystore migrate --apply`);
   * a breaking change refuses it with `PS_ERR_SCHEMA_CHANGE`.
   *
   * @example
   * for (const s of await db.schemaStatus()) console.log(s.entity, s.version, s.matches, s.pending.statements);
   */
  schemaStatus(options: { apply?: boolean } = {}): Promise<EntitySchemaStatus[]> {
    if (this.#closing) return Promise.reject(closedError());
    const specs = [...this.#config.entities.values()].map((e) => e.table);
    return readSchemaStatus(this.#config.home, specs, options.apply === true);
  }

  /**
   * Stops sync (checkpoints saved) and closes every store, the log and the
   * home, even when one of them fails to close (the first failure is thrown
   * afterwards). Waits for a `ready()` in flight first. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#ready?.catch(() => undefined);
      await closeInOrder([
        () => this.#sagas.stop(),
        () => this.#maintenance.stopSchedule(),
        () => this.sync.stop(),
        async () => this.#rebuilds.stop(),
        // Every store closes, whichever fails.
        ...this.#replicas.openStores(this.#config.stores).map((store) => () => store.close()),
        async () => this.#replicas.plan.replicas?.transport.close(),
        // A broker log opened its own connection; the outbox log has nothing to close.
        async () => (this.#config.log as { close?: () => Promise<void> } | undefined)?.close?.(),
        () => this.#config.home.close(),
        ...this.#home.retired.map((home) => () => home.close()),
      ]);
    })();
    return this.#closing;
  }

  /** The typed client of one entity. */
  entity<N extends E['name']>(name: N): EntityClient<RecordOf<EntityNamed<E, N>>, InputOf<EntityNamed<E, N>>> {
    return this.#client(`entity:${name}`, () => {
      const writer = this.#writers.get(name);
      if (!writer) throw unknownEntity(name, [...this.#writers.keys()]);
      return new EntityClient(
        writer,
        entityViews(this.#replicas.routedViews(this.#config.views), this.#breakers, name),
        this.#ctx,
      );
    }) as EntityClient<RecordOf<EntityNamed<E, N>>, InputOf<EntityNamed<E, N>>>;
  }

  /**
   * Runs `fn` in one home transaction: every create, update and delete made
   * through `tx.entity(name)` commits together with its outbox events, or none
   * does (an error thrown by `fn` or by any write rolls everything back).
   * `expectedVersion` checks run inside. Returns what `fn` returns; the last
   * write's `$token` (also `db.lastWrite`) covers every write of the transaction.
   *
   * @example
   * await db.transaction(async (tx) => {
   *   const stock = await tx.entity('stock').get('p1', { lock: true });
   *   await tx.entity('stock').update('p1', { qty: stock!.qty - 1 }, { expectedVersion: stock!.$version });
   *   await tx.entity('orders').create({ id: 'o1', productId: 'p1', qty: 1 });
   * });
   */
  transaction<R>(fn: (tx: PolystoreTransaction<TransactionClients<E>>) => Promise<R>): Promise<R> {
    return this.#transaction(fn);
  }

  /** `transaction`, handing `fn` the home transaction too (a saga's home step records itself in it). */
  async #transaction<R>(
    fn: (tx: PolystoreTransaction<TransactionClients<E>>, homeTx: HomeTransaction) => Promise<R>,
  ): Promise<R> {
    let token: LogPosition | null = null;
    const result = await timedCall(this.#meter, 'home', 'transaction', () =>
      this.#config.home.transaction(async (homeTx) => {
        const scope = new WriteScope(homeTx);
        const tx = new PolystoreTransaction<TransactionClients<E>>(scope, this.#writers);
        try {
          return await fn(tx, homeTx);
        } finally {
          tx.end();
          token = scope.token;
        }
      }),
    );
    if (token !== null) this.#ctx.recordWrite(token);
    this.#ctx.afterCommit();
    return result;
  }

  /**
   * Starts sagas of one definition (by name, or the definition itself for
   * typed input): `start(input, { id? })` records it and returns its id.
   *
   * @example
   * const id = await db.saga(orderSaga).start({ orderId: 'o1', sku: 'p1', qty: 2 });
   * const { state } = await db.sagas.wait(id);
   */
  saga<I>(saga: string | SagaDef<string, I>): SagaStarter<I> {
    return this.#sagas.starter<I>(typeof saga === 'string' ? saga : saga.name);
  }

  /** Sagas as an operator sees them: list, timeline, wait, resume, retry compensation, cancel, runner stats. */
  get sagas(): SagaService {
    return this.#sagas;
  }

  /** The typed client of one keyspace (KV-only data with a TTL). */
  keyspace<N extends K['name']>(name: N): KeyspaceClient<ValueOf<KeyspaceNamed<K, N>>> {
    return this.#client(`keyspace:${name}`, () =>
      keyspaceClient(this.#config, name, this.#config.limits.maxPayloadBytes),
    );
  }

  /** Cypher reads on a graph store (read-your-writes waits for its graph views). */
  graph(store: string): GraphClient {
    return this.#client(`graph:${store}`, () => graphClient(this.#queryModel(), store, this.#ctx));
  }

  /** SQL aggregates on an analytics store (read-your-writes waits for its views). */
  analytics(store: string): AnalyticsClient {
    return this.#client(`analytics:${store}`, () => analyticsClient(this.#queryModel(), store, this.#ctx));
  }

  /** What the model declares, for tools such as the HTTP API: entities, keyspaces, stores, the home and the log. */
  get model(): PolystoreModel {
    const { entities, keyspaces, stores, log, logger } = this.#config;
    const home = this.#home.current;
    return { entities: [...entities.values()], keyspaces, stores, home, log: log?.name ?? null, logger };
  }

  /**
   * Serves this application over HTTP (see `docs/http-api.md`): entity and
   * admin routes, OpenAPI at `/openapi.json`. Without `keys` it listens on
   * loopback only. Needs the optional `fastify` package.
   *
   * @example
   * const server = await db.serve({ port: 8080, host: '127.0.0.1' });
   * console.log(`${server.url}/admin/status`);
   * await server.close();
   */
  serve(options: ServeOptions = {}): Promise<RunningServer> {
    return serveHttp(this, options);
  }

  /** The token of this instance's newest committed write (for read-your-writes across clients and processes). */
  get lastWrite(): LogPosition | null {
    return this.#lastWrite;
  }

  /** Declared views with their stores. */
  get views(): readonly { view: ViewDef<unknown>; store: ViewStore }[] {
    return this.#config.views;
  }

  /**
   * Attaches a meter that the router reports every store call, cache read
   * and failed operation to (one at a time; `polystoreMetrics` from
   * `polystore` attaches one). Returns the function that detaches it.
   * Without a meter nothing is measured.
   *
   * @example
   * const detach = db.instrument({
   *   storeCall: (store, operation, seconds) => console.log(store, operation, seconds),
   *   cacheReads: () => {},
   *   failed: (code) => console.log('failed', code),
   * });
   */
  instrument(meter: OperationMeter): () => void {
    this.#meter.current = meter;
    return () => {
      if (this.#meter.current === meter) this.#meter.current = undefined;
    };
  }

  /**
   * The stores that report figures about themselves (the home as `home`,
   * the others by their configured names), for metric exporters: each
   * `collect()` reads them now.
   *
   * @example
   * for (const { store, collect } of db.storeMetrics()) console.log(store, await collect());
   */
  storeMetrics(): { readonly store: string; collect(): Promise<readonly StoreMetric[]> }[] {
    const sources = [['home', this.#config.home] as const, ...this.#replicas.openStoreEntries(this.#config.stores)];
    return sources.flatMap(([store, source]) => {
      const collect = source.collectMetrics;
      return collect ? [{ store, collect: () => collect.call(source) }] : [];
    });
  }

  /**
   * How reads find each view store: its breaker's state, failures and reads
   * that went around it, and where reads with `maxStalenessMs` went.
   */
  health(): {
    readonly views: readonly (BreakerStats & { readonly view: string; readonly staleness: StalenessRoutes })[];
  } {
    const routes = this.#ctx.staleness.routes();
    return {
      views: this.#config.views.map(({ view, store }) => ({
        view: view.name,
        ...this.#breakers.get(store)!.stats(),
        staleness: routes[view.name] ?? { view: 0, home: 0, waited: 0, cheaperHome: 0 },
      })),
    };
  }
  /**
   * What this process's router served each entity since it started: reads by
   * intent with mean latency, cache hits, filter fields, hot ids (bounded).
   * `placementAdvice(db.access())` turns it into advice.
   */
  access(): EntityAccess[] {
    return this.#ctx.access.snapshot();
  }

  /**
   * Compares every view (or the named ones) with the home, id by id and
   * version by version, walking the home in chunks. Changes still in flight
   * are not drift: ids that look drifted are checked again once the view has
   * applied the home's outbox head, waiting up to `maxLagSeconds`; a view
   * still behind is reported `lagging`. `deep` also compares stored content
   * with the records projected again (key-value views). `checks` sets, for
   * this call, what the config's `checks` set per view; each result says
   * whether it is `ok`. `repair: true` writes the home's state of each
   * drifted id (see `ViewDrift`).
   *
   * @example
   * const results = await db.check({ checks: [{ view: 'products_cache', maxDriftRatio: 0.01 }], deep: { sample: 500 } });
   * if (results.some((r) => !r.ok)) process.exitCode = 1;
   */
  async check(options: CheckOptions = {}): Promise<ViewDrift[]> {
    return this.#maintenance.check(options);
  }

  /**
   * Rebuilds a view beside itself with no read error and no downtime: a new
   * generation (a new key prefix or index) takes every write, is filled from
   * the home, caught up, checked and repaired, then reads switch to it and
   * the old one is dropped. The view's projector must run (here or in a
   * worker). Run again after a crash, it resumes where it stopped. Key-value
   * and search views; other views refill in place (`db.sync.backfills`).
   *
   * @example
   * const { from, to } = await db.rebuild('products_search', (step) => console.log(step.step));
   */
  rebuild(view: string, onProgress?: (step: RebuildStep) => void): Promise<RebuildOutcome> {
    return this.#maintenance.rebuild(view, onProgress);
  }

  /**
   * Every archived version of a record, oldest first: version, op, commit
   * time and the record after the change (null after a delete). Reads the
   * entity's archive view (`archiveView`), so it lists what the archive
   * holds: changes since the archive was added, and `snapshot` lines for
   * records it learnt from the home.
   *
   * @example
   * for (const v of await db.history('products', 'p1')) console.log(v.version, v.op, v.committedAt, v.record);
   */
  async history(entity: E['name'], id: string): Promise<RecordVersion[]> {
    if (this.#closing) throw closedError();
    await this.ready({ sync: this.sync.running });
    return recordHistory(this.views, entity, id);
  }

  /**
   * Builds a view as it was at `until` from its entity's archive: each
   * record's newest version committed by then (deletes as tombstones),
   * written into an empty scope (by default `<scope>_asof` beside the live
   * view, or `into` another store or scope). The live view is never touched.
   *
   * @example
   * const { scope } = await db.replayFromArchive({ view: 'products_cache', until: '2026-01-31T12:00:00Z' });
   */
  async replayFromArchive(options: ReplayOptions): Promise<ReplayOutcome> {
    if (this.#closing) throw closedError();
    await this.ready({ sync: this.sync.running });
    return replayFromArchive(this.views, options);
  }

  /**
   * Moves this application's system of record to `target` (another home:
   * PGlite to PostgreSQL, MariaDB to PostgreSQL, and back) while it keeps
   * taking writes: copied in chunks with versions and tombstones, caught up
   * through the outbox, verified by content, then cut over. This instance's
   * writes wait during the cutover (`writesPausedMs`) and then go to the
   * target; its projectors go on from their checkpoints there, so views need
   * no rebuild. Any other process still writing to the old home gets
   * `PS_ERR_HOME_MOVED` naming the target. Refused with `PS_ERR_HOME_MOVE`
   * when the target holds other data or a backfill or rebuild is unfinished.
   *
   * @example
   * const outcome = await db.moveHome(postgresHome({ connectionString: process.env.DATABASE_URL, schema: 'shop' }), {
   *   onProgress: (p) => console.log(p.step, p.copied, p.events),
   * });
   * console.log(`moved ${outcome.rows} rows; writes paused ${outcome.writesPausedMs} ms`);
   */
  async moveHome(target: HomeStore, options: MoveHomeOptions = {}): Promise<MoveOutcome> {
    if (this.#closing) throw closedError();
    await this.ready({ sync: this.sync.running });
    return moveOwnHome(
      {
        movable: this.#home,
        specs: this.#specs(),
        sync: this.sync,
        schedules: { stop: () => this.#maintenance.stopSchedule(), start: () => this.#maintenance.startSchedule() },
        refreshGenerations: () => this.#rebuilds.prepare(),
        setLastWrite: (position) => {
          this.#lastWrite = position;
        },
        logger: this.#config.logger,
      },
      target,
      options,
    );
  }

  /**
   * Writes every entity's live rows and tombstones, with their versions, to
   * `<dir>/<entity>.ndjson` and a `manifest.json` (dump and restore; see
   * `importHome`). A keyset walk of the live home, not a snapshot.
   *
   * @example
   * const { entities } = await db.exportHome('./dump');
   */
  async exportHome(dir: string): Promise<DumpManifest> {
    await this.ready({ sync: this.sync.running });
    return exportHome(this.#config.home, this.#specs(), dir);
  }

  /**
   * Restores a dump of `exportHome` into this home with its versions (the
   * newer version of each id wins). Writes no outbox events: fill the views
   * afterwards with `db.sync.backfills.request(view)` or `polystore backfill`.
   */
  async importHome(dir: string): Promise<{ entity: string; rows: number; tombstones: number }[]> {
    await this.ready({ sync: this.sync.running });
    return importHome(this.#config.home, this.#specs(), dir);
  }

  #specs() {
    return [...this.#config.entities.values()].map((e) => e.table);
  }

  /** The last scheduled check of `view` (see `checkEveryMs`), recorded by whichever process ran it; null if none. */
  lastCheck(view: string): Promise<ScheduledCheck | null> {
    return this.#maintenance.lastCheck(view);
  }

  /** The last scheduled check of every view that has one, by view, read from the home in one go. */
  lastChecks(): Promise<Map<string, ScheduledCheck>> {
    return this.#maintenance.lastChecks();
  }

  /** A view's generations as this process last read them (`active`, `building`, `retiring`). */
  generations(view: string): GenerationState {
    return this.#rebuilds.state(view);
  }

  #client<C>(key: string, make: () => C): C {
    let client = this.#clients.get(key) as C | undefined;
    if (!client) {
      client = make();
      this.#clients.set(key, client);
    }
    return client;
  }
  /**
   * Which stores this process keeps replicas of and serves, and which it
   * queries through replicas elsewhere (none without `replicas` in the config).
   */
  get replicas(): ReplicaRole {
    return this.#replicas.role;
  }

  /**
   * Every embedded view projected in any process, from the leases in the
   * home: the declared view, the replica keeping it (null without replicas),
   * the process holding it, how long ago it renewed its lease (by the home's
   * clock; over 7 s: the process is gone) and its consumer's durable
   * progress. What `polystore status` lists under "embedded views".
   *
   * @example
   * for (const r of await db.replicaViews()) console.log(r.view, r.replica, r.progress.through, r.alive);
   */
  replicaViews(): Promise<ReplicaView[]> {
    return this.#replicas.views(this.#config.home, this.sync, this.#config.views);
  }

  /**
   * Removes what a replica that will not return left behind (its leases,
   * durable consumers and backfill records): `polystore status` stops
   * listing it and the broker stops keeping its consumers. Refuses one that
   * is alive. Returns the consumers forgotten.
   *
   * @example
   * await db.forgetReplica('worker_3'); // ['orders_graph__worker_3', ...]
   */
  forgetReplica(replica: string): Promise<string[]> {
    return this.#replicas.forget(replica, {
      home: this.#config.home,
      log: this.#log,
      sync: this.sync,
      local: this.#config.views,
    });
  }

  /** Stores and the views reads are routed to: this process's, and those kept by replicas elsewhere. */
  #queryModel() {
    return { stores: this.#config.stores, views: this.#replicas.routedViews(this.#config.views) };
  }

  #replicaHandlers(): ReplicaHandlers {
    return {
      search: (request) => {
        if (!this.#writers.has(request.entity)) throw unknownEntity(request.entity, [...this.#writers.keys()]);
        const route = entityViews(this.#config.views, this.#breakers, request.entity).search;
        if (!route || !this.#replicas.plan.hosted.has(route.view.store)) {
          throw new PolystoreError(
            'PS_ERR_UNSUPPORTED_READ',
            `This replica keeps no search view of ${request.entity}`,
            {
              fix: 'run the same model in every process of the deployment',
            },
          );
        }
        // Hits only: the caller hydrates them from its own cache or home.
        const search = new EntitySearch(request.entity, route, undefined as never, undefined, this.#ctx);
        return search.findHits(request.query, request.read);
      },
      graph: (request) => this.graph(request.store).query(request.text, request.params, request.read),
      analytics: (request) => this.analytics(request.store).query(request.text, request.params, request.read),
      filling: async (store) =>
        (await this.sync.backfills.unfinished(viewNamesOn(this.#config.views, store))).length > 0,
    };
  }
}
