import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ArchiveStore } from '../../src/adapters/s3-archive/index.js';
import { type ArchivedOp, type ArchiveStore, archivedEvent } from '../../src/contracts/archive-store.js';
import { outboxPosition } from '../../src/contracts/log-position.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { uniqueName } from '../support/temp-dir.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T10:59:59.000Z');

/** The change a projector hands an archive for one event. */
function change(
  key: string,
  version: number,
  op: ArchivedOp,
  tx: number,
  committedAt: number,
): VersionedChange<unknown> {
  const record = op === 'delete' ? null : { id: key, n: version };
  const event = archivedEvent({
    eventId: `items/${key}@${version}`,
    entity: 'items',
    key,
    op,
    version,
    position: outboxPosition(tx, 1),
    committedAt,
    record,
  });
  return { key, version, value: event };
}

describe('s3 archive store (s3rver)', () => {
  let s3: S3TestServer;
  let client: S3Client;
  const stores: ArchiveStore[] = [];
  const open = (prefix: string) => {
    const store = s3ArchiveStore({ ...s3, prefix, forcePathStyle: true });
    stores.push(store);
    return store;
  };
  const objects = async (prefix: string) => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  };
  const body = async (key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString();

  beforeAll(async () => {
    s3 = await startS3Server(uniqueName('bucket').replaceAll('_', '-'));
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      forcePathStyle: true,
    });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    client?.destroy();
    await s3?.stop();
  });

  it('declares its kind and durability, and validates its options', () => {
    const store = open('p');
    expect([store.kind, store.driver, store.durability]).toEqual(['archive', 's3', 'immediate']);
    expect(() => s3ArchiveStore({ bucket: '' })).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    expect(() => s3ArchiveStore({ bucket: 'b', concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
    );
  });

  it('writes every event of a batch as NDJSON lines, partitioned by entity and hour, named by positions', async () => {
    const prefix = uniqueName('arch');
    const store = open(prefix);
    const batch = [
      change('a', 1, 'create', 10, T0 - 1000),
      change('a', 2, 'update', 11, T0),
      change('b', 1, 'create', 12, T0),
    ];
    expect(await store.applyIfNewer('items', batch)).toEqual({ applied: 3, skipped: 0 });
    const keys = await objects(prefix);
    expect(keys).toEqual([
      `${prefix}/items/dt=2026-03-01/hh=10/${outboxPosition(10, 1).replace(':', '.')}-${outboxPosition(12, 1).replace(':', '.')}.ndjson`,
    ]);
    const lines = (await body(keys[0]!))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        eventId: 'items/a@1',
        entity: 'items',
        key: 'a',
        op: 'create',
        version: 1,
        position: outboxPosition(10, 1),
        committedAt: T0 - 1000,
        record: { id: 'a', n: 1 },
      },
      {
        eventId: 'items/a@2',
        entity: 'items',
        key: 'a',
        op: 'update',
        version: 2,
        position: outboxPosition(11, 1),
        committedAt: T0,
        record: { id: 'a', n: 2 },
      },
      {
        eventId: 'items/b@1',
        entity: 'items',
        key: 'b',
        op: 'create',
        version: 1,
        position: outboxPosition(12, 1),
        committedAt: T0,
        record: { id: 'b', n: 1 },
      },
    ]);
  });

  it('splits a batch that straddles hours into one object per hour', async () => {
    const prefix = uniqueName('arch');
    const store = open(prefix);
    await store.applyIfNewer('items', [
      change('a', 1, 'create', 1, T0),
      change('a', 2, 'update', 2, T0 + 1000),
      change('a', 3, 'delete', 3, T0 + HOUR + 1000),
    ]);
    const keys = await objects(prefix);
    expect(keys.map((k) => k.split('/').slice(2, 4).join('/'))).toEqual([
      'dt=2026-03-01/hh=10',
      'dt=2026-03-01/hh=11',
      'dt=2026-03-01/hh=12',
    ]);
    expect((await body(keys[1]!)).trim().split('\n')).toHaveLength(1);
  });

  it('is idempotent on retry: a re-delivered batch overwrites the same objects with the same content', async () => {
    const prefix = uniqueName('arch');
    const store = open(prefix);
    const batch = [change('a', 1, 'create', 1, T0), change('b', 1, 'create', 2, T0), change('a', 2, 'delete', 3, T0)];
    await store.applyIfNewer('items', batch);
    const before = await objects(prefix);
    const content = await body(before[0]!);
    await store.applyIfNewer('items', batch);
    expect(await objects(prefix)).toEqual(before);
    expect(await body(before[0]!)).toBe(content);
    // Re-delivered with other boundaries (one event at a time after a failed batch): readers de-duplicate.
    for (const one of batch) await store.applyIfNewer('items', [one]);
    expect(await objects(prefix)).toHaveLength(4);
    const events = await store.readEvents('items');
    expect(events.map((e) => e.eventId)).toEqual(['items/a@1', 'items/a@2', 'items/b@1']);
    expect(await store.listVersions!('items')).toEqual([
      { key: 'a', version: 2, deleted: true },
      { key: 'b', version: 1, deleted: false },
    ]);
  });

  it('reads one record, or lines up to a time, and keeps scopes apart', async () => {
    const prefix = uniqueName('arch');
    const store = open(prefix);
    await store.applyIfNewer('items', [change('a', 1, 'create', 1, T0), change('b', 1, 'create', 2, T0 + 10)]);
    await store.applyIfNewer('items', [
      change('a', 2, 'update', 3, T0 + 2 * HOUR),
      change('a', 3, 'delete', 4, T0 + 3 * HOUR),
    ]);
    await store.applyIfNewer('other', [change('a', 7, 'create', 5, T0)]);
    expect((await store.readEvents('items', { key: 'a' })).map((e) => [e.version, e.op])).toEqual([
      [1, 'create'],
      [2, 'update'],
      [3, 'delete'],
    ]);
    expect((await store.readEvents('items', { until: T0 + 2 * HOUR })).map((e) => e.eventId)).toEqual([
      'items/a@1',
      'items/a@2',
      'items/b@1',
    ]);
    expect((await store.readEvents('items', { until: T0 + 5 })).map((e) => e.eventId)).toEqual(['items/a@1']);
    expect((await store.readEvents('other')).map((e) => e.version)).toEqual([7]);
  });

  it('archives a record state handed without its event as a snapshot, which the event of that version replaces', async () => {
    const prefix = uniqueName('arch');
    const store = open(prefix);
    await store.applyIfNewer('items', [
      { key: 'a', version: 1, value: { id: 'a', n: 1 } },
      { key: 'z', version: 4, value: null },
    ]);
    expect((await store.readEvents('items')).map((e) => [e.key, e.version, e.op, e.position])).toEqual([
      ['a', 1, 'snapshot', null],
      ['z', 4, 'delete', null],
    ]);
    await store.applyIfNewer('items', [change('a', 1, 'create', 9, T0)]);
    const [a] = await store.readEvents('items', { key: 'a' });
    expect([a!.op, a!.position]).toEqual(['create', outboxPosition(9, 1)]);
  });

  it('keeps what it wrote for a new store on the same bucket and prefix', async () => {
    const prefix = uniqueName('arch');
    await open(prefix).applyIfNewer('items', [change('a', 1, 'create', 1, T0)]);
    expect((await open(prefix).readEvents('items')).map((e) => e.eventId)).toEqual(['items/a@1']);
  });

  it('refuses use after close, and reports an unreachable server as unavailable', async () => {
    const store = s3ArchiveStore({ ...s3, prefix: 'x', forcePathStyle: true });
    await store.ready();
    await store.close();
    await expect(store.readEvents('items')).rejects.toMatchObject({ code: 'PS_ERR_STORE_CLOSED' });
    const down = open('y');
    const unreachable = s3ArchiveStore({ ...s3, endpoint: 'http://127.0.0.1:9', prefix: 'y', forcePathStyle: true });
    stores.push(unreachable);
    await expect(unreachable.applyIfNewer('items', [change('a', 1, 'create', 1, T0)])).rejects.toMatchObject({
      code: 'PS_ERR_STORE_UNAVAILABLE',
    });
    expect(await down.readEvents('items')).toEqual([]);
  });
});
