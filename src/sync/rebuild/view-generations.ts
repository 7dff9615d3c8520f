import type { HomeStore } from '../../contracts/home-store.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import type { ViewDef } from '../../views/view-def.js';

/**
 * Which copy of a view is which. Generation 0 lives in the view's own scope
 * (key prefix, index); generation n in `<scope>_g<n>`. Reads go to `active`;
 * writes go to `active`, to `building` while a rebuild fills it, and to
 * `retiring` (the generation a rebuild replaced) for a grace period, so a
 * process that has not seen the switch yet still reads current data. Then
 * it is `dropping`: no longer written, its entries deleted once writes in
 * flight have ended (a crash leaves it recorded, and the next rebuild drops it).
 */
export interface GenerationState {
  readonly active: number;
  readonly building: number | null;
  readonly retiring: number | null;
  readonly dropping?: number | null;
}

export const FIRST_GENERATION: GenerationState = { active: 0, building: null, retiring: null, dropping: null };

/**
 * The last generation a view can be rebuilt into. Key limits are checked
 * against its scope (the longest), so an id a view holds today fits every
 * generation it can be rebuilt into.
 */
export const MAX_GENERATION = 9999;

/** The scope generation `n` of a view whose own scope is `scope` lives in. */
export function generationScope(scope: string, n: number): string {
  return n === 0 ? scope : `${scope}_g${n}`;
}

/** The home key of a view's generation state. */
function stateKey(view: string): string {
  return `generation/${view}`;
}

/**
 * The generation state of every view, as this process last read it from the
 * home (`_ps_state`, key `generation/<view>`), refreshed every `refreshMs`
 * and at once after a change made here. Every process reads the same record;
 * a switch made elsewhere reaches this process within `refreshMs`.
 */
export class ViewGenerations {
  /** Per view: its state as last read, and the read and write scopes that follow from it (read on every call). */
  readonly #routes = new Map<string, { state: GenerationState; read: string; writes: readonly string[] }>();
  readonly #scopes: ReadonlyMap<string, string>;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly home: HomeStore,
    views: readonly ViewDef<unknown>[],
    readonly refreshMs: number,
    private readonly logger: Logger,
  ) {
    this.#scopes = new Map(views.map((view) => [view.name, view.scope]));
    for (const view of this.#scopes.keys()) this.#use(view, FIRST_GENERATION);
  }

  /** The state as last read here (the first generation before any read). */
  state(view: string): GenerationState {
    return this.#routes.get(view)?.state ?? FIRST_GENERATION;
  }

  /** Where reads of the view go now. */
  readScope(view: string): string {
    return this.#routes.get(view)!.read;
  }

  /** Every scope a write to the view goes to now: active first, then building and retiring ones. */
  writeScopes(view: string): readonly string[] {
    return this.#routes.get(view)!.writes;
  }

  /** Reads every view's state from the home. */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.#scopes.keys()].map(async (view) => {
        const stored = await this.home.readState(stateKey(view));
        this.#use(view, stored ? (stored.value as GenerationState) : FIRST_GENERATION);
      }),
    );
  }

  /** The view's durable state and its revision (null: never rebuilt). */
  async read(view: string): Promise<{ state: GenerationState; revision: number | null }> {
    const stored = await this.home.readState(stateKey(view));
    return stored
      ? { state: stored.value as GenerationState, revision: stored.revision }
      : { state: FIRST_GENERATION, revision: null };
  }

  /** Compare-and-set of the view's state; on success this process uses it at once. */
  async write(view: string, next: GenerationState, revision: number | null): Promise<boolean> {
    const written = await this.home.writeState(stateKey(view), next, revision);
    if (written === null) return false;
    this.#use(view, next);
    return true;
  }

  #use(view: string, state: GenerationState): void {
    const scope = this.#scopes.get(view)!;
    const { active, building, retiring } = state;
    const writes = [active, building, retiring].flatMap((n) => (n === null ? [] : [generationScope(scope, n)]));
    this.#routes.set(view, { state, read: writes[0]!, writes });
  }

  /** Refreshes every `refreshMs` until `stop()`. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn({ error: describeError(err) }, "could not read the views' generations"),
      );
    }, this.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
