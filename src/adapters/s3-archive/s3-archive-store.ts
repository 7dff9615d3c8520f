import {
  type ArchivedEvent,
  type ArchiveQuery,
  type ArchiveStore,
  isArchivedEvent,
} from '../../contracts/archive-store.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import { importDriver } from '../../runtime/import-driver.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { archiveObjects, parseArchiveObject, partitionEnd, scopePrefix, uniqueEvents } from './archive-objects.js';
import { openS3, type S3Session } from './s3-session.js';

export interface S3ArchiveStoreOptions {
  /** The bucket (it must exist). */
  readonly bucket: string;
  /** Key prefix of every object (default `polystore-archive`). */
  readonly prefix?: string;
  /** An S3-compatible endpoint URL; unset uses AWS. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Unset uses the SDK's default chain (environment, profile, role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Path-style URLs (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  readonly forcePathStyle?: boolean;
  /** Objects read or written at once (default 8). */
  readonly concurrency?: number;
}

/** Objects are named by positions or content, so an apply may overwrite them safely: durable once PUT returns. */
class S3ArchiveStore implements ArchiveStore {
  readonly kind = 'archive';
  readonly driver = 's3';
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<S3Session>;
  readonly #prefix: string;
  readonly #concurrency: number;

  constructor(options: S3ArchiveStoreOptions) {
    this.#prefix = (options.prefix ?? 'polystore-archive').replace(/\/+$/, '');
    this.#concurrency = options.concurrency ?? 8;
    this.#guard = new RuntimeGuard(
      's3',
      () => importDriver('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3')).then((sdk) => openS3(sdk, options)),
      async (session) => session.destroy(),
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  async applyIfNewer(scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> {
    assertIdentifier(scope, 'archive scope');
    if (changes.length === 0) return { applied: 0, skipped: 0 };
    const archivedAt = Date.now();
    const events = changes.map((change) =>
      isArchivedEvent(change.value) ? change.value : snapshotOf(scope, change, archivedAt),
    );
    const objects = archiveObjects(this.#prefix, scope, events);
    await this.#s3('write', (s3) => eachLimited(objects, this.#concurrency, (o) => s3.put(o.key, o.body)));
    return { applied: events.length, skipped: 0 };
  }

  async readEvents(scope: string, query: ArchiveQuery = {}): Promise<ArchivedEvent[]> {
    assertIdentifier(scope, 'archive scope');
    const base = scopePrefix(this.#prefix, scope);
    const { key, until } = query;
    return this.#s3('read', async (s3) => {
      const keys = (await s3.list(base)).filter((name) => {
        if (until === undefined) return true;
        const end = partitionEnd(name.slice(base.length).split('/').slice(0, 2).join('/'));
        // An hour that starts after `until` holds nothing wanted.
        return end === null || end - 3_599_999 <= until;
      });
      const bodies = await eachLimited(keys, this.#concurrency, (name) => s3.get(name));
      const lines = bodies.flatMap(parseArchiveObject);
      return uniqueEvents(
        lines.filter((l) => (key === undefined || l.key === key) && (until === undefined || l.committedAt <= until)),
      );
    });
  }

  async listVersions(scope: string): Promise<VersionEntry[]> {
    const newest = new Map<string, ArchivedEvent>();
    for (const event of await this.readEvents(scope)) newest.set(event.key, event);
    return [...newest.values()].map((e) => ({ key: e.key, version: e.version, deleted: e.op === 'delete' }));
  }

  async flush(): Promise<void> {}

  async #s3<R>(action: 'read' | 'write', fn: (s3: S3Session) => Promise<R>): Promise<R> {
    try {
      return await fn(await this.#guard.client());
    } catch (error) {
      throw wrapStoreError(error, 'PS_ERR_STORE_UNAVAILABLE', `The S3 archive could not ${action} its objects`, {
        fix: 'check that the endpoint is reachable, the bucket exists and the credentials may read and write it',
      });
    }
  }
}

/** A record's state handed without its event (a backfill, a repair): archived as a snapshot. */
function snapshotOf(scope: string, change: VersionedChange<unknown>, archivedAt: number): ArchivedEvent {
  const record = change.value as Record<string, unknown> | null;
  return {
    eventId: `${scope}/${change.key}@${change.version}`,
    entity: scope,
    key: change.key,
    op: record === null ? 'delete' : 'snapshot',
    version: change.version,
    position: null,
    committedAt: archivedAt,
    record,
  };
}

async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * An archive of change events in an S3 bucket (or an S3-compatible server):
 * NDJSON objects under `<prefix>/<entity>/dt=YYYY-MM-DD/hh=HH/`, one per
 * batch and hour of commit, named by the batch's first and last positions.
 * Needs `@aws-sdk/client-s3`.
 *
 * @example
 * const archive = s3ArchiveStore({
 *   endpoint: 'http://127.0.0.1:4569', bucket: 'events', prefix: 'shop',
 *   credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true,
 * });
 * const db = createPolystore({ home, stores: { archive }, entities: [products],
 *   views: [archiveView(products, { store: 'archive' })] });
 */
export function s3ArchiveStore(options: S3ArchiveStoreOptions): ArchiveStore {
  if (typeof options.bucket !== 'string' || options.bucket === '')
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The S3 archive store needs a bucket', {
      field: 'bucket',
      fix: 'pass s3ArchiveStore({ bucket: "..." })',
    });
  if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency > 0))
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The S3 archive concurrency must be a positive integer', {
      field: 'concurrency',
      fix: 'pass a whole number of at least 1, or leave it unset (8)',
    });
  return new S3ArchiveStore(options);
}
