import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { isPolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import type { ViewStore } from '../polystore-config.js';
import type { Logger } from '../runtime/logger.js';
import { ProjectionChanges } from '../sync/rebuild/projection-changes.js';
import type { ViewRebuilds } from '../sync/rebuild/view-rebuilds.js';
import type { RebuildOutcome, RebuildStep } from '../sync/rebuild/zero-downtime-rebuild.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import { unknownView } from '../views/unknown-view.js';
import type { ViewDef } from '../views/view-def.js';
import { CheckSchedule, readLastCheck, readLastChecks, type ScheduledCheck } from './check-schedule.js';
import {
  type CheckOptions,
  readCheckSettings,
  readDeep,
  refuseArgument,
  settingsFor,
  type ViewCheckSettings,
} from './check-settings.js';
import { checkConsistency, type ViewDrift } from './consistency-checker.js';
import type { ViewProgress } from './settle-candidates.js';

interface MaintenanceContext {
  readonly home: HomeStore;
  readonly sync: SyncEngine;
  /** The views as readers see them (their scope follows the active generation). */
  readonly views: readonly { readonly view: ViewDef<unknown>; readonly store: ViewStore }[];
  readonly entities: ReadonlyMap<string, EntityDef>;
  /** The config's check settings by view. */
  readonly checks: ReadonlyMap<string, ViewCheckSettings>;
  readonly rebuilds: ViewRebuilds;
  readonly readTimeoutMs: number;
  /** Run `check()` every this many ms in one process running projectors (`checkEveryMs`); undefined: never. */
  readonly checkEveryMs: number | undefined;
  readonly logger: Logger;
}

/** `db.check()` and `db.rebuild()`: the checker and zero-downtime rebuilds over the configured views. */
export class ViewMaintenance {
  readonly #schedule: CheckSchedule | undefined;
  readonly #projections: ProjectionChanges;

  constructor(private readonly ctx: MaintenanceContext) {
    this.#projections = new ProjectionChanges(
      ctx.home,
      ctx.views.map(({ view }) => ctx.rebuilds.declared(view.name)),
      (view) => this.rebuild(view),
      ctx.logger,
    );
    this.#schedule =
      ctx.checkEveryMs === undefined
        ? undefined
        : new CheckSchedule(ctx.home, () => this.check(), ctx.checkEveryMs, ctx.logger);
  }

  /**
   * Compares each view's declared shape with the one recorded in the home and
   * rebuilds, in the background, the views whose projection changed (see
   * ProjectionChanges). For a process that runs projectors.
   */
  startProjectionChecks(): Promise<void> {
    return this.#projections.start();
  }

  /** Resolves when the projection rebuilds started here have ended. */
  projectionRebuilds(): Promise<void> {
    return this.#projections.idle();
  }

  /** Starts the scheduled checks, if configured (in a process running projectors). */
  startSchedule(): void {
    this.#schedule?.start();
  }

  async stopSchedule(): Promise<void> {
    await this.#projections.stop();
    return this.#stopScheduleOnly();
  }

  #stopScheduleOnly(): Promise<void> {
    return this.#schedule?.stop() ?? Promise.resolve();
  }

  /** The last scheduled check of each view that has one (any process's). */
  lastChecks(): Promise<Map<string, ScheduledCheck>> {
    return readLastChecks(this.ctx.home);
  }

  /** The last scheduled check of `view` (any process's), or null. */
  async lastCheck(view: string): Promise<ScheduledCheck | null> {
    const names = this.ctx.views.map((v) => v.view.name);
    if (!names.includes(view)) throw unknownView(view, names);
    return readLastCheck(this.ctx.home, view);
  }

  check(options: CheckOptions = {}): Promise<ViewDrift[]> {
    const { views, entities, checks } = this.ctx;
    const known = new Set(views.map(({ view }) => view.name));
    const call = readCheckSettings(options.checks, known, 'checks', refuseArgument);
    readDeep(options.deep, 'deep', refuseArgument);
    if (options.scan !== undefined && typeof options.scan !== 'boolean')
      throw refuseArgument('scan must be true or false', 'scan', 'pass scan: true to list every view whole');
    const targets = views
      .filter(({ view }) => !options.views || options.views.includes(view.name))
      .map(({ view, store }) => ({
        view,
        store,
        entity: entities.get(view.entity)!,
        settings: settingsFor(checks.get(view.name), call.get(view.name), options.deep),
      }));
    return checkConsistency(this.ctx.home, targets, {
      repair: options.repair,
      scan: options.scan,
      logger: this.ctx.logger,
      progress: this.#progress(),
    });
  }

  rebuild(view: string, onProgress?: (step: RebuildStep) => void): Promise<RebuildOutcome> {
    const { home, sync, views, entities, checks, logger, readTimeoutMs } = this.ctx;
    const progress = this.#progress();
    return this.ctx.rebuilds.rebuild(
      view,
      {
        catchUp: async (name) => {
          const head = await home.outboxHead();
          if (head !== null) await sync.waitFor(head, [name], readTimeoutMs * 6);
        },
        // The new generation is checked (and repaired) before reads switch to it.
        verify: async (declared, scope) => {
          const target = {
            view: { ...declared, scope },
            store: views.find((v) => v.view.name === declared.name)!.store,
            entity: entities.get(declared.entity)!,
            settings: settingsFor(checks.get(declared.name), undefined, undefined),
          };
          const [first] = await checkConsistency(home, [target], { repair: true, logger, progress });
          if (first!.ok) return { ok: true, repaired: first!.repaired };
          const [again] = await checkConsistency(home, [target], { logger, progress });
          return { ok: again!.ok, repaired: first!.repaired };
        },
      },
      onProgress,
    );
  }

  /** How the checker waits for a view's durable progress (any process's projector). */
  #progress(): ViewProgress {
    const { sync } = this.ctx;
    return {
      reached: (view: string, position: LogPosition, timeoutMs: number) =>
        sync.waitFor(position, [view], timeoutMs).then(
          () => true,
          (err: unknown) => {
            if (isPolystoreError(err, 'PS_ERR_CONSISTENCY_TIMEOUT')) return false;
            throw err;
          },
        ),
      lagMs: async (view: string) => {
        const oldest = (await sync.progress(view)).oldestUnhandledAt;
        return oldest === null ? 0 : Math.max(0, Date.now() - oldest);
      },
    };
  }
}
