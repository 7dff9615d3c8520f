import type { ChangeEvent } from '../contracts/change-event.js';
import type { EntityTableSpec, HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';

/** Rows or tombstones per read of the source and per restore into the target. */
export const COPY_CHUNK = 1000;
/** Outbox events per catch-up read. */
const EVENTS_PER_READ = 1000;

/** What one copy pass moved. */
export interface CopyCounts {
  rows: number;
  tombstones: number;
}

/**
 * Copies every live row and tombstone of `spec` from `source` into `target`
 * in keyset chunks, versions included (`restoreRows`, `restoreTombstones`):
 * the snapshot half of moving a home. The source keeps taking writes; what
 * changes after `catchUp`'s starting position is copied again by it, and the
 * version guards let the newest state of each id win whatever the order.
 */
export async function copyEntity(
  source: HomeStore,
  target: HomeStore,
  spec: EntityTableSpec,
  onChunk: (counts: CopyCounts) => void,
  signal?: AbortSignal,
): Promise<CopyCounts> {
  const counts: CopyCounts = { rows: 0, tombstones: 0 };
  for (let after: string | null = null; !signal?.aborted; ) {
    const rows = await source.scanRows(spec, { after, limit: COPY_CHUNK });
    if (rows.length === 0) break;
    await target.restoreRows(spec, rows);
    counts.rows += rows.length;
    after = rows.at(-1)!.id;
    onChunk(counts);
  }
  for (let after: string | null = null; !signal?.aborted; ) {
    const tombstones = await source.scanTombstones(spec, { after, limit: COPY_CHUNK });
    if (tombstones.length === 0) break;
    await target.restoreTombstones(spec, tombstones);
    counts.tombstones += tombstones.length;
    after = tombstones.at(-1)!.id;
    onChunk(counts);
  }
  return counts;
}

/** One catch-up read: where it ended, the events it read, and the ids of each entity it touched. */
export interface CatchUpStep {
  readonly position: LogPosition | null;
  readonly events: number;
  readonly touched: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Reads the source's outbox after `after` (one read of up to 1000 settled
 * events) and brings each id it names to the source's current state in the
 * target: the live row if there is one, else the tombstone of the id's last
 * delete in the read (an id created again later is copied by the event that
 * created it). Current state rather than event payloads: an event's payload
 * is the view-facing record, the row is what the home holds. Events of
 * entities not in `specs` are passed over.
 */
export async function catchUpOnce(
  source: HomeStore,
  target: HomeStore,
  specs: ReadonlyMap<string, EntityTableSpec>,
  after: LogPosition | null,
): Promise<CatchUpStep> {
  const events = await source.readOutbox(after, EVENTS_PER_READ);
  const touched = await copyCurrent(source, target, specs, events);
  return { position: events.at(-1)?.position ?? after, events: events.length, touched };
}

/** Copies the current source state of every id `events` name (see catchUpOnce); returns those ids by entity. */
export async function copyCurrent(
  source: HomeStore,
  target: HomeStore,
  specs: ReadonlyMap<string, EntityTableSpec>,
  events: readonly ChangeEvent[],
): Promise<Map<string, Set<string>>> {
  const lastByEntity = new Map<string, Map<string, ChangeEvent>>();
  for (const event of events) {
    if (!specs.has(event.entity)) continue;
    const byKey = lastByEntity.get(event.entity) ?? new Map<string, ChangeEvent>();
    lastByEntity.set(event.entity, byKey);
    byKey.set(event.key, event);
  }
  const touched = new Map<string, Set<string>>();
  for (const [entity, byKey] of lastByEntity) {
    const spec = specs.get(entity)!;
    const ids = [...byKey.keys()];
    touched.set(entity, new Set(ids));
    for (let i = 0; i < ids.length; i += COPY_CHUNK) {
      const chunk = ids.slice(i, i + COPY_CHUNK);
      const live = await source.getMany(spec, chunk);
      await target.restoreRows(spec, live);
      const alive = new Set(live.map((row) => row.id));
      const deleted = chunk
        .filter((id) => !alive.has(id) && byKey.get(id)!.op === 'delete')
        .map((id) => ({ id, version: byKey.get(id)!.version }));
      await target.restoreTombstones(spec, deleted);
    }
  }
  return touched;
}

/** Adds each entity's touched ids of `step` to `into`. */
export function addTouched(into: Map<string, Set<string>>, step: ReadonlyMap<string, ReadonlySet<string>>): void {
  for (const [entity, ids] of step) {
    const set = into.get(entity) ?? new Set<string>();
    into.set(entity, set);
    for (const id of ids) set.add(id);
  }
}
