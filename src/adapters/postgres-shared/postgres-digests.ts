import type { BucketDigest, BucketMembers } from '../../contracts/bucket-digest.js';
import type { EntityTableSpec } from '../../contracts/home-store.js';
import { assertBuckets, digestsFromRows, membersFromRows } from '../sql-shared/bucket-digest-rows.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { EntityTables } from './entity-table.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';

const BUCKET_DIGESTS = loadSql('bucket-digests.sql', import.meta.url);
const BUCKET_ROWS = loadSql('bucket-rows.sql', import.meta.url);
const BUCKET_TOMBSTONES = loadSql('bucket-tombstones.sql', import.meta.url);

/** The home's side of a digest check (bucket-digests.sql, bucket-rows.sql, bucket-tombstones.sql). */
export class PostgresDigests {
  readonly #tombstones: string;

  constructor(
    private readonly driver: string,
    private readonly tables: EntityTables,
    quotedSchema: string,
  ) {
    this.#tombstones = renderSql(BUCKET_TOMBSTONES, { schema: quotedSchema });
  }

  async digests(exec: PgExecutor, spec: EntityTableSpec, bits: number): Promise<Map<number, BucketDigest>> {
    assertBuckets(bits);
    const { relation } = this.tables.resolve(spec);
    const rows = await runQuery<{ bucket: unknown; n: unknown; total: unknown }>(
      exec,
      renderSql(BUCKET_DIGESTS, { relation }),
      [bits],
      this.#context(spec, 'computing bucket digests of'),
    );
    return digestsFromRows(rows);
  }

  async members(
    exec: PgExecutor,
    spec: EntityTableSpec,
    bits: number,
    buckets: readonly number[],
  ): Promise<BucketMembers> {
    assertBuckets(bits, buckets);
    const { relation } = this.tables.resolve(spec);
    if (buckets.length === 0) return { rows: [], tombstones: [] };
    const context = this.#context(spec, 'reading the buckets of');
    const rows = await runQuery<{ id: string; _version: unknown }>(
      exec,
      renderSql(BUCKET_ROWS, { relation }),
      [bits, buckets],
      context,
    );
    const tombstones = await runQuery<{ id: string; version: unknown }>(
      exec,
      this.#tombstones,
      [bits, buckets, spec.entity],
      context,
    );
    return membersFromRows(rows, tombstones);
  }

  #context(spec: EntityTableSpec, verb: string) {
    return { driver: this.driver, action: `${verb} ${spec.entity} rows` };
  }
}
