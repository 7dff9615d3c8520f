import type { Redis } from 'ioredis';
import type { Client } from 'pg';

/** How a raw copy went: records copied, its wall time, and where it went: the SELECTs, and encoding plus the Redis pipelines. */
export interface RawCopy {
  readonly records: number;
  readonly elapsedMs: number;
  readonly selectMs: number;
  readonly writeMs: number;
}

/**
 * What a user would write to copy a document table into Redis by hand, the
 * raw side of P5: keyset SELECTs of `chunk` rows through `pg` (a named
 * prepared statement, as the home uses), each followed by one ioredis
 * pipeline of SETs of the entries the cache view stores (`#<version>|<json>`),
 * one chunk after the other.
 */
export async function rawCopy(
  pg: Client,
  redis: Redis,
  relation: string,
  keyOf: (id: string) => string,
  chunk: number,
): Promise<RawCopy> {
  const scan = `SELECT id, _version, doc FROM ${relation} WHERE id > $1 ORDER BY id LIMIT $2`;
  let after = '';
  let records = 0;
  let selectMs = 0;
  let writeMs = 0;
  const started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const { rows } = await pg.query<{ id: string; _version: string | number; doc: unknown }>({
      name: 'p5_raw_scan',
      text: scan,
      values: [after, chunk],
    });
    const t1 = performance.now();
    if (rows.length === 0) break;
    const pipeline = redis.pipeline();
    for (const row of rows) pipeline.set(keyOf(row.id), `#${row._version}|${JSON.stringify(row.doc)}`);
    await pipeline.exec();
    selectMs += t1 - t0;
    writeMs += performance.now() - t1;
    records += rows.length;
    after = rows.at(-1)!.id;
    if (rows.length < chunk) break;
  }
  return { records, elapsedMs: performance.now() - started, selectMs, writeMs };
}
