import { randomUUID } from 'node:crypto';
import type { HomeStore } from '../../contracts/home-store.js';
import type { ViewStoreBase } from '../../contracts/view-store.js';
import type { EntityDef } from '../../model/define-entity.js';
import type { ViewStore } from '../../polystore-config.js';
import type { Logger } from '../../runtime/logger.js';
import type { RetryPolicy } from '../../runtime/retry-policy.js';
import { unknownView } from '../../views/unknown-view.js';
import type { ViewDef } from '../../views/view-def.js';
import { BackfillRecords } from '../backfill/backfill-record-store.js';
import type { BackfillOptions } from '../sync-options.js';
import { GenerationStore, generationalView } from './generation-store.js';
import { recordedShape } from './projection-changes.js';
import { type GenerationState, ViewGenerations } from './view-generations.js';
import { type RebuildOutcome, type RebuildStep, rebuildBeside } from './zero-downtime-rebuild.js';

/** How often every process reads the views' generations (a switch reaches all processes within it). */
const REFRESH_MS = 1_000;

interface Declared {
  readonly view: ViewDef<unknown>;
  readonly store: ViewStore;
}

/** What a rebuild needs from the rest of Polystore: the sync engine's wait and the checker. */
export interface RebuildHooks {
  /** Waits until `view` has applied every event committed so far (any process's projector). */
  readonly catchUp: (view: string) => Promise<void>;
  /** Checks the view in `scope` against the home and repairs drift; whether it then matches. */
  readonly verify: (view: ViewDef<unknown>, scope: string) => Promise<{ ok: boolean; repaired: number }>;
}

/**
 * The generations of every view: the views as readers see them (their scope
 * follows the active generation), the stores projectors write through (every
 * generation taking writes), and `rebuild`, which builds a new generation
 * beside the active one and switches reads to it (zero-downtime-rebuild.ts).
 */
export class ViewRebuilds {
  readonly generations: ViewGenerations;
  /** The declared views with generation-following scopes, for the router, checker and sync engine. */
  readonly views: readonly Declared[];
  readonly #declared: ReadonlyMap<string, Declared>;
  readonly #owner = `${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly home: HomeStore,
    declared: readonly Declared[],
    private readonly entities: ReadonlyMap<string, EntityDef>,
    private readonly sync: { readonly backfill: Required<BackfillOptions>; readonly retry: RetryPolicy },
    private readonly logger: Logger,
  ) {
    this.generations = new ViewGenerations(
      home,
      declared.map((d) => d.view),
      REFRESH_MS,
      logger,
    );
    this.#declared = new Map(declared.map((d) => [d.view.name, d]));
    this.views = declared.map(({ view, store }) => ({ view: generationalView(view, this.generations), store }));
  }

  /** The store the view's projector writes through: each apply reaches every generation taking writes. */
  writeStore(view: string, store: ViewStoreBase<unknown>): ViewStoreBase<unknown> {
    return new GenerationStore(store, view, this.generations);
  }

  /** Reads the generations, prepares every generation taking writes, and keeps the generations fresh. */
  async prepare(): Promise<void> {
    await this.generations.refresh();
    for (const { view, store } of this.#declared.values()) {
      // A generation filled before the view's projection changed keeps its shape until a rebuild replaces it.
      const recorded = await recordedShape(this.home, view);
      const active = this.generations.readScope(view.name);
      for (const scope of this.generations.writeScopes(view.name)) {
        if (scope === active && recorded !== null && view.prepareShape)
          await view.prepareShape(store as ViewStoreBase<unknown>, scope, recorded);
        else await view.prepare(store as ViewStoreBase<unknown>, scope);
      }
    }
    this.generations.start();
  }

  stop(): void {
    this.generations.stop();
  }

  /** The view as declared: its own scope, not its active generation's. */
  declared(view: string): ViewDef<unknown> {
    const found = this.#declared.get(view);
    if (!found) throw unknownView(view, this.#declared.keys());
    return found.view;
  }

  /** The view's generations as this process last read them. */
  state(view: string): GenerationState {
    return this.generations.state(view);
  }

  /**
   * Rebuilds `view` beside itself and switches reads to the new generation
   * (see `rebuildBeside`). Needs the view's projector running (here or in a
   * worker) to catch the new generation up. Running it again after a crash
   * resumes the rebuild where it stopped.
   */
  async rebuild(view: string, hooks: RebuildHooks, onProgress?: (step: RebuildStep) => void): Promise<RebuildOutcome> {
    const declared = this.#declared.get(view);
    if (!declared) throw unknownView(view, this.#declared.keys());
    const { leaseMs, chunkBudgetMs, minChunk, maxChunk } = this.sync.backfill;
    const store = declared.store as ViewStoreBase<unknown>;
    return rebuildBeside({
      home: this.home,
      generations: this.generations,
      records: new BackfillRecords(this.home),
      view: declared.view,
      store,
      entity: this.entities.get(declared.view.entity)!,
      catchUp: () => hooks.catchUp(view),
      verify: (scope) => hooks.verify(declared.view, scope),
      graceMs: 2 * REFRESH_MS,
      backfill: {
        owner: this.#owner,
        leaseMs,
        chunkBudgetMs,
        minChunk,
        maxChunk,
        retry: this.sync.retry,
        logger: this.logger,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      logger: this.logger,
      ...(onProgress ? { onProgress } : {}),
    });
  }
}
