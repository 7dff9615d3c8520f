import { hash } from 'node:crypto';

/**
 * Order-independent digests of a set of (id, version) pairs, per hash bucket
 * of the id: what the checker compares between the home (computed in SQL)
 * and a view store (kept up to date as it applies), reading ids only where
 * the two differ. Every side computes the same numbers from `md5(id)` (UTF-8
 * bytes, as hex), which PostgreSQL, PGlite, MariaDB and Node all have:
 *
 * - bucket at `bits` (1 to 32): the first `bits` bits of the md5, so a
 *   bucket at `bits - 1` is the union of two buckets at `bits`;
 * - `a` = md5 hex characters 9-16 as an unsigned 32-bit number, and
 *   `m` = 2 × (characters 17-21 as a 20-bit number) + 1, odd;
 * - the contribution of a live (id, version): (a + (version mod 2^32) × m) mod 2^32.
 *
 * A bucket's digest is the count of its live ids and the sum of their
 * contributions; compared as one number, its value: count × 2^32 + sum, the
 * sum over its ids of 2^32 + contribution, which a view store keeps in one
 * counter per bucket (one update per bucket per apply). The contribution is
 * linear in the version so that a store told only `a` and `m` (a Redis
 * script has no md5) can work out the contribution of the version it is
 * replacing: every product stays below 2^53, exact in a double. A missing or
 * extra id changes the value by at least 2^32; an entry behind the home
 * (stale) changes it by (Δversion × m) mod 2^32, never 0 for an odd m and
 * Δ < 2^32; anything else goes unnoticed with a chance of about 2^-32 per
 * bucket. Values are exact while a bucket holds fewer than 2^20 ids
 * (2^36 ids at 16 bits).
 */
export interface BucketDigest {
  readonly count: number;
  readonly sum: number;
}

/** Digests by bucket number; a bucket with no live id is absent. */
export type BucketDigests = ReadonlyMap<number, BucketDigest>;

/** Digest values (count × 2^32 + sum) by bucket number; a bucket with no live id is absent. */
export type DigestValues = ReadonlyMap<number, number>;

/** The digest values a view store keeps for one scope, at the bits it keeps them. */
export interface ScopeDigests {
  readonly bits: number;
  readonly values: DigestValues;
}

/** The ids of some hash buckets (`HomeStore.bucketMembers`), each with its version, in no particular order. */
export interface BucketMembers {
  readonly rows: readonly { readonly id: string; readonly version: number }[];
  readonly tombstones: readonly { readonly id: string; readonly version: number }[];
}

const TWO_32 = 2 ** 32;

/** The parts of `md5(id)` the digests use: its first 32 bits, `a` and `m` (see above). */
export interface IdHash {
  readonly top: number;
  readonly a: number;
  readonly m: number;
}

/** The md5 of `id`'s UTF-8 bytes as 32 lowercase hex characters. */
export function md5Hex(id: string): string {
  return hash('md5', id, 'hex');
}

export function idHash(id: string): IdHash {
  const hex = md5Hex(id);
  return {
    top: Number.parseInt(hex.slice(0, 8), 16),
    a: Number.parseInt(hex.slice(8, 16), 16),
    m: 2 * Number.parseInt(hex.slice(16, 21), 16) + 1,
  };
}

/** The bucket of an id's hash at `bits`. */
export function bucketAt(top: number, bits: number): number {
  return Math.floor(top / 2 ** (32 - bits));
}

export function contribution({ a, m }: IdHash, version: number): number {
  return (a + (version % TWO_32) * m) % TWO_32;
}

/**
 * The digests of live (id, version) pairs at `bits`, computed here: the
 * reference every store's and home's digests must equal.
 *
 * @example
 * const digests = digestsOf([{ id: 'p1', version: 3 }], 16); // Map { 40929 => { count: 1, sum: ... } }
 */
export function digestsOf(
  live: Iterable<{ readonly id: string; readonly version: number }>,
  bits: number,
): Map<number, BucketDigest> {
  const out = new Map<number, BucketDigest>();
  for (const { id, version } of live) {
    const parts = idHash(id);
    const bucket = bucketAt(parts.top, bits);
    const before = out.get(bucket) ?? { count: 0, sum: 0 };
    out.set(bucket, { count: before.count + 1, sum: before.sum + contribution(parts, version) });
  }
  return out;
}

/** A digest as one number: count × 2^32 + sum. */
export function digestValue({ count, sum }: BucketDigest): number {
  return count * TWO_32 + sum;
}

/** The values of `digests`, by bucket. */
export function valuesOf(digests: BucketDigests): Map<number, number> {
  return new Map([...digests].map(([bucket, digest]) => [bucket, digestValue(digest)]));
}

/** The buckets whose values differ between `a` and `b` (an absent bucket counts as 0). */
export function differingBuckets(a: DigestValues, b: DigestValues): number[] {
  const out: number[] = [];
  for (const [bucket, value] of a) if (value !== (b.get(bucket) ?? 0)) out.push(bucket);
  for (const [bucket, value] of b) if (!a.has(bucket) && value !== 0) out.push(bucket);
  return out;
}
