import { archivedEvent } from '../contracts/archive-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { type ViewDef, type ViewOptions, viewName } from './view-def.js';

export type ArchiveViewOptions = ViewOptions;

export interface ArchiveViewDef extends ViewDef<unknown> {
  readonly kind: 'archive';
}

/**
 * Keeps every change event of an entity (not only its latest state) in an
 * archive store, so that `db.history(entity, id)` lists a record's versions
 * and `db.replayFromArchive` rebuilds another view as of a past time. Records
 * that existed before the archive was added enter it as `snapshot` lines
 * (from the backfill of a new view).
 *
 * @example
 * archiveView(products, { store: 'archive' })
 */
export function archiveView<E extends EntityDef>(entity: E, options: ArchiveViewOptions): ArchiveViewDef {
  const name = viewName(entity, 'archive', options);
  return {
    kind: 'archive',
    name: assertIdentifier(name, 'view name'),
    entity: entity.name,
    store: options.store,
    // The store partitions by entity: the scope is the entity's name.
    scope: assertIdentifier(entity.name, 'archive scope'),
    completeness: 'complete',
    shape: { version: options.version ?? 1 },
    // A backfill or a checker repair hands the record's state alone: the store archives it as a snapshot.
    project: (record) => record,
    projectEvent: (event) =>
      archivedEvent({
        eventId: event.eventId,
        entity: event.entity,
        key: event.key,
        op: event.op,
        version: event.version,
        position: event.position,
        committedAt: event.committedAt,
        record: event.payload,
      }),
    prepare: async () => undefined,
  };
}
