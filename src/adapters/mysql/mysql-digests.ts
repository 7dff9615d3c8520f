import type { BucketDigest, BucketMembers } from '../../contracts/bucket-digest.js';
import type { EntityTableSpec } from '../../contracts/home-store.js';
import { assertBuckets, digestsFromRows, membersFromRows } from '../sql-shared/bucket-digest-rows.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { MysqlExecutor } from './mysql-driver.js';
import type { EntityTables } from './mysql-entity-table.js';
import { selectRows } from './mysql-query.js';

const BUCKET_DIGESTS = loadSql('bucket-digests.sql', import.meta.url);
const BUCKET_ROWS = loadSql('bucket-rows.sql', import.meta.url);
const BUCKET_TOMBSTONES = loadSql('bucket-tombstones.sql', import.meta.url);

/** The home's side of a digest check (bucket-digests.sql, bucket-rows.sql, bucket-tombstones.sql). */
export class MysqlDigests {
  readonly #tombstones: string;

  constructor(
    private readonly target: string,
    private readonly tables: EntityTables,
    tombstones: string,
  ) {
    this.#tombstones = renderSql(BUCKET_TOMBSTONES, { tombstones });
  }

  async digests(exec: MysqlExecutor, spec: EntityTableSpec, bits: number): Promise<Map<number, BucketDigest>> {
    assertBuckets(bits);
    const { relation } = this.tables.resolve(spec);
    const rows = await selectRows<{ bucket: unknown; n: unknown; total: unknown }>(
      exec,
      { text: renderSql(BUCKET_DIGESTS, { relation }), values: [bits] },
      this.#context(spec, 'computing bucket digests of'),
    );
    return digestsFromRows(rows);
  }

  async members(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    bits: number,
    buckets: readonly number[],
  ): Promise<BucketMembers> {
    assertBuckets(bits, buckets);
    const { relation } = this.tables.resolve(spec);
    if (buckets.length === 0) return { rows: [], tombstones: [] };
    const list = JSON.stringify(buckets);
    const context = this.#context(spec, 'reading the buckets of');
    const rows = await selectRows<{ id: string; _version: unknown }>(
      exec,
      { text: renderSql(BUCKET_ROWS, { relation }), values: [bits, list] },
      context,
    );
    const tombstones = await selectRows<{ id: string; version: unknown }>(
      exec,
      { text: this.#tombstones, values: [spec.entity, bits, list] },
      context,
    );
    return membersFromRows(rows, tombstones);
  }

  #context(spec: EntityTableSpec, verb: string) {
    return { target: this.target, action: `${verb} ${spec.entity} rows` };
  }
}
