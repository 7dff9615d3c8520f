import type { ConsumerProgress, EventLog } from '../contracts/event-log.js';
import type { HomeStore } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';
import type { ViewStore } from '../polystore-config.js';
import type { Logger } from '../runtime/logger.js';
import { backfillKey } from '../sync/backfill/backfill-record-store.js';
import { DEAD_AFTER_MS, embeddedLeaseKey } from '../sync/embedded-view-leases.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import type { ViewDef } from '../views/view-def.js';
import { type ReplicaHandlers, ReplicaHost } from './replica-host.js';
import type { ReplicaPlan } from './replica-plan.js';

/** An embedded view kept by some process (see `Polystore.replicaViews`). */
export interface ReplicaView {
  readonly view: string;
  readonly consumer: string;
  readonly replica: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly renewedAgoMs: number;
  readonly alive: boolean;
  readonly progress: ConsumerProgress;
}

/** What `db.replicas` says about this process. */
export interface ReplicaRole {
  /** This process's replica name, when it keeps embedded views as a replica. */
  readonly replica: string | null;
  /** Embedded stores it keeps and serves. */
  readonly hosted: readonly string[];
  /** Embedded stores it queries through replicas elsewhere. */
  readonly remote: readonly string[];
  /** Stores whose serving group it has joined (its views filled). */
  readonly serving: readonly string[];
  /** Queries it took as a replica since it started. */
  readonly requests: number;
}

type DeclaredView = { readonly view: ViewDef<unknown>; readonly store: ViewStore };

/**
 * One Polystore's side of the replicas: which stores it opens, where reads
 * of each view go, its serving side (started with its projectors) and the
 * deployment-wide list of who keeps each embedded view.
 */
export class ProcessReplicas {
  #host: ReplicaHost | undefined;

  constructor(
    readonly plan: ReplicaPlan,
    /** Views on embedded stores kept by replicas in other processes (routing only). */
    readonly remoteViews: readonly DeclaredView[],
    private readonly logger: Logger,
  ) {}

  get role(): ReplicaRole {
    const { replicas, hosted, remote } = this.plan;
    return {
      replica: replicas && hosted.size > 0 ? replicas.replica : null,
      hosted: [...hosted],
      remote: [...remote],
      serving: this.#host?.serving ?? [],
      requests: this.#host?.requests ?? 0,
    };
  }

  /** The stores this process opens, by name: all but the embedded ones kept by replicas elsewhere. */
  openStoreEntries(stores: Readonly<Record<string, ViewStore>>): [string, ViewStore][] {
    return Object.entries(stores).filter(([name]) => !this.plan.remote.has(name));
  }

  /** The stores this process opens (see `openStoreEntries`). */
  openStores(stores: Readonly<Record<string, ViewStore>>): ViewStore[] {
    return this.openStoreEntries(stores).map(([, store]) => store);
  }

  /** The views reads are routed to: this process's, and those kept by replicas elsewhere. */
  routedViews(local: readonly DeclaredView[]): readonly DeclaredView[] {
    return this.remoteViews.length === 0 ? local : [...local, ...this.remoteViews];
  }

  /**
   * With `replicas`: answers other processes' queries of the embedded stores
   * kept here whenever this process's projectors run (however sync is started).
   */
  async attach(sync: SyncEngine, handlers: () => ReplicaHandlers): Promise<void> {
    const { replicas, hosted } = this.plan;
    if (!replicas || hosted.size === 0 || this.#host) return;
    this.#host = new ReplicaHost(replicas, hosted, handlers(), this.logger);
    await sync.attach(this.#host);
  }

  /** Every embedded view projected in any process, from the leases in the home (see `Polystore.replicaViews`). */
  async views(home: HomeStore, sync: SyncEngine, local: readonly DeclaredView[]): Promise<ReplicaView[]> {
    const prefix = embeddedLeaseKey('');
    const declared = this.routedViews(local).map(({ view }) => this.#declaredName(view.name));
    const leases = await home.listState(prefix);
    const now = Date.now();
    return Promise.all(
      leases.map(async ({ key, record }) => {
        const consumer = key.slice(prefix.length);
        const base = declared.find((name) => consumer === name || consumer.startsWith(`${name}__`)) ?? consumer;
        const holder = record.value as { host?: string; pid?: number };
        const renewedAgoMs = Math.max(0, now - record.updatedAt);
        return {
          view: base,
          consumer,
          replica: consumer === base ? null : consumer.slice(base.length + 2),
          host: holder.host ?? null,
          pid: holder.pid ?? null,
          renewedAgoMs,
          alive: renewedAgoMs < DEAD_AFTER_MS,
          progress: await sync.consumerProgress(consumer),
        };
      }),
    );
  }

  /**
   * Removes what a replica that will not return left behind: its lease on
   * each embedded view, its durable consumers in the log (where the log can
   * drop them) and its backfill records. Refuses a replica that is alive.
   * Returns the consumers forgotten.
   */
  async forget(
    replica: string,
    context: { home: HomeStore; log: EventLog; sync: SyncEngine; local: readonly DeclaredView[] },
  ): Promise<string[]> {
    const kept = (await this.views(context.home, context.sync, context.local)).filter((v) => v.replica === replica);
    if (kept.length === 0) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `No replica named "${replica.slice(0, 64)}" keeps a view`, {
        field: 'replica',
        fix: 'name one that `polystore status` lists under embedded views',
      });
    }
    const alive = kept.find((v) => v.alive);
    if (alive) {
      throw new PolystoreError(
        'PS_ERR_INVALID_ARGUMENT',
        `The replica "${replica}" is alive (${alive.host} pid ${alive.pid}, renewed ${alive.renewedAgoMs} ms ago)`,
        { field: 'replica', fix: 'stop its process first; a replica is forgotten only once its lease is not renewed' },
      );
    }
    for (const { consumer } of kept) {
      await context.log.dropConsumer?.(consumer);
      await context.home.deleteState(backfillKey(consumer));
      await context.home.deleteState(embeddedLeaseKey(consumer));
    }
    return kept.map((v) => v.consumer);
  }

  /** A view's declared name, from the name this process projects it under. */
  #declaredName(name: string): string {
    for (const [declared, local] of this.plan.localName) if (local === name) return declared;
    return name;
  }
}
