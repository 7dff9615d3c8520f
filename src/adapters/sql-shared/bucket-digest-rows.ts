import type { BucketDigest, BucketMembers } from '../../contracts/bucket-digest.js';
import { toNumber } from './row-values.js';
import { invalidArgument } from './sql-arguments.js';

/**
 * Asserts the arguments of `bucketDigests` and `bucketMembers`: `bits` a
 * whole number from 1 to 32, and each bucket one of its 2^bits, before they
 * reach SQL as `PS_ERR_INVALID_ARGUMENT`.
 */
export function assertBuckets(bits: unknown, buckets: readonly unknown[] = []): asserts bits is number {
  if (!(Number.isInteger(bits) && (bits as number) >= 1 && (bits as number) <= 32))
    throw invalidArgument('"bits" must be a whole number from 1 to 32', 'bits', 'pass e.g. 16 for 65 536 buckets');
  const size = 2 ** (bits as number);
  for (const bucket of buckets)
    if (!(Number.isInteger(bucket) && (bucket as number) >= 0 && (bucket as number) < size))
      throw invalidArgument(
        'a bucket is not a whole number from 0 to 2^bits - 1',
        'buckets',
        'pass bucket numbers read from bucketDigests at the same bits',
      );
}

/** The rows of a bucket-digests statement (bucket, n, total; drivers return big numbers as text) as a map. */
export function digestsFromRows(
  rows: readonly { bucket: unknown; n: unknown; total: unknown }[],
): Map<number, BucketDigest> {
  return new Map(rows.map((row) => [toNumber(row.bucket), { count: toNumber(row.n), sum: toNumber(row.total) }]));
}

/** The rows of bucket-rows.sql and bucket-tombstones.sql (versions as drivers return them) as `BucketMembers`. */
export function membersFromRows(
  rows: readonly { id: string; _version: unknown }[],
  tombstones: readonly { id: string; version: unknown }[],
): BucketMembers {
  return {
    rows: rows.map((row) => ({ id: row.id, version: toNumber(row._version) })),
    tombstones: tombstones.map((row) => ({ id: row.id, version: toNumber(row.version) })),
  };
}
