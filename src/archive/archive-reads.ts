import type { ArchivedEvent, ArchivedOp, ArchiveStore } from '../contracts/archive-store.js';
import type { VersionedChange, ViewStoreBase } from '../contracts/view-store.js';
import { PolystoreError } from '../errors/index.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { unknownView } from '../views/unknown-view.js';
import type { ViewDef } from '../views/view-def.js';

/** The views of an application, as `db.views` lists them. */
export type ViewList = readonly { readonly view: ViewDef<unknown>; readonly store: ViewStoreBase<unknown> }[];

/** One version of a record, as the archive holds it. */
export interface RecordVersion {
  readonly version: number;
  readonly op: ArchivedOp;
  readonly committedAt: Date;
  /** The record after the change; null after a delete. */
  readonly record: Record<string, unknown> | null;
}

/** Where `replayFromArchive` writes and up to when. */
export interface ReplayOptions {
  /** The view to rebuild (a cache, search or analytics view; a graph view into another store). */
  readonly view: string;
  /** Events committed at or before this time are replayed (a Date, an ISO string or epoch milliseconds). */
  readonly until: Date | string | number;
  /**
   * Where to build it (default: beside the live view, in its store, in the
   * scope `<scope>_asof`). The target scope must be empty; the live view is
   * never written.
   */
  readonly into?: { readonly store?: ViewStoreBase<unknown>; readonly scope?: string };
}

export interface ReplayOutcome {
  readonly view: string;
  /** The scope the view as of `until` was built in. */
  readonly scope: string;
  readonly until: Date;
  /** Archived events read (committed at or before `until`). */
  readonly events: number;
  /** Records written (the newest version of each, deletes as tombstones). */
  readonly records: number;
}

const CHUNK = 500;

/** The archive view (and its store) of `entity`, or an error naming the fix. */
export function archiveOf(views: ViewList, entity: string): { view: ViewDef<unknown>; store: ArchiveStore } {
  const found = views.find(({ view }) => view.kind === 'archive' && view.entity === entity);
  if (!found)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The entity "${entity}" has no archive view`, {
      field: 'entity',
      fix: `add archiveView(${entity}, { store: '<an archive store>' }) to the views`,
    });
  return { view: found.view, store: found.store as ArchiveStore };
}

/** Every archived version of one record, oldest first. */
export async function recordHistory(views: ViewList, entity: string, id: string): Promise<RecordVersion[]> {
  const archive = archiveOf(views, entity);
  const events = await archive.store.readEvents(archive.view.scope, { key: id });
  return events.map((e) => ({ version: e.version, op: e.op, committedAt: new Date(e.committedAt), record: e.record }));
}

/** Builds `options.view` as of `options.until` from the archive of its entity, in an empty scope. */
export async function replayFromArchive(views: ViewList, options: ReplayOptions): Promise<ReplayOutcome> {
  const live = views.find(({ view }) => view.name === options.view);
  if (!live)
    throw unknownView(
      options.view,
      views.map((v) => v.view.name),
    );
  const { view } = live;
  if (view.kind === 'archive')
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The view "${view.name}" is an archive itself`, {
      field: 'view',
      fix: 'replay a cache, search or analytics view of the entity',
    });
  if (view.kind === 'graph' && !options.into?.store)
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `The graph view "${view.name}" can only be replayed into another store`,
      {
        field: 'into.store',
        fix: 'pass into: { store } with an empty graph store: nodes of one label are shared by every scope of a graph',
      },
    );
  const until = untilTime(options.until);
  const store = options.into?.store ?? live.store;
  const scope = assertIdentifier(
    options.into?.scope ?? (options.into?.store ? view.scope : `${view.scope}_asof`),
    'replay scope',
  );
  if (store === live.store && scope === view.scope)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `A replay would overwrite the live view "${view.name}"`, {
      field: 'into',
      fix: 'replay into another scope or another store',
    });
  const archive = archiveOf(views, view.entity);
  await store.ready();
  if (!store.listVersions)
    throw new PolystoreError('PS_ERR_UNSUPPORTED_READ', 'A replay needs a target store that can list its entries', {
      field: 'into',
      fix: 'replay into a store that lists its keys (LMDB, Redis, search, analytics), not Memcached',
    });
  if ((await store.listVersions(scope)).length > 0)
    throw new PolystoreError('PS_ERR_ALREADY_EXISTS', `The replay target scope "${scope}" is not empty`, {
      field: 'into.scope',
      fix: 'name an empty scope, or drop this one first',
    });
  await view.prepare(store, scope);
  const events = await archive.store.readEvents(archive.view.scope, { until: until.getTime() });
  const changes = newestPerRecord(events).map(
    (e): VersionedChange<unknown> => ({
      key: e.key,
      version: e.version,
      value: e.record === null ? null : (view.project(e.record) ?? null),
    }),
  );
  for (let i = 0; i < changes.length; i += CHUNK) await store.applyIfNewer(scope, changes.slice(i, i + CHUNK));
  await store.flush();
  return { view: view.name, scope, until, events: events.length, records: changes.length };
}

/** Lines come ordered by key then version: the last of each key is its state. */
function newestPerRecord(events: readonly ArchivedEvent[]): ArchivedEvent[] {
  const newest = new Map<string, ArchivedEvent>();
  for (const event of events) newest.set(event.key, event);
  return [...newest.values()];
}

function untilTime(until: Date | string | number): Date {
  const at = until instanceof Date ? until : new Date(until);
  if (Number.isNaN(at.getTime()))
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'The replay time is not a date', {
      field: 'until',
      fix: 'pass a Date, an ISO 8601 time such as 2026-01-31T12:00:00Z, or epoch milliseconds',
    });
  return at;
}
