import type { HomeStore } from '../../contracts/home-store.js';
import type { ViewStoreBase } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import type { EntityDef } from '../../model/define-entity.js';
import type { Logger } from '../../runtime/logger.js';
import type { ViewDef } from '../../views/view-def.js';
import { type BackfillRecords, backfillKey, startingBackfill } from '../backfill/backfill-record-store.js';
import { type BackfillRunOptions, runBackfill } from '../backfill/backfill-runner.js';
import type { BackfillRecord } from '../backfill/backfill-state.js';
import { type GenerationState, generationScope, MAX_GENERATION, type ViewGenerations } from './view-generations.js';

/** One step of a rebuild, for progress displays and logs. */
export type RebuildStep =
  | { readonly step: 'building'; readonly generation: number }
  | { readonly step: 'copying'; readonly record: BackfillRecord }
  | { readonly step: 'catching-up' }
  | { readonly step: 'verifying' }
  | { readonly step: 'switched'; readonly generation: number }
  | { readonly step: 'dropped'; readonly generation: number };

export interface RebuildOutcome {
  readonly view: string;
  /** The generation reads went to before, and go to now. */
  readonly from: number;
  readonly to: number;
  /** Records and tombstones read from the home into the new generation. */
  readonly examined: number;
  /** Drifted records the verification found (and repaired) before the switch. */
  readonly repaired: number;
}

export interface RebuildContext {
  readonly home: HomeStore;
  readonly generations: ViewGenerations;
  readonly records: BackfillRecords;
  /** The view as declared (its own scope), the store itself (not a generation store), its entity. */
  readonly view: ViewDef<unknown>;
  readonly store: ViewStoreBase<unknown>;
  readonly entity: EntityDef;
  /** Waits until the view's projector (wherever it runs) has applied every event committed so far. */
  readonly catchUp: () => Promise<void>;
  /**
   * Checks the view in `scope` against the home (lag-aware), repairing what
   * drifted: the records repaired, and whether the scope then matches.
   */
  readonly verify: (scope: string) => Promise<{ ok: boolean; repaired: number }>;
  /** How long every process needs to see a generation change (twice the refresh interval). */
  readonly graceMs: number;
  readonly backfill: Omit<BackfillRunOptions, 'onProgress'>;
  readonly logger: Logger;
  readonly onProgress?: (step: RebuildStep) => void;
}

/**
 * Rebuilds a view beside itself, as search teams swap index aliases: a new
 * generation (`<scope>_g<n>`) is prepared and takes every write from then on
 * (projectors write both), is filled from the home by a backfill (durable and
 * leased: a rebuild killed mid-way resumes from its cursor when run again),
 * caught up, checked against the home and repaired, and only then do reads
 * switch to it, in one compare-and-set of the view's generation record. The
 * old generation keeps taking writes for `graceMs` (a process that has not
 * seen the switch reads current data) and is then dropped. Reads never see a
 * partly filled generation, and never fail for the rebuild.
 */
export async function rebuildBeside(ctx: RebuildContext): Promise<RebuildOutcome> {
  const { view, store, generations } = ctx;
  if (typeof store.dropScope !== 'function') {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The view "${view.name}" cannot be rebuilt beside itself`, {
      field: 'view',
      fix: `its ${store.driver} store cannot drop a generation; refill it in place with polystore backfill ${view.name}`,
    });
  }
  let { state, revision } = await generations.read(view.name);
  // A rebuild that stopped after its switch: finish dropping the old generation first.
  if (state.retiring !== null || (state.dropping ?? null) !== null)
    ({ state, revision } = await retire(ctx, state, revision));
  const from = state.active;
  let target = state.building;
  if (target === null) {
    target = from + 1;
    if (target > MAX_GENERATION) {
      throw new PolystoreError(
        'PS_ERR_INVALID_ARGUMENT',
        `The view "${view.name}" was rebuilt ${from} times, the most`,
        {
          field: 'view',
          fix: `refill it in place with polystore backfill ${view.name}`,
        },
      );
    }
    const next = { active: from, building: target, retiring: null, dropping: null };
    if (!(await generations.write(view.name, next, revision))) throw moved(view.name);
    ({ state, revision } = await generations.read(view.name));
  }
  const scope = generationScope(view.scope, target);
  ctx.onProgress?.({ step: 'building', generation: target });
  await view.prepare(store, scope);
  // Every process now writes both generations: only then is a copy of the home complete.
  await sleep(ctx.graceMs);

  const copied = await copyFromHome(ctx, scope, target);
  ctx.onProgress?.({ step: 'catching-up' });
  await ctx.catchUp();
  ctx.onProgress?.({ step: 'verifying' });
  const verified = await ctx.verify(scope);
  if (!verified.ok) {
    throw new PolystoreError(
      'PS_ERR_CONSISTENCY_TIMEOUT',
      `The new generation of ${view.name} did not match the home`,
      {
        fix: 'reads stay on the old generation; check that a worker runs the projector, then run the rebuild again',
        details: { view: view.name, generation: target },
      },
    );
  }
  const switched = { active: target, building: null, retiring: from, dropping: null };
  if (!(await generations.write(view.name, switched, revision))) throw moved(view.name);
  ctx.logger.info({ view: view.name, from, to: target }, 'reads switched to the rebuilt generation');
  ctx.onProgress?.({ step: 'switched', generation: target });
  await retire(ctx, switched, (await generations.read(view.name)).revision);
  await ctx.home.deleteState(backfillKey(copyName(view.name, target)));
  return { view: view.name, from, to: target, examined: copied.examined, repaired: verified.repaired };
}

/** Fills generation `n` in `scope` from the home (resuming its backfill if one was left). */
async function copyFromHome(ctx: RebuildContext, scope: string, n: number): Promise<BackfillRecord> {
  const { home, records, entity } = ctx;
  const name = copyName(ctx.view.name, n);
  if (!(await records.read(name))) {
    const record = await startingBackfill(home, {
      view: name,
      entity,
      reason: 'requested',
      filter: null,
      horizon: null,
    });
    await records.put(record, null);
  }
  const target = { view: { ...ctx.view, name, scope }, store: ctx.store, entity };
  const done = await runBackfill(home, records, target, {
    ...ctx.backfill,
    onProgress: (record) => ctx.onProgress?.({ step: 'copying', record }),
  });
  if (done?.status !== 'done') {
    throw new PolystoreError('PS_ERR_BACKFILL_STATE', `The copy into the new generation of ${ctx.view.name} stopped`, {
      field: 'view',
      fix: 'run the rebuild again: it resumes where the copy stopped',
      details: { status: done?.status ?? 'missing', owner: done?.owner ?? null },
    });
  }
  return done;
}

/**
 * Ends the old generation in two steps, each after a grace period: first it
 * stops taking writes (`retiring` becomes `dropping`; readers have all moved
 * by then), then, once writes in flight have ended, its entries are deleted
 * and it is forgotten. Either step is finished by the next rebuild if a crash
 * interrupts it.
 */
async function retire(ctx: RebuildContext, state: GenerationState, revision: number | null) {
  const { view, store, generations } = ctx;
  if (state.retiring !== null) {
    await sleep(ctx.graceMs);
    const next = { ...state, retiring: null, dropping: state.retiring };
    if (!(await generations.write(view.name, next, revision))) throw moved(view.name);
    ({ state, revision } = await generations.read(view.name));
  }
  const dropping = state.dropping ?? null;
  if (dropping === null) return { state, revision };
  await sleep(ctx.graceMs);
  await store.dropScope!(generationScope(view.scope, dropping));
  await store.flush();
  ctx.onProgress?.({ step: 'dropped', generation: dropping });
  if (!(await generations.write(view.name, { ...state, dropping: null }, revision))) throw moved(view.name);
  return generations.read(view.name);
}

/** The backfill record of generation `n`'s copy. */
function copyName(view: string, n: number): string {
  return `${view}@g${n}`;
}

function moved(view: string): PolystoreError {
  return new PolystoreError('PS_ERR_BACKFILL_STATE', `Another process changed the generations of ${view} meanwhile`, {
    field: 'view',
    fix: 'let the other rebuild finish (polystore status shows it), then run this one again if still needed',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
