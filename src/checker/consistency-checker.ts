import type { HomeStore } from '../contracts/home-store.js';
import type { VersionEntry, ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { jsonFormOfRow } from '../model/record-codec.js';
import { describeError, type Logger, silentLogger } from '../runtime/logger.js';
import type { ViewDef } from '../views/view-def.js';

export interface ViewDrift {
  readonly view: string;
  readonly entity: string;
  /** Live home records the view lacks. */
  readonly missing: number;
  /** Records the view holds at an older version than the home. */
  readonly stale: number;
  /** Records the view holds (live) that the home no longer has. */
  readonly extra: number;
  /** Records compared. */
  readonly checked: number;
  /** Up to 20 ids of each kind, for a look. */
  readonly sample: { readonly missing: string[]; readonly stale: string[]; readonly extra: string[] };
  /** Records written back by `repair` (0 unless repairing). */
  readonly repaired: number;
  /** Drifted records `repair` could not write because their projection throws (poison; fix the view's projection). */
  readonly unrepairable: number;
}

interface CheckTarget {
  readonly view: ViewDef<unknown>;
  readonly store: ViewStoreBase<unknown>;
  readonly entity: EntityDef;
}

/**
 * Compares every view with the home, id by id and version by version. With
 * `repair`, writes the home's current state of each drifted id to the view
 * (version-guarded, like any apply), which is also how a new view is backfilled.
 */
export async function checkConsistency(
  home: HomeStore,
  targets: readonly CheckTarget[],
  options: { repair?: boolean; logger?: Logger } = {},
): Promise<ViewDrift[]> {
  const logger = options.logger ?? silentLogger;
  const homeVersions = new Map<string, Map<string, number>>();
  const out: ViewDrift[] = [];
  for (const { view, store, entity } of targets) {
    let expected = homeVersions.get(entity.name);
    if (!expected) {
      expected = new Map((await home.listVersions(entity.table)).map((row) => [row.id, row.version]));
      homeVersions.set(entity.name, expected);
    }
    const held = new Map<string, VersionEntry>((await store.listVersions(view.scope)).map((e) => [e.key, e]));
    const missing: string[] = [];
    const stale: string[] = [];
    const extra: string[] = [];
    for (const [id, version] of expected) {
      const entry = held.get(id);
      if (!entry) {
        if (view.completeness === 'complete') missing.push(id);
      } else if (entry.version < version) stale.push(id);
    }
    for (const [key, entry] of held) if (!entry.deleted && !expected.has(key)) extra.push(key);
    const { repaired, unrepairable } = options.repair
      ? await repair(home, { view, store, entity }, [...missing, ...stale], extra, held, logger)
      : { repaired: 0, unrepairable: 0 };
    out.push({
      view: view.name,
      entity: entity.name,
      missing: missing.length,
      stale: stale.length,
      extra: extra.length,
      checked: expected.size,
      sample: { missing: missing.slice(0, 20), stale: stale.slice(0, 20), extra: extra.slice(0, 20) },
      repaired,
      unrepairable,
    });
  }
  return out;
}

async function repair(
  home: HomeStore,
  { view, store, entity }: CheckTarget,
  behind: readonly string[],
  extra: readonly string[],
  held: ReadonlyMap<string, VersionEntry>,
  logger: Logger,
): Promise<{ repaired: number; unrepairable: number }> {
  let repaired = 0;
  let unrepairable = 0;
  for (let i = 0; i < behind.length; i += 500) {
    const rows = await home.getMany(entity.table, behind.slice(i, i + 500));
    const changes = [];
    for (const row of rows) {
      try {
        changes.push({ key: row.id, version: row.version, value: view.project(jsonFormOfRow(entity, row)) ?? null });
      } catch (err) {
        // One record whose projection throws must not stop the repair of the others.
        unrepairable++;
        logger.warn(
          { view: view.name, error: describeError(err) },
          'check --repair skipped a record whose projection throws',
        );
      }
    }
    if (changes.length > 0) repaired += (await store.applyIfNewer(view.scope, changes)).applied;
  }
  // A live entry with no home row: its delete was lost. Tombstone it one version up.
  const tombstones = extra.map((key) => ({ key, version: (held.get(key)?.version ?? 0) + 1, value: null }));
  if (tombstones.length > 0) repaired += (await store.applyIfNewer(view.scope, tombstones)).applied;
  await store.flush();
  return { repaired, unrepairable };
}
